"""Contract tests of local Personalize event trackers: create, describe, list, delete."""

from __future__ import annotations

import os

import pytest

from tests.contract import shop
from tests.contract.conftest import assert_error, assert_valid, wait_for

REGION_ACCOUNT = f"{os.environ.get('AWS_DEFAULT_REGION', 'us-east-1')}:123456789012"
NO_GROUP = f"arn:aws:personalize:{REGION_ACCOUNT}:dataset-group/none"


@pytest.fixture
def group(personalize, s3):
    return shop.make_group(personalize, s3)[0]


def _trackers(personalize, group: str) -> list[dict]:
    return personalize.list_event_trackers(datasetGroupArn=group)["eventTrackers"]


def _gone(personalize, arn: str) -> dict:
    try:
        return {
            "t": {"status": personalize.describe_event_tracker(eventTrackerArn=arn)["eventTracker"]["status"]}
        }
    except personalize.exceptions.ResourceNotFoundException:
        return {"t": {"status": "GONE"}}


def test_create_event_tracker(personalize, group):
    answer = personalize.create_event_tracker(name="tracker", datasetGroupArn=group)
    assert_valid(personalize, "CreateEventTracker")
    arn = answer["eventTrackerArn"]
    assert arn == f"arn:aws:personalize:{REGION_ACCOUNT}:event-tracker/tracker"
    tracker = wait_for(personalize.describe_event_tracker, "eventTracker", eventTrackerArn=arn)
    assert_valid(personalize, "DescribeEventTracker")
    assert tracker["status"] == "ACTIVE"
    assert tracker["trackingId"] == answer["trackingId"] and len(answer["trackingId"]) == 36
    assert tracker["datasetGroupArn"] == group and tracker["accountId"] == "123456789012"
    assert tracker["creationDateTime"] <= tracker["lastUpdatedDateTime"]


def test_create_event_tracker__one_per_dataset_group(personalize, group):
    first = personalize.create_event_tracker(name="first", datasetGroupArn=group)["eventTrackerArn"]
    call = lambda: personalize.create_event_tracker(name="second", datasetGroupArn=group)  # noqa: E731
    assert_error(call, "ResourceAlreadyExistsException", 400, first)
    assert [t["eventTrackerArn"] for t in _trackers(personalize, group)] == [first]


def test_create_event_tracker__same_name(personalize, s3, group):
    personalize.create_event_tracker(name="tracker", datasetGroupArn=group)
    other = shop.make_group(personalize, s3, name="other")[0]
    call = lambda: personalize.create_event_tracker(name="tracker", datasetGroupArn=other)  # noqa: E731
    assert_error(call, "ResourceAlreadyExistsException", 400, "tracker already exists")
    assert _trackers(personalize, other) == []


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        ({"name": "bad name!"}, "InvalidInputException", "name"),
        ({"datasetGroupArn": NO_GROUP}, "ResourceNotFoundException", NO_GROUP),
        ({"tags": [{"tagKey": f"k{i}", "tagValue": "v"} for i in range(51)]}, "TooManyTagsException", "51"),
    ],
)  # fmt: skip
def test_create_event_tracker__invalid(personalize, group, kwargs, code, message):
    call = lambda: personalize.create_event_tracker(**{"name": "tracker", "datasetGroupArn": group, **kwargs})  # noqa: E731
    assert_error(call, code, 400, message)
    assert _trackers(personalize, group) == []


def test_create_event_tracker__dataset_group_not_active(personalize, state):
    group = personalize.create_dataset_group(name="leaving")["datasetGroupArn"]
    wait_for(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    state.update("dataset-group", group, {"status": "DELETE PENDING"})
    call = lambda: personalize.create_event_tracker(name="tracker", datasetGroupArn=group)  # noqa: E731
    assert_error(call, "ResourceInUseException", 400, "DELETE PENDING")
    assert _trackers(personalize, group) == []


def test_describe_event_tracker__not_found(personalize, group):
    arn = f"arn:aws:personalize:{REGION_ACCOUNT}:event-tracker/none"
    call = lambda: personalize.describe_event_tracker(eventTrackerArn=arn)  # noqa: E731
    assert_error(call, "ResourceNotFoundException", 400, arn)


def test_list_event_trackers(personalize, s3, group):
    other = shop.make_group(personalize, s3, name="other")[0]
    for name, g in (("mine", group), ("theirs", other)):
        personalize.create_event_tracker(name=name, datasetGroupArn=g)
    assert [t["name"] for t in _trackers(personalize, group)] == ["mine"]
    assert_valid(personalize, "ListEventTrackers")
    everything = personalize.list_event_trackers(maxResults=1)
    assert len(everything["eventTrackers"]) == 1 and everything["nextToken"]
    rest = personalize.list_event_trackers(maxResults=1, nextToken=everything["nextToken"])
    names = {everything["eventTrackers"][0]["name"], rest["eventTrackers"][0]["name"]}
    assert names == {"mine", "theirs"} and "nextToken" not in rest
    call = lambda: personalize.list_event_trackers(nextToken="not-a-token")  # noqa: E731
    assert_error(call, "InvalidNextTokenException", 400, "not-a-token")


def test_delete_event_tracker(personalize, group):
    arn = personalize.create_event_tracker(name="tracker", datasetGroupArn=group)["eventTrackerArn"]
    wait_for(personalize.describe_event_tracker, "eventTracker", eventTrackerArn=arn)
    call = lambda: personalize.delete_dataset_group(datasetGroupArn=group)  # noqa: E731
    assert_error(call, "ResourceInUseException", 400, "still has")
    personalize.delete_event_tracker(eventTrackerArn=arn)
    assert wait_for(lambda: _gone(personalize, arn), "t", done=("GONE",))["status"] == "GONE"
    assert _trackers(personalize, group) == []
    again = personalize.create_event_tracker(name="tracker", datasetGroupArn=group)  # one per group again
    assert again["eventTrackerArn"] == arn


def test_delete_event_tracker__not_found_or_busy(personalize, group, state):
    missing = f"arn:aws:personalize:{REGION_ACCOUNT}:event-tracker/none"
    call = lambda: personalize.delete_event_tracker(eventTrackerArn=missing)  # noqa: E731
    assert_error(call, "ResourceNotFoundException", 400, missing)
    arn = personalize.create_event_tracker(name="tracker", datasetGroupArn=group)["eventTrackerArn"]
    wait_for(personalize.describe_event_tracker, "eventTracker", eventTrackerArn=arn)
    state.update("event-tracker", arn, {"status": "DELETE PENDING"})
    call = lambda: personalize.delete_event_tracker(eventTrackerArn=arn)  # noqa: E731
    assert_error(call, "ResourceInUseException", 400, "DELETE PENDING")


def test_tag_event_tracker(personalize, group):
    arn = personalize.create_event_tracker(
        name="tracker", datasetGroupArn=group, tags=[{"tagKey": "team", "tagValue": "shop"}]
    )["eventTrackerArn"]
    assert personalize.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"tagKey": "team", "tagValue": "shop"}
    ]

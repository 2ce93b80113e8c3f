"""Contract tests of local personalize-events (PutEvents, PutUsers, PutItems) on the hand-made shop.

The shop (``tests.contract.shop``) has shoppers of category A (``a*`` items) and of category B
(``b*``); Recommended for you of a newcomer is popular items until it streams a few views.
"""

from __future__ import annotations

import json
import subprocess
import sys

import boto3
import botocore.config
import botocore.exceptions
import pytest

from helpers import aws, localaws
from helpers.localaws.engine import jobs
from helpers.localaws.personalize import streams
from tests.contract import shop
from tests.contract.conftest import _client, assert_error, assert_valid, wait_for

SENT = shop.T0 + 40 * 7_200
"""When the streamed events happen: just after the shop's imported interactions."""


def _schema(name: str, fields: list[dict]) -> str:
    return json.dumps({"type": "record", "name": name, "fields": fields, "version": "1.0"})


ITEMS_SCHEMA = _schema(
    "Items",
    [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "PRICE", "type": "float"},
        {"name": "CATEGORY_L1", "type": "string", "categorical": True},
        {"name": "PRODUCT_DESCRIPTION", "type": ["null", "string"], "textual": True},
        {"name": "CREATION_TIMESTAMP", "type": "long"},
    ],
)
USERS_SCHEMA = _schema(
    "Users",
    [
        {"name": "USER_ID", "type": "string"},
        {"name": "AGE", "type": "int"},
        {"name": "MEMBERSHIP", "type": ["null", "string"], "categorical": True},
    ],
)


def _dataset(personalize, group: str, kind: str, schema: str) -> str:
    schema_arn = personalize.create_schema(name=f"shop-{kind.lower()}", schema=schema, domain="ECOMMERCE")[
        "schemaArn"
    ]
    arn = personalize.create_dataset(
        name=f"shop-{kind.lower()}", datasetType=kind, datasetGroupArn=group, schemaArn=schema_arn
    )["datasetArn"]
    wait_for(personalize.describe_dataset, "dataset", datasetArn=arn)
    return arn


@pytest.fixture(scope="module")
def shop_state(tmp_path_factory):
    """The shop with Recommended for you, an ACTIVE event tracker and empty Users and Items datasets."""
    root = tmp_path_factory.mktemp("events") / "state"
    aws.activate("local", root)
    personalize, s3 = _client("personalize"), _client("s3")
    group, interactions = shop.make_group(personalize, s3, shop.rows())
    rec = shop.create_recommender(personalize, group, shop.FOR_YOU, "you")
    assert rec["status"] == "ACTIVE", rec.get("failureReason")
    tracker = personalize.create_event_tracker(name="tracker", datasetGroupArn=group)
    wait_for(personalize.describe_event_tracker, "eventTracker", eventTrackerArn=tracker["eventTrackerArn"])
    names = {
        "root": root,
        "group": group,
        "interactions": interactions,
        "items": _dataset(personalize, group, "Items", ITEMS_SCHEMA),
        "users": _dataset(personalize, group, "Users", USERS_SCHEMA),
        "you": rec["recommenderArn"],
        "tracker": tracker["eventTrackerArn"],
        "trackingId": tracker["trackingId"],
    }
    yield names
    jobs.wait_idle(30)


@pytest.fixture
def shop_names(shop_state):
    aws.activate("local", shop_state["root"])
    return shop_state


@pytest.fixture
def events(shop_names):
    return _client("personalize-events")


@pytest.fixture
def runtime(shop_names):
    return _client("personalize-runtime")


def _views(items: list[str], at: int = SENT) -> list[dict]:
    return [{"eventType": "View", "itemId": item, "sentAt": at + k} for k, item in enumerate(items)]


def _for_you(runtime, names: dict, user: str, n: int = 10) -> list[str]:
    answer = runtime.get_recommendations(recommenderArn=names["you"], userId=user, numResults=n)
    return [i["itemId"] for i in answer["itemList"]]


def _streamed(names: dict, kind: str) -> int:
    """How many records the dataset's stream holds (to check a refused call recorded nothing)."""
    return len(localaws.store().records(names[kind]))


# --- PutEvents ------------------------------------------------------------------------------
def test_put_events__changes_the_next_recommendations(events, runtime, shop_names):
    before = _for_you(runtime, shop_names, "newcomer")
    assert before[:3] == ["x", "y", "p1"]  # a new shopper gets popular items
    answer = events.put_events(
        trackingId=shop_names["trackingId"],
        userId="newcomer",
        sessionId="newcomer-visit",
        eventList=_views(["b1", "b2", "b3", "b4", "b5"]),
    )
    assert_valid(events, "PutEvents")
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    after = _for_you(runtime, shop_names, "newcomer")
    assert sum(i.startswith("b") for i in after) >= 8, after  # five views of B: B comes first, at once


def test_put_events__an_anonymous_session_joins_its_user(events, runtime, shop_names):
    tid = shop_names["trackingId"]
    events.put_events(trackingId=tid, sessionId="visit-7", eventList=_views(["a3", "a4", "a5", "a6"]))
    anonymous = _for_you(runtime, shop_names, "visit-7")  # the sessionId stands for the shopper
    assert sum(i.startswith("a") for i in anonymous) >= 6 and not any(i.startswith("b") for i in anonymous)
    assert _for_you(runtime, shop_names, "signed-in")[:3] == ["x", "y", "p1"]
    events.put_events(
        trackingId=tid, userId="signed-in", sessionId="visit-7", eventList=_views(["a7"], SENT + 9)
    )
    signed_in = _for_you(runtime, shop_names, "signed-in")  # the anonymous views count too
    assert sum(i.startswith("a") for i in signed_in) >= 6 and not any(i.startswith("b") for i in signed_in)


def test_put_events__every_member(events, shop_names):
    event = {
        "eventId": "e-1",
        "eventType": "Purchase",
        "eventValue": 19.5,
        "itemId": "p1",
        "sentAt": SENT,
        "recommendationId": "RID-1",
        "impression": ["p1", "p2"],
    }
    events.put_events(
        trackingId=shop_names["trackingId"], userId="u-full", sessionId="s-full", eventList=[event]
    )
    (row,) = streams.events_of(localaws.store(), shop_names["group"], "u-full")
    assert row == {
        "USER_ID": "u-full",
        "ITEM_ID": "p1",
        "TIMESTAMP": SENT,
        "EVENT_TYPE": "Purchase",
        "EVENT_VALUE": 19.5,
        "IMPRESSION": "p1|p2",
        "eventId": "e-1",
        "recommendationId": "RID-1",
    }


def test_put_events__older_form(events, shop_names):
    """The older event form carries itemId and eventValue in properties; PutEvents takes it."""
    event = {
        "eventType": "Purchase",
        "sentAt": SENT,
        "properties": json.dumps({"itemId": "p2", "eventValue": 7}),
    }
    events.put_events(
        trackingId=shop_names["trackingId"], userId="u-old", sessionId="s-old", eventList=[event]
    )
    assert_valid(events, "PutEvents")
    (row,) = streams.events_of(localaws.store(), shop_names["group"], "u-old")
    assert (row["ITEM_ID"], row["EVENT_VALUE"], row["EVENT_TYPE"]) == ("p2", 7.0, "Purchase")
    members_win = {**event, "itemId": "p3"}
    events.put_events(
        trackingId=shop_names["trackingId"], userId="u-old", sessionId="s-old", eventList=[members_win]
    )
    assert streams.events_of(localaws.store(), shop_names["group"], "u-old")[-1]["ITEM_ID"] == "p3"


def test_put_events__from_another_process(runtime, shop_names):
    """Events streamed by another process (the storefront) are on disk for this one."""
    code = (
        "import sys\nfrom helpers import aws\naws.activate('local', sys.argv[1])\nimport boto3\n"
        "boto3.client('personalize-events').put_events(trackingId=sys.argv[2], userId='elsewhere', "
        f"sessionId='s', eventList=[{{'eventType': 'View', 'itemId': f'b{{k}}', 'sentAt': {SENT}}} "
        "for k in range(6, 11)])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(shop_names["root"]), shop_names["trackingId"]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert sum(i.startswith("b") for i in _for_you(runtime, shop_names, "elsewhere")) >= 8


_ONE = _views(["a1"])[0]
BAD_EVENTS = [
    ({"eventList": _views([f"a{k}" for k in range(11)])}, "less than or equal to 10"),
    ({"trackingId": "no-such-tracker"}, "no-such-tracker"),
    ({"eventList": [{**_ONE, "properties": "{not json"}]}, "eventList[0]: properties is not valid JSON"),
    ({"eventList": [{**_ONE, "properties": '["a"]'}]}, "must be a JSON object"),
    ({"eventList": [_ONE, {**_ONE, "properties": '{"colour": "red"}'}]}, "eventList[1]: property 'colour'"),
    ({"eventList": [{"eventType": "View", "sentAt": SENT}]}, "itemId is required"),
]


@pytest.mark.parametrize(("change", "message"), BAD_EVENTS)
def test_put_events__invalid(events, shop_names, change, message):
    before = _streamed(shop_names, "interactions")
    params = {
        "trackingId": shop_names["trackingId"],
        "userId": "u-bad",
        "sessionId": "s-bad",
        "eventList": [_ONE],
    }
    params.update(change)
    assert_error(lambda: events.put_events(**params), "InvalidInputException", 400, message)
    assert _streamed(shop_names, "interactions") == before


def test_put_events__missing_sent_at(events, shop_names):
    """botocore refuses a missing required member before sending; the backend refuses it too."""
    params = {
        "trackingId": shop_names["trackingId"],
        "sessionId": "s-bad",
        "eventList": [{"eventType": "View", "itemId": "a1"}],
    }
    with pytest.raises(botocore.exceptions.ParamValidationError, match="sentAt"):
        events.put_events(**params)
    unchecked = boto3.client("personalize-events", config=botocore.config.Config(parameter_validation=False))
    before = _streamed(shop_names, "interactions")
    assert_error(lambda: unchecked.put_events(**params), "InvalidInputException", 400, "eventList[0]: sentAt")
    assert _streamed(shop_names, "interactions") == before


def test_put_events__tracker_not_active(events, shop_names):
    store = localaws.store()
    store.update("event-tracker", shop_names["tracker"], {"status": "CREATE IN_PROGRESS"})
    try:
        call = lambda: events.put_events(  # noqa: E731
            trackingId=shop_names["trackingId"], sessionId="s", eventList=_views(["a1"])
        )
        assert_error(call, "InvalidInputException", 400, "CREATE IN_PROGRESS")
    finally:
        store.update("event-tracker", shop_names["tracker"], {"status": "ACTIVE"})


# --- PutUsers and PutItems ------------------------------------------------------------------
def test_put_users(events, shop_names):
    users = [
        {"userId": "member-1", "properties": json.dumps({"age": 31, "membership": "gold"})},
        {"userId": "member-2", "properties": json.dumps({"age": "45"})},
    ]
    events.put_users(datasetArn=shop_names["users"], users=users)
    assert_valid(events, "PutUsers")
    rows = streams.catalogue(localaws.store(), shop_names["group"], "Users", ["USER_ID", "AGE", "MEMBERSHIP"])
    mine = rows[rows.USER_ID.str.startswith("member-")].to_dict("records")
    assert mine[0] == {"USER_ID": "member-1", "AGE": 31, "MEMBERSHIP": "gold"}
    assert mine[1]["AGE"] == 45 and mine[1]["MEMBERSHIP"] != mine[1]["MEMBERSHIP"]  # NaN: not given


def test_put_items(events, shop_names):
    item = {
        "price": 9.99,
        "categoryL1": "garden|tools",
        "productDescription": "A spade.",
        "creationTimestamp": SENT,
    }
    events.put_items(
        datasetArn=shop_names["items"], items=[{"itemId": "spade", "properties": json.dumps(item)}]
    )
    assert_valid(events, "PutItems")
    newer = {**item, "price": "7.5"}
    events.put_items(
        datasetArn=shop_names["items"], items=[{"itemId": "spade", "properties": json.dumps(newer)}]
    )
    columns = ["ITEM_ID", "PRICE", "CATEGORY_L1", "PRODUCT_DESCRIPTION", "CREATION_TIMESTAMP"]
    rows = streams.catalogue(localaws.store(), shop_names["group"], "Items", columns)
    assert rows[rows.ITEM_ID == "spade"].to_dict("records") == [
        {"ITEM_ID": "spade", "PRICE": 7.5, "CATEGORY_L1": "garden|tools", "PRODUCT_DESCRIPTION": "A spade.",
         "CREATION_TIMESTAMP": SENT}
    ]  # fmt: skip


_ITEM = {"price": 1.0, "categoryL1": "c", "creationTimestamp": SENT}


def _user(properties: str, user_id: str = "n") -> list[dict]:
    return [{"userId": user_id, "properties": properties}]


def _item(**change) -> list[dict]:
    return [{"itemId": "i", "properties": json.dumps({**_ITEM, **change})}]


INVALID = "InvalidInputException"
BAD_RECORDS = [
    ("put_users", "users", [_user('{"age": 1}', f"n{k}")[0] for k in range(11)], INVALID, "or equal to 10"),
    ("put_users", "users", _user('{"age": "old"}'), INVALID, "users[0]: AGE value 'old' is not an int"),
    ("put_users", "users", _user('{"membership": "gold"}'), INVALID, "no value for AGE"),
    ("put_users", "users", _user("{age: 1}"), INVALID, "not valid JSON"),
    ("put_users", "users", _user('{"userId": "m", "age": 1}'), INVALID, "'userId' matches no field"),
    ("put_users", "items", _user('{"age": 1}'), INVALID, "of type ITEMS"),
    ("put_items", "items", _item(price="cheap"), INVALID, "PRICE value 'cheap' is not a float"),
    ("put_items", "items", _item(categoryL1=7), INVALID, "CATEGORY_L1 value 7 is not a string"),
    ("put_items", "items", _item(creationTimestamp=None), INVALID, "CREATION_TIMESTAMP must not be null"),
    ("put_items", "missing", _item(), "ResourceNotFoundException", "Could not find dataset"),
    # Avro's types (the guide's "Creating schema JSON files"): int is 32-bit, long 64-bit signed
    ("put_users", "users", _user('{"age": 2147483648}'), INVALID, "AGE value 2147483648 is not an int"),
    ("put_items", "items", _item(creationTimestamp=2**63), INVALID, f"value {2**63} is not a long"),
    # Amazon Personalize endpoints and quotas: categorical values of at most 1,000 characters
    ("put_items", "items", _item(categoryL1="c" * 1001), INVALID, "CATEGORY_L1 value is longer than 1,000"),
]


@pytest.mark.parametrize(("operation", "dataset", "records", "code", "message"), BAD_RECORDS)
def test_put_records__invalid(events, shop_names, operation, dataset, records, code, message):
    arn = shop_names.get(dataset, shop_names["items"].replace("/ITEMS", "/NONE"))
    member = "users" if operation == "put_users" else "items"
    before = (_streamed(shop_names, "users"), _streamed(shop_names, "items"))
    status = 404 if code == "ResourceNotFoundException" else 400
    assert_error(
        lambda: getattr(events, operation)(datasetArn=arn, **{member: records}), code, status, message
    )
    assert (_streamed(shop_names, "users"), _streamed(shop_names, "items")) == before


def test_put_items__dataset_not_active(events, shop_names):
    store = localaws.store()
    store.update("dataset", shop_names["items"], {"status": "CREATE IN_PROGRESS"})
    try:
        call = lambda: events.put_items(  # noqa: E731
            datasetArn=shop_names["items"], items=[{"itemId": "i", "properties": json.dumps(_ITEM)}]
        )
        assert_error(call, "ResourceInUseException", 409, "CREATE IN_PROGRESS")
    finally:
        store.update("dataset", shop_names["items"], {"status": "ACTIVE"})


# --- streamed records in the next training --------------------------------------------------
def test_streamed_events_count_toward_the_next_training(events, shop_names):
    """UpdateRecommender retrains on what was imported and streamed; serving then adds only the
    events streamed after that training (none is counted twice)."""
    personalize, store = _client("personalize"), localaws.store()
    group = shop_names["group"]
    views = shop.create_recommender(personalize, group, shop.MOST_VIEWED, "views-streamed")["recommenderArn"]
    runtime = _client("personalize-runtime")

    def top() -> list[str]:
        answer = runtime.get_recommendations(recommenderArn=views, userId="u0", numResults=2)
        return [i["itemId"] for i in answer["itemList"]]

    for k in range(6):  # 60 views of z, more than x and y had
        events.put_events(trackingId=shop_names["trackingId"], userId=f"fan-{k}", sessionId=f"fan-{k}",
                          eventList=_views(["z"] * 10))  # fmt: skip
    assert top() == ["x", "y"]  # popularity changes only with training
    doc = store.get("recommender", views)
    personalize.update_recommender(
        recommenderArn=views, recommenderConfig={"minRecommendationRequestsPerSecond": 1}
    )
    describe = personalize.describe_recommender
    wait_for(lambda: {"u": describe(recommenderArn=views)["recommender"]["latestRecommenderUpdate"]}, "u")
    assert top() == ["z", "x"]
    retrained = store.get("recommender", views)
    assert retrained["modelFile"] != doc["modelFile"]
    assert retrained["streamedThrough"] == streams.last_event(store, group) > doc["streamedThrough"]


def test_put_events__dataset_group_without_interactions(personalize, personalize_events, state):
    group = personalize.create_dataset_group(name="empty", domain="ECOMMERCE")["datasetGroupArn"]
    wait_for(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    tracker = personalize.create_event_tracker(name="lonely", datasetGroupArn=group)
    wait_for(personalize.describe_event_tracker, "eventTracker", eventTrackerArn=tracker["eventTrackerArn"])
    call = lambda: personalize_events.put_events(  # noqa: E731
        trackingId=tracker["trackingId"], sessionId="s", eventList=_views(["a1"])
    )
    assert_error(call, "InvalidInputException", 400, "has no Interactions dataset")


def test_delete_dataset__drops_its_streamed_records(personalize, personalize_events, state):
    group = personalize.create_dataset_group(name="short-lived", domain="ECOMMERCE")["datasetGroupArn"]
    wait_for(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    items = _dataset(personalize, group, "Items", ITEMS_SCHEMA)
    personalize_events.put_items(datasetArn=items, items=[{"itemId": "i", "properties": json.dumps(_ITEM)}])
    assert len(state.records(items)) == 1
    personalize.delete_dataset(datasetArn=items)

    def gone() -> dict:
        try:
            return {"d": personalize.describe_dataset(datasetArn=items)["dataset"]}
        except personalize.exceptions.ResourceNotFoundException:
            return {"d": {"status": "GONE"}}

    wait_for(gone, "d", done=("GONE",))
    assert state.records(items) == []

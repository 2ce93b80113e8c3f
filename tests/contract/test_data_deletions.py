"""Contract tests of local data deletion jobs (shoppers who asked to be forgotten) and of UpdateDataset."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest

from helpers import aws, localaws
from helpers.localaws.engine import jobs
from helpers.localaws.personalize import streams
from tests.contract import shop
from tests.contract.conftest import _client, assert_error, assert_valid, snapshot, wait_for

REGION_ACCOUNT = f"{os.environ.get('AWS_DEFAULT_REGION', 'us-east-1')}:123456789012"
LEAVING = [f"u{k}" for k in range(5)]
SENT = shop.T0 + 40 * 7_200


def _schema(name: str, fields: list[dict]) -> str:
    return json.dumps({"type": "record", "name": name, "fields": fields, "version": "1.0"})


USERS_FIELDS = [
    {"name": "USER_ID", "type": "string"},
    {"name": "TIER", "type": "string", "categorical": True},
]
AGE = {"name": "AGE", "type": ["null", "int"]}
"""The field UpdateDataset adds (the tests of refused schemas run after it)."""


@pytest.fixture(scope="module")
def shop_state(tmp_path_factory):
    """A custom shop: interactions, users, and events streamed by u0 (anonymous, then signed in) and u7."""
    root = tmp_path_factory.mktemp("deletion") / "state"
    aws.activate("local", root)
    personalize, s3, events = _client("personalize"), _client("s3"), _client("personalize-events")
    group, interactions = shop.make_group(personalize, s3, shop.rows(), domain=None)
    schema = personalize.create_schema(name="users", schema=_schema("Users", USERS_FIELDS))["schemaArn"]
    users = personalize.create_dataset(
        name="users", datasetType="Users", datasetGroupArn=group, schemaArn=schema
    )["datasetArn"]
    wait_for(personalize.describe_dataset, "dataset", datasetArn=users)
    body = "\n".join(["USER_ID,TIER"] + [f"u{k},{'gold' if k % 2 else 'silver'}" for k in range(40)]).encode()
    assert shop.import_csv(personalize, s3, users, body, "users")["status"] == "ACTIVE"
    tracker = personalize.create_event_tracker(name="tracker", datasetGroupArn=group)
    wait_for(personalize.describe_event_tracker, "eventTracker", eventTrackerArn=tracker["eventTrackerArn"])
    view = {"eventType": "View", "itemId": "a3", "sentAt": SENT}
    events.put_events(trackingId=tracker["trackingId"], sessionId="visit", eventList=[view])  # anonymous
    events.put_events(trackingId=tracker["trackingId"], userId="u0", sessionId="visit", eventList=[view])
    events.put_events(trackingId=tracker["trackingId"], userId="u7", sessionId="other", eventList=[view])
    s3.put_object(
        Bucket=shop.BUCKET, Key="forget/users.csv", Body=("USER_ID\n" + "\n".join(LEAVING)).encode()
    )
    yield root, {"group": group, "interactions": interactions, "users": users}
    jobs.wait_idle(30)


def _delete(client, arns, name: str, location: str) -> dict:
    arn = client.create_data_deletion_job(
        jobName=name, datasetGroupArn=arns["group"], roleArn=shop.ROLE, dataSource={"dataLocation": location}
    )["dataDeletionJobArn"]
    return wait_for(
        client.describe_data_deletion_job,
        "dataDeletionJob",
        done=("COMPLETED", "FAILED"),
        dataDeletionJobArn=arn,
    )


def test_create_data_deletion_job__the_shoppers_leave_every_dataset(client, arns):
    store = localaws.store()
    their_interactions = sum(r[0] in LEAVING for r in shop.rows())
    job = _delete(client, arns, "forget", f"s3://{shop.BUCKET}/forget/users.csv")
    assert_valid(client, "DescribeDataDeletionJob")
    assert job["dataDeletionJobArn"] == f"arn:aws:personalize:{REGION_ACCOUNT}:data-deletion-job/forget"
    assert job["status"] == "COMPLETED" and job["datasetGroupArn"] == arns["group"]
    assert job["numDeleted"] == their_interactions + len(LEAVING) + 2  # their users rows, u0's two events
    interactions = store.read_dataset(arns["group"], "Interactions")
    assert not interactions["USER_ID"].isin(LEAVING).any()
    assert len(interactions) == len(shop.rows()) - their_interactions
    assert not store.read_dataset(arns["group"], "Users")["USER_ID"].isin(LEAVING).any()
    streamed, _ = streams.interactions(
        store, arns["group"], ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"]
    )
    assert list(streamed["USER_ID"]) == ["u7"]  # what the next training reads


def test_dataset_export_after_deletion__what_is_left(client, arns):
    arn = client.create_dataset_export_job(
        jobName="left",
        datasetArn=arns["interactions"],
        roleArn=shop.ROLE,
        ingestionMode="ALL",
        jobOutput={"s3DataDestination": {"path": f"s3://{shop.BUCKET}/export/"}},
    )["datasetExportJobArn"]
    assert (
        wait_for(client.describe_dataset_export_job, "datasetExportJob", datasetExportJobArn=arn)["status"]
        == "ACTIVE"
    )
    body = _client("s3").get_object(Bucket=shop.BUCKET, Key="export/left.csv")["Body"].read().decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert not {r["USER_ID"] for r in rows} & set(LEAVING)
    assert len(rows) == sum(r[0] not in LEAVING for r in shop.rows()) + 1  # and u7's streamed view


def test_list_data_deletion_jobs(client, arns):
    listed = client.list_data_deletion_jobs(datasetGroupArn=arns["group"])["dataDeletionJobs"]
    assert_valid(client, "ListDataDeletionJobs")
    assert "forget" in [j["jobName"] for j in listed]
    assert all(j["datasetGroupArn"] == arns["group"] for j in listed)


@pytest.mark.parametrize(
    ("key", "body", "reason"),
    [
        ("missing.csv", None, "does not exist"),
        ("no-user-id.csv", b"CUSTOMER\nu9\n", "has no USER_ID column"),
    ],
)
def test_data_deletion_job__fails_with_the_reason(client, arns, key, body, reason):
    if body is not None:
        _client("s3").put_object(Bucket=shop.BUCKET, Key=key, Body=body)
    job = _delete(client, arns, key.removesuffix(".csv"), f"s3://{shop.BUCKET}/{key}")
    assert job["status"] == "FAILED" and reason in job["failureReason"]
    assert "numDeleted" not in job


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        (
            {"dataSource": {"dataLocation": "https://example.com/users.csv"}},
            "InvalidInputException",
            "must be an s3:// path",
        ),
        ({"jobName": "forget"}, "ResourceAlreadyExistsException", "already exists"),
        (
            {"datasetGroupArn": f"arn:aws:personalize:{REGION_ACCOUNT}:dataset-group/missing"},
            "ResourceNotFoundException",
            "dataset-group/missing",
        ),
    ],
)
def test_create_data_deletion_job__refused(client, arns, change, code, message):
    before = snapshot(localaws.store())
    params = {
        "jobName": "again",
        "datasetGroupArn": arns["group"],
        "roleArn": shop.ROLE,
        "dataSource": {"dataLocation": f"s3://{shop.BUCKET}/forget/users.csv"},
        **change,
    }
    assert_error(lambda: client.create_data_deletion_job(**params), code, 400, message)
    assert snapshot(localaws.store()) == before


# --- UpdateDataset --------------------------------------------------------------------------
def _users_schema(client, name: str, fields: list[dict]) -> str:
    return client.create_schema(name=name, schema=_schema("Users", fields))["schemaArn"]


def test_update_dataset__a_new_nullable_field(client, arns):
    wider = _users_schema(client, "users-v2", [*USERS_FIELDS, AGE])
    assert client.update_dataset(datasetArn=arns["users"], schemaArn=wider)["datasetArn"] == arns["users"]
    assert_valid(client, "UpdateDataset")
    got = client.describe_dataset(datasetArn=arns["users"])["dataset"]
    assert got["schemaArn"] == wider and got["latestDatasetUpdate"]["schemaArn"] == wider
    assert got["latestDatasetUpdate"]["status"] == "ACTIVE"
    before = localaws.store().read_dataset(arns["group"], "Users")
    assert before["AGE"].isna().all() and len(before) == 40 - len(LEAVING)  # the new field, null
    body = b"USER_ID,TIER,AGE\nu9,gold,31\nu10,silver,\n"
    job = shop.import_csv(client, _client("s3"), arns["users"], body, "users-v2", mode="INCREMENTAL")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert localaws.store().read_dataset(arns["group"], "Users")["AGE"].dropna().tolist() == [31]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([USERS_FIELDS[0], AGE], "has no field TIER"),
        (
            [USERS_FIELDS[0], {"name": "TIER", "type": "string"}],
            "changes from string, categorical to string; a replacement schema keeps each field's type",
        ),
        ([*USERS_FIELDS, AGE, {"name": "SCORE", "type": "int"}], "must allow null"),
    ],
)
def test_update_dataset__a_schema_aws_refuses(client, arns, fields, message):
    schema = _users_schema(client, f"users-bad-{len(fields)}-{fields[-1]['name']}", fields)
    before = snapshot(localaws.store())
    assert_error(
        lambda: client.update_dataset(datasetArn=arns["users"], schemaArn=schema),
        "InvalidInputException",
        400,
        message,
    )
    assert snapshot(localaws.store()) == before


def test_update_dataset__not_an_interactions_dataset(client, arns):
    wider = json.loads(shop.schema())
    wider["fields"].append({"name": "EVENT_VALUE", "type": ["null", "float"]})
    schema = client.create_schema(name="interactions-v2", schema=json.dumps(wider))["schemaArn"]
    before = snapshot(localaws.store())
    assert_error(
        lambda: client.update_dataset(datasetArn=arns["interactions"], schemaArn=schema),
        "InvalidInputException",
        400,
        "Only an Items or Users dataset's schema can be replaced",
    )
    assert snapshot(localaws.store()) == before

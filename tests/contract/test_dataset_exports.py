"""Contract tests of local dataset export jobs: BULK, PUT and ALL records written to S3 as CSV."""

from __future__ import annotations

import csv
import io
import os

import pytest

from helpers import aws
from helpers.localaws.engine import jobs
from tests.contract import shop
from tests.contract.conftest import _client, assert_error, assert_valid, wait_for

REGION_ACCOUNT = f"{os.environ.get('AWS_DEFAULT_REGION', 'us-east-1')}:123456789012"
OUT = "s3://shop-bucket/exports/"
SENT = shop.T0 + 40 * 7_200
"""When the streamed events happen: after the shop's imported interactions."""
STREAMED = [("u0", "b3", SENT, "View"), ("u0", "b4", SENT + 1, "View")]


@pytest.fixture(scope="module")
def shop_state(tmp_path_factory):
    """A custom shop: imported interactions, two of them streamed, and items imported then renamed."""
    root = tmp_path_factory.mktemp("exports") / "state"
    aws.activate("local", root)
    personalize, s3, events = _client("personalize"), _client("s3"), _client("personalize-events")
    group, interactions = shop.make_group(personalize, s3, shop.rows(), domain=None)
    items = shop.add_items(personalize, s3, group)
    tracker = personalize.create_event_tracker(name="tracker", datasetGroupArn=group)
    wait_for(personalize.describe_event_tracker, "eventTracker", eventTrackerArn=tracker["eventTrackerArn"])
    events.put_events(
        trackingId=tracker["trackingId"],
        userId="u0",
        sessionId="s0",
        eventList=[{"eventType": e, "itemId": i, "sentAt": t} for _, i, t, e in STREAMED],
    )
    events.put_items(datasetArn=items, items=[{"itemId": "a0", "properties": '{"category": "Z"}'}])
    yield root, {"group": group, "interactions": interactions, "items": items}
    jobs.wait_idle(30)


def _export(client, dataset: str, name: str, mode: str | None = None, path: str = OUT) -> dict:
    kwargs = {"ingestionMode": mode} if mode else {}
    arn = client.create_dataset_export_job(
        jobName=name,
        datasetArn=dataset,
        roleArn=shop.ROLE,
        jobOutput={"s3DataDestination": {"path": path}},
        **kwargs,
    )["datasetExportJobArn"]
    return wait_for(client.describe_dataset_export_job, "datasetExportJob", datasetExportJobArn=arn)


def _rows(name: str) -> list[dict]:
    body = _client("s3").get_object(Bucket=shop.BUCKET, Key=f"exports/{name}.csv")["Body"].read()
    return list(csv.DictReader(io.StringIO(body.decode())))


def _events(rows: list[dict]) -> list[tuple]:
    return sorted((r["USER_ID"], r["ITEM_ID"], int(r["TIMESTAMP"]), r["EVENT_TYPE"]) for r in rows)


def test_export_bulk__the_imported_interactions(client, arns):
    job = _export(client, arns["interactions"], "bulk", "BULK")
    assert_valid(client, "DescribeDatasetExportJob")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert job["datasetExportJobArn"] == f"arn:aws:personalize:{REGION_ACCOUNT}:dataset-export-job/bulk"
    assert job["ingestionMode"] == "BULK" and job["jobOutput"]["s3DataDestination"]["path"] == OUT
    rows = _rows("bulk")
    assert list(rows[0]) == ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"]  # the schema's fields
    assert _events(rows) == sorted(set(shop.rows()))


def test_export_put_is_the_default__the_streamed_events(client, arns):
    job = _export(client, arns["interactions"], "streamed")
    assert job["status"] == "ACTIVE" and job["ingestionMode"] == "PUT"
    assert _events(_rows("streamed")) == sorted(STREAMED)


def test_export_all__imported_and_streamed(client, arns):
    assert _export(client, arns["interactions"], "everything", "ALL")["status"] == "ACTIVE"
    assert _events(_rows("everything")) == sorted(set(shop.rows()) | set(STREAMED))


def test_export_all_items__the_newest_record_per_item(client, arns):
    assert _export(client, arns["items"], "items", "ALL")["status"] == "ACTIVE"
    categories = {r["ITEM_ID"]: r["CATEGORY"] for r in _rows("items")}
    assert len(_rows("items")) == len(categories)  # one row per item
    assert categories["a0"] == "Z" and categories["a1"] == "A"
    assert {r["CATEGORY"] for r in _rows("items") if r["ITEM_ID"] == "a0"} == {"Z"}


def test_list_dataset_export_jobs__of_a_dataset_newest_first(client, arns):
    _export(client, arns["items"], "items-put")
    listed = client.list_dataset_export_jobs(datasetArn=arns["items"])["datasetExportJobs"]
    assert_valid(client, "ListDatasetExportJobs")
    names = [j["jobName"] for j in listed]
    assert names[0] == "items-put" and "items" in names and "bulk" not in names
    assert all(j["status"] == "ACTIVE" for j in listed)
    page = client.list_dataset_export_jobs(datasetArn=arns["items"], maxResults=1)
    assert len(page["datasetExportJobs"]) == 1 and "nextToken" in page


def test_export__missing_output_bucket_fails_with_the_reason(client, arns):
    job = _export(client, arns["interactions"], "nowhere", "BULK", path="s3://no-such-bucket/out/")
    assert job["status"] == "CREATE FAILED"
    assert "s3://no-such-bucket/out/nowhere.csv" in job["failureReason"]


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"datasetArn": f"arn:aws:personalize:{REGION_ACCOUNT}:dataset/none/INTERACTIONS"},
         "ResourceNotFoundException", "dataset/none"),
        ({"jobOutput": {"s3DataDestination": {"path": "exports/"}}}, "InvalidInputException", "path"),
        ({"ingestionMode": "SOME"}, "InvalidInputException", "ingestionMode"),
        ({"jobName": "twice"}, "ResourceAlreadyExistsException", "twice"),
    ],
)  # fmt: skip
def test_create_dataset_export_job__invalid(client, arns, change, code, message):
    params = {
        "jobName": "bad",
        "datasetArn": arns["interactions"],
        "roleArn": shop.ROLE,
        "jobOutput": {"s3DataDestination": {"path": OUT}},
    }
    if "jobName" in change:  # a job of that name exists
        _export(client, arns["interactions"], change["jobName"], "BULK")
    assert_error(lambda: client.create_dataset_export_job(**{**params, **change}), code, 400, message)


def test_describe_dataset_export_job__unknown(client, arns):
    arn = f"arn:aws:personalize:{REGION_ACCOUNT}:dataset-export-job/none"
    call = lambda: client.describe_dataset_export_job(datasetExportJobArn=arn)  # noqa: E731
    assert_error(call, "ResourceNotFoundException", 400, arn)

"""Contract tests of local metric attributions: their operations, the S3 report after an import,
and the streamed events' metrics read back through CloudWatch."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, datetime

import pytest

from helpers import aws, localaws
from helpers.localaws.engine import jobs
from tests.contract import shop
from tests.contract.conftest import _client, assert_error, assert_valid, snapshot, wait_for

REGION_ACCOUNT = f"{os.environ.get('AWS_DEFAULT_REGION', 'us-east-1')}:123456789012"
OUT = f"s3://{shop.BUCKET}/metrics/"
PRICES = {"p1": 10.0, "p2": 20.0, "p3": 5.0}
"""Item prices; every other item costs 1.0."""
METRICS = [
    {"eventType": "Purchase", "metricName": "revenue", "expression": "SUM(Items.PRICE)"},
    {"eventType": "View", "metricName": "views", "expression": "SAMPLECOUNT()"},
]
SENT = shop.T0 + 40 * 7_200
"""When the streamed events happen: after the imported ones."""


def _price(item: str) -> float:
    return PRICES.get(item, 1.0)


def _items_schema() -> str:
    fields = [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "PRICE", "type": "float"},
        {"name": "CATEGORY_L1", "type": "string", "categorical": True},
    ]
    return json.dumps({"type": "record", "name": "Items", "fields": fields, "version": "1.0"})


@pytest.fixture(scope="module")
def shop_state(tmp_path_factory):
    """An ECOMMERCE shop with priced items and a metric attribution made before its interactions import;
    one recommender, and events streamed from its recommendations, from an email and from nowhere."""
    root = tmp_path_factory.mktemp("attribution") / "state"
    aws.activate("local", root)
    personalize, s3, events = _client("personalize"), _client("s3"), _client("personalize-events")
    runtime = _client("personalize-runtime")
    group, interactions = shop.make_group(personalize, s3)
    s3.create_bucket(Bucket=shop.BUCKET)
    schema = personalize.create_schema(name="priced-items", schema=_items_schema(), domain="ECOMMERCE")
    items = personalize.create_dataset(
        name="items", datasetType="Items", datasetGroupArn=group, schemaArn=schema["schemaArn"]
    )["datasetArn"]
    wait_for(personalize.describe_dataset, "dataset", datasetArn=items)
    catalogue = sorted({r[1] for r in shop.rows()})
    body = "\n".join(
        ["ITEM_ID,PRICE,CATEGORY_L1"] + [f"{i},{_price(i)},{shop.category(i)}" for i in catalogue]
    )
    assert shop.import_csv(personalize, s3, items, body.encode(), "items")["status"] == "ACTIVE"
    attribution = personalize.create_metric_attribution(
        name="shop-metrics",
        datasetGroupArn=group,
        metrics=METRICS,
        metricsOutputConfig={"s3DataDestination": {"path": OUT}, "roleArn": shop.ROLE},
    )["metricAttributionArn"]
    wait_for(personalize.describe_metric_attribution, "metricAttribution", metricAttributionArn=attribution)
    shop.import_interactions(personalize, s3, interactions, shop.rows())
    recommender = shop.create_active_recommenders(personalize, group, {"most-viewed": shop.MOST_VIEWED})
    recommended = runtime.get_recommendations(recommenderArn=recommender["most-viewed"], userId="u1")
    tracker = personalize.create_event_tracker(name="tracker", datasetGroupArn=group)
    wait_for(personalize.describe_event_tracker, "eventTracker", eventTrackerArn=tracker["eventTrackerArn"])
    rid = recommended["recommendationId"]
    email = {"eventAttributionSource": "email-campaign"}
    streamed = [
        {"eventType": "Purchase", "itemId": "p1", "sentAt": SENT, "recommendationId": rid},
        {"eventType": "Purchase", "itemId": "p1", "sentAt": SENT + 60, "recommendationId": rid},
        {"eventType": "Purchase", "itemId": "p2", "sentAt": SENT + 120, "metricAttribution": email},
        {
            "eventType": "View",
            "itemId": "a1",
            "sentAt": SENT + 180,
            "recommendationId": rid,
            "metricAttribution": email,
        },
        {"eventType": "View", "itemId": "a2", "sentAt": SENT + 240},
    ]
    events.put_events(trackingId=tracker["trackingId"], userId="u1", sessionId="s1", eventList=streamed)
    yield (
        root,
        {
            "group": group,
            "interactions": interactions,
            "items": items,
            "attribution": attribution,
            "recommender": recommender["most-viewed"],
            "trackingId": tracker["trackingId"],
        },
    )
    jobs.wait_idle(30)


@pytest.fixture
def cloudwatch(arns):
    return _client("cloudwatch")


def _reports() -> list[str]:
    listed = _client("s3").list_objects_v2(Bucket=shop.BUCKET, Prefix="metrics/").get("Contents", [])
    return sorted(o["Key"] for o in listed)


def _report(key: str) -> list[dict]:
    body = _client("s3").get_object(Bucket=shop.BUCKET, Key=key)["Body"].read()
    return list(csv.DictReader(io.StringIO(body.decode())))


# --- the resource ---------------------------------------------------------------------------
def test_describe_metric_attribution(client, arns):
    got = client.describe_metric_attribution(metricAttributionArn=arns["attribution"])["metricAttribution"]
    assert_valid(client, "DescribeMetricAttribution")
    assert (
        got["metricAttributionArn"] == f"arn:aws:personalize:{REGION_ACCOUNT}:metric-attribution/shop-metrics"
    )
    assert got["status"] == "ACTIVE" and got["name"] == "shop-metrics"
    assert got["datasetGroupArn"] == arns["group"]
    assert got["metricsOutputConfig"] == {"s3DataDestination": {"path": OUT}, "roleArn": shop.ROLE}


def test_list_metric_attributions__of_the_dataset_group(client, arns):
    listed = client.list_metric_attributions(datasetGroupArn=arns["group"])["metricAttributions"]
    assert_valid(client, "ListMetricAttributions")
    assert [m["metricAttributionArn"] for m in listed] == [arns["attribution"]]
    assert "metricsOutputConfig" not in listed[0]


def test_list_metric_attribution_metrics(client, arns):
    got = client.list_metric_attribution_metrics(metricAttributionArn=arns["attribution"])["metrics"]
    assert_valid(client, "ListMetricAttributionMetrics")
    assert got == METRICS


def test_create_metric_attribution__one_per_dataset_group(client, arns):
    before = snapshot(localaws.store())
    assert_error(
        lambda: client.create_metric_attribution(
            name="second",
            datasetGroupArn=arns["group"],
            metrics=METRICS,
            metricsOutputConfig={"roleArn": shop.ROLE},
        ),
        "LimitExceededException",
        400,
        "at most one",
    )
    assert snapshot(localaws.store()) == before


@pytest.mark.parametrize(
    ("metric", "message"),
    [
        ({"expression": "AVG(Items.PRICE)"}, "is not SAMPLECOUNT() or SUM(<Interactions|Items>.<COLUMN>)"),
        ({"expression": "SUM(Users.AGE)"}, "not of 'Users'"),
        ({"expression": "SUM(Items.MARGIN)"}, "has no column MARGIN"),
        ({"expression": "SUM(Items.CATEGORY_L1)"}, "numeric column; CATEGORY_L1 is a string"),
    ],
)
def test_create_metric_attribution__expression_aws_refuses(personalize, s3, metric, message):
    group, _ = shop.make_group(personalize, s3, name="other")
    schema = personalize.create_schema(name="items", schema=_items_schema(), domain="ECOMMERCE")
    items = personalize.create_dataset(
        name="items", datasetType="Items", datasetGroupArn=group, schemaArn=schema["schemaArn"]
    )["datasetArn"]
    wait_for(personalize.describe_dataset, "dataset", datasetArn=items)
    before = snapshot(localaws.store())
    given = {"eventType": "Purchase", "metricName": "m", **metric}
    assert_error(
        lambda: personalize.create_metric_attribution(
            name="bad", datasetGroupArn=group, metrics=[given], metricsOutputConfig={"roleArn": shop.ROLE}
        ),
        "InvalidInputException",
        400,
        message,
    )
    assert snapshot(localaws.store()) == before


def test_create_metric_attribution__needs_an_interactions_dataset(personalize):
    group = personalize.create_dataset_group(name="empty")["datasetGroupArn"]
    wait_for(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    assert_error(
        lambda: personalize.create_metric_attribution(
            name="m", datasetGroupArn=group, metrics=METRICS[1:], metricsOutputConfig={"roleArn": shop.ROLE}
        ),
        "InvalidInputException",
        400,
        "needs an Interactions dataset with an EVENT_TYPE column",
    )
    assert personalize.list_metric_attributions(datasetGroupArn=group)["metricAttributions"] == []


def test_create_metric_attribution__unknown_dataset_group(personalize):
    missing = f"arn:aws:personalize:{REGION_ACCOUNT}:dataset-group/missing"
    assert_error(
        lambda: personalize.create_metric_attribution(
            name="m", datasetGroupArn=missing, metrics=METRICS, metricsOutputConfig={"roleArn": shop.ROLE}
        ),
        "ResourceNotFoundException",
        400,
        missing,
    )


# --- the S3 report --------------------------------------------------------------------------
def test_report_after_the_interactions_import(arns):
    (key,) = [k for k in _reports() if "-FULL-" in k]
    assert key.startswith("metrics/AggregatedAttributionMetrics-FULL-") and key.endswith(".csv")
    rows = _report(key)
    assert list(rows[0]) == [
        "METRIC_NAME",
        "EVENT_TYPE",
        "VALUE",
        "MATH_FUNCTION",
        "EVENT_ATTRIBUTION_SOURCE",
        "TIMESTAMP",
    ]
    assert {r["EVENT_ATTRIBUTION_SOURCE"] for r in rows} == {"SOURCE_NAME_UNDEFINED"}
    assert all(int(r["TIMESTAMP"]) % 900 == 0 for r in rows)
    revenue = sum(float(r["VALUE"]) for r in rows if r["METRIC_NAME"] == "REVENUE")
    assert revenue == pytest.approx(sum(_price(i) for _, i, _, e in shop.rows() if e == "Purchase"))
    views = [r for r in rows if r["METRIC_NAME"] == "VIEWS"]
    assert {(r["EVENT_TYPE"], r["MATH_FUNCTION"]) for r in views} == {("VIEW", "samplecount")}
    assert sum(float(r["VALUE"]) for r in views) == shop.N_VIEWS


def test_report__not_written_when_the_import_job_says_no(client, arns):
    """An INCREMENTAL import: no S3 report, as asked; its rows go to CloudWatch (``test_list_metrics``)."""
    before = _reports()
    s3 = _client("s3")
    s3.put_object(Bucket=shop.BUCKET, Key="more.csv", Body=shop.to_csv(shop.buy("x", 1)))
    job = client.create_dataset_import_job(
        jobName="no-report",
        datasetArn=arns["interactions"],
        dataSource={"dataLocation": f"s3://{shop.BUCKET}/more.csv"},
        roleArn=shop.ROLE,
        importMode="INCREMENTAL",
        publishAttributionMetricsToS3=False,
    )["datasetImportJobArn"]
    done = wait_for(client.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=job)
    assert done["status"] == "ACTIVE" and done["publishAttributionMetricsToS3"] is False
    assert _reports() == before


# --- CloudWatch -----------------------------------------------------------------------------
def _query(source: str, metric: str, group: str, stat: str = "Sum") -> dict:
    dimensions = [
        {"Name": "EventAttributionSource", "Value": source},
        {"Name": "DatasetGroupArn", "Value": group},
    ]
    return {
        "Id": "q1",
        "MetricStat": {
            "Metric": {"Namespace": "AWS/Personalize", "MetricName": metric, "Dimensions": dimensions},
            "Period": 900,
            "Stat": stat,
        },
    }


WINDOW = {
    "StartTime": datetime.fromtimestamp(SENT - 3_600, UTC),
    "EndTime": datetime.fromtimestamp(SENT + 3_600, UTC),
}


def test_list_metrics__one_per_metric_and_source(cloudwatch, arns):
    got = cloudwatch.list_metrics(Namespace="AWS/Personalize")["Metrics"]
    assert_valid(cloudwatch, "ListMetrics")
    seen = {
        (m["MetricName"], {d["Name"]: d["Value"] for d in m["Dimensions"]}["EventAttributionSource"])
        for m in got
    }
    assert seen == {
        ("REVENUE", arns["recommender"]),
        ("REVENUE", "EMAIL-CAMPAIGN"),
        ("REVENUE", "SOURCE_NAME_UNDEFINED"),  # the INCREMENTAL import's purchases
        ("VIEWS", "EMAIL-CAMPAIGN"),
        ("VIEWS", "SOURCE_NAME_UNDEFINED"),
    }
    assert all(
        {d["Name"] for d in m["Dimensions"]} == {"DatasetGroupArn", "EventAttributionSource"} for m in got
    )
    filtered = cloudwatch.list_metrics(
        Namespace="AWS/Personalize",
        MetricName="VIEWS",
        Dimensions=[{"Name": "EventAttributionSource", "Value": "EMAIL-CAMPAIGN"}],
    )["Metrics"]
    assert len(filtered) == 1


def test_get_metric_data__what_each_source_earned(cloudwatch, arns):
    group = arns["group"]
    got = cloudwatch.get_metric_data(
        MetricDataQueries=[_query(arns["recommender"], "REVENUE", group)], **WINDOW
    )
    assert_valid(cloudwatch, "GetMetricData")
    (result,) = got["MetricDataResults"]
    assert result["Id"] == "q1" and result["StatusCode"] == "Complete" and result["Label"] == "REVENUE"
    assert sum(result["Values"]) == 2 * PRICES["p1"]
    assert all(t.timestamp() % 900 == 0 for t in result["Timestamps"])
    email = cloudwatch.get_metric_data(
        MetricDataQueries=[_query("EMAIL-CAMPAIGN", "REVENUE", group)], **WINDOW
    )
    assert sum(email["MetricDataResults"][0]["Values"]) == PRICES["p2"]
    views = cloudwatch.get_metric_data(
        MetricDataQueries=[_query("SOURCE_NAME_UNDEFINED", "VIEWS", group, "SampleCount")], **WINDOW
    )
    assert views["MetricDataResults"][0]["Values"] == [1.0]


def test_get_metric_data__outside_the_window_is_empty(cloudwatch, arns):
    early = {
        "StartTime": datetime.fromtimestamp(shop.T0 - 7_200, UTC),
        "EndTime": datetime.fromtimestamp(shop.T0, UTC),
    }
    got = cloudwatch.get_metric_data(
        MetricDataQueries=[_query(arns["recommender"], "REVENUE", arns["group"])], **early
    )
    assert got["MetricDataResults"][0]["Values"] == []


@pytest.mark.parametrize(
    ("stat", "period", "values"),
    [
        ("SampleCount", 900, [2.0]),
        ("Average", 900, [10.0]),
        ("Maximum", 900, [10.0]),
        ("Sum", 60, [10.0, 10.0]),
    ],
)
def test_get_metric_data__statistics_per_period(cloudwatch, arns, stat, period, values):
    query = _query(arns["recommender"], "REVENUE", arns["group"], stat)
    query["MetricStat"]["Period"] = period
    got = cloudwatch.get_metric_data(MetricDataQueries=[query], ScanBy="TimestampAscending", **WINDOW)
    (result,) = got["MetricDataResults"]
    assert result["Values"] == values
    assert result["Timestamps"] == sorted(result["Timestamps"])
    assert all(t.timestamp() % period == 0 for t in result["Timestamps"])


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"Id": "e1", "Expression": "SUM(METRICS())"}, "only MetricStat queries"),
        (None, "Stat 'Median' is not one of"),
    ],
)
def test_get_metric_data__refused(cloudwatch, arns, query, message):
    query = query or _query("EMAIL-CAMPAIGN", "VIEWS", arns["group"], "Median")
    assert_error(
        lambda: cloudwatch.get_metric_data(MetricDataQueries=[query], **WINDOW),
        "InvalidParameterValue",
        400,
        message,
    )


# --- update and delete ----------------------------------------------------------------------
def test_update_metric_attribution__add_and_remove_metrics(client, arns):
    added = {"eventType": "Purchase", "metricName": "purchases", "expression": "SAMPLECOUNT()"}
    client.update_metric_attribution(
        metricAttributionArn=arns["attribution"], addMetrics=[added], removeMetrics=["views"]
    )
    assert_valid(client, "UpdateMetricAttribution")
    got = wait_for(
        client.describe_metric_attribution, "metricAttribution", metricAttributionArn=arns["attribution"]
    )
    assert got["status"] == "ACTIVE"
    metrics = client.list_metric_attribution_metrics(metricAttributionArn=arns["attribution"])["metrics"]
    assert metrics == [METRICS[0], added]


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"removeMetrics": ["nope"]}, "InvalidInputException", "has no metric nope"),
        ({"addMetrics": [METRICS[0]]}, "ResourceAlreadyExistsException", "already has a metric revenue"),
    ],
)
def test_update_metric_attribution__refused(client, arns, change, code, message):
    before = snapshot(localaws.store())
    assert_error(
        lambda: client.update_metric_attribution(metricAttributionArn=arns["attribution"], **change),
        code,
        400,
        message,
    )
    assert snapshot(localaws.store()) == before


def test_delete_metric_attribution__stops_publishing(client, arns):
    client.delete_metric_attribution(metricAttributionArn=arns["attribution"])
    assert_error(
        lambda: client.describe_metric_attribution(metricAttributionArn=arns["attribution"]),
        "ResourceNotFoundException",
        400,
        arns["attribution"],
    )
    before = len(_client("cloudwatch").list_metrics(Namespace="AWS/Personalize")["Metrics"])
    _client("personalize-events").put_events(
        trackingId=arns["trackingId"],
        userId="u2",
        sessionId="s2",
        eventList=[
            {
                "eventType": "Purchase",
                "itemId": "p3",
                "sentAt": SENT,
                "metricAttribution": {"eventAttributionSource": "new"},
            }
        ],
    )
    assert len(_client("cloudwatch").list_metrics(Namespace="AWS/Personalize")["Metrics"]) == before


def test_put_events_right_after_create__counted(personalize, personalize_events, s3):
    """Events sent before anyone described the new metric attribution count, as once it is ACTIVE."""
    group, _ = shop.make_group(personalize, s3, name="fresh")
    tracker = personalize.create_event_tracker(name="fresh-tracker", datasetGroupArn=group)
    wait_for(personalize.describe_event_tracker, "eventTracker", eventTrackerArn=tracker["eventTrackerArn"])
    personalize.create_metric_attribution(
        name="fresh-metrics",
        datasetGroupArn=group,
        metrics=METRICS[1:],
        metricsOutputConfig={"roleArn": shop.ROLE},
    )
    personalize_events.put_events(
        trackingId=tracker["trackingId"],
        userId="u1",
        sessionId="s1",
        eventList=[{"eventType": "View", "itemId": "a1", "sentAt": SENT}],
    )
    listed = _client("cloudwatch").list_metrics(Namespace="AWS/Personalize", MetricName="VIEWS")["Metrics"]
    assert [{d["Name"]: d["Value"] for d in m["Dimensions"]} for m in listed] == [
        {"DatasetGroupArn": group, "EventAttributionSource": "SOURCE_NAME_UNDEFINED"}
    ]

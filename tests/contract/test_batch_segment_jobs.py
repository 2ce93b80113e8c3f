"""Contract tests of local Personalize batch segment jobs and the USER_SEGMENTATION recipes.

On the shop (``tests.contract.shop``) ``u0``–``u19`` view category A, ``u20``–``u39`` category B:
a segment for an A item, or for ``ITEMS.CATEGORY = "A"``, is made of the A shoppers.
"""

from __future__ import annotations

import json

import pytest

from tests.contract import shop
from tests.contract.conftest import assert_error, assert_valid, snapshot, wait_for
from tests.contract.test_solutions import RECIPE, REGION_ACCOUNT, SIMS, make_solution, train

ITEM_AFFINITY = RECIPE + "aws-item-affinity"
ATTRIBUTE_AFFINITY = RECIPE + "aws-item-attribute-affinity"
INPUT = f"s3://{shop.BUCKET}/segments/in/queries.json"
OUTPUT = f"s3://{shop.BUCKET}/segments/out/"
A_SHOPPERS = {f"u{u}" for u in range(20)}
B_SHOPPERS = {f"u{u}" for u in range(20, 40)}


@pytest.fixture
def versions(personalize, s3):
    """ACTIVE versions of both segmentation recipes and of SIMS, on the shop with its items."""
    group = shop.make_group(personalize, s3, shop.rows(), domain=None)[0]
    shop.add_items(personalize, s3, group)
    out = {"group": group}
    for key, recipe in (("item", ITEM_AFFINITY), ("attribute", ATTRIBUTE_AFFINITY), ("sims", SIMS)):
        version = train(personalize, make_solution(personalize, group, recipe, name=key))
        assert version["status"] == "ACTIVE", version.get("failureReason")
        out[key] = version["solutionVersionArn"]
    return out


def put_input(s3, lines: list) -> None:
    body = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    s3.put_object(Bucket=shop.BUCKET, Key="segments/in/queries.json", Body=body.encode())


def run(personalize, version: str, name: str = "job", **kw) -> dict:
    """Run a batch segment job on the uploaded input; return its description once it settles."""
    arn = personalize.create_batch_segment_job(
        jobName=name,
        solutionVersionArn=version,
        jobInput={"s3DataSource": {"path": INPUT}},
        jobOutput={"s3DataDestination": {"path": OUTPUT}},
        roleArn=shop.ROLE,
        **kw,
    )["batchSegmentJobArn"]
    return wait_for(personalize.describe_batch_segment_job, "batchSegmentJob", batchSegmentJobArn=arn)


def output(s3) -> list[dict]:
    body = s3.get_object(Bucket=shop.BUCKET, Key="segments/out/queries.json.out")["Body"].read().decode()
    return [json.loads(line) for line in body.splitlines()]


# --- recipes --------------------------------------------------------------------------------
def test_create_solution_version__segmentation_metrics(personalize, versions):
    for key in ("item", "attribute"):
        metrics = personalize.get_solution_metrics(solutionVersionArn=versions[key])["metrics"]
        assert_valid(personalize, "GetSolutionMetrics")
        assert set(metrics) == {"coverage", "hit_at_1_percent", "recall_at_1_percent"}
        assert all(0 <= v <= 1 for v in metrics.values())
        assert metrics["hit_at_1_percent"] > 0, metrics  # the top shopper of an A item is an A shopper
    recipe = personalize.describe_recipe(recipeArn=ATTRIBUTE_AFFINITY)["recipe"]
    assert recipe["recipeType"] == "USER_SEGMENTATION"


def test_create_solution__segmentation_without_hpo(personalize, versions, state):
    before = snapshot(state)
    call = lambda: personalize.create_solution(  # noqa: E731
        name="hpo", datasetGroupArn=versions["group"], recipeArn=ITEM_AFFINITY, performHPO=True
    )
    assert_error(call, "InvalidInputException", 400, "performHPO")
    assert snapshot(state) == before


def test_create_solution_version__attribute_affinity_needs_items(personalize, s3):
    group = shop.make_group(personalize, s3, shop.rows(), name="bare", domain=None)[0]
    version = train(personalize, make_solution(personalize, group, ATTRIBUTE_AFFINITY))
    assert version["status"] == "CREATE FAILED"
    assert "Items dataset" in version["failureReason"]
    assert (
        train(personalize, make_solution(personalize, group, ITEM_AFFINITY, name="i"))["status"] == "ACTIVE"
    )


def test_segmentation_version__has_no_campaign_nor_batch_inference(personalize, versions, state):
    before = snapshot(state)
    assert_error(
        lambda: personalize.create_campaign(name="c", solutionVersionArn=versions["item"]),
        "InvalidInputException",
        400,
        "batch segment job",
    )
    assert_error(
        lambda: personalize.create_batch_inference_job(
            jobName="j",
            solutionVersionArn=versions["attribute"],
            jobInput={"s3DataSource": {"path": INPUT}},
            jobOutput={"s3DataDestination": {"path": OUTPUT}},
            roleArn=shop.ROLE,
        ),
        "InvalidInputException",
        400,
        "USER_SEGMENTATION",
    )
    assert snapshot(state) == before


# --- batch segment jobs ---------------------------------------------------------------------
def test_create_batch_segment_job(personalize, s3, versions):
    put_input(s3, [{"itemId": "a3"}, {"itemId": "b5"}, "not json", [1], {"itemId": "nope"}, {"userId": "u1"}])
    job = run(personalize, versions["item"], numResults=5)
    assert_valid(personalize, "DescribeBatchSegmentJob")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert job["batchSegmentJobArn"] == f"arn:aws:personalize:{REGION_ACCOUNT}:batch-segment-job/job"
    assert (job["numResults"], job["solutionVersionArn"]) == (5, versions["item"])
    rows = output(s3)
    assert [r["input"] for r in rows] == [
        {"itemId": "a3"}, {"itemId": "b5"}, "not json", [1], {"itemId": "nope"}, {"userId": "u1"},
    ]  # fmt: skip
    a, b = (r["output"]["recommendedUsers"] for r in rows[:2])
    assert len(a) == 5 and set(a) <= A_SHOPPERS and rows[0]["error"] is None
    assert len(b) == 5 and set(b) <= B_SHOPPERS
    assert [r["output"] for r in rows[2:]] == [None] * 4
    assert "JSON" in rows[2]["error"] and "JSON object" in rows[3]["error"]
    assert "nope" in rows[4]["error"] and "itemId is required" in rows[5]["error"]
    found = personalize.list_batch_segment_jobs(solutionVersionArn=versions["item"])["batchSegmentJobs"]
    assert_valid(personalize, "ListBatchSegmentJobs")
    assert [(j["jobName"], j["status"]) for j in found] == [("job", "ACTIVE")]
    assert (
        personalize.list_batch_segment_jobs(solutionVersionArn=versions["attribute"])["batchSegmentJobs"]
        == []
    )


def test_create_batch_segment_job__item_attributes(personalize, s3, versions):
    queries = [
        'ITEMS.CATEGORY = "A"',
        'items.category = "B" AND ITEMS.CATEGORY = "B"',
        'ITEMS.CATEGORY = "A" OR ITEMS.CATEGORY = "B"',
        'ITEMS.CATEGORY IN ("A")',
        'ITEMS.COLOUR = "red"',
        'ITEMS.CATEGORY = "Z"',
        "ITEMS.CATEGORY = 3",
    ]
    put_input(s3, [{"itemAttributes": q} for q in queries])
    job = run(personalize, versions["attribute"], numResults=10)
    assert job["status"] == "ACTIVE", job.get("failureReason")
    rows = output(s3)
    assert [r["input"]["itemAttributes"] for r in rows] == queries
    first = rows[0]["output"]["recommendedUsers"]
    assert set(first) <= A_SHOPPERS and len(first) == 10
    assert set(rows[1]["output"]["recommendedUsers"]) <= B_SHOPPERS
    errors = [r["error"] for r in rows[2:]]
    assert all(r["output"] is None for r in rows[2:])
    assert "OR is not supported" in errors[0] and "character 22" in errors[0]
    assert "= only" in errors[1]
    assert "no field COLOUR" in errors[2] and "CATEGORY" in errors[2]
    assert "No item" in errors[3] and "string field" in errors[4]


def test_create_batch_segment_job__is_deterministic(personalize, s3, versions):
    put_input(s3, [{"itemId": "x"}, {"itemId": "p1"}])
    assert run(personalize, versions["item"])["numResults"] == 25  # the default
    first = output(s3)
    assert len(first[0]["output"]["recommendedUsers"]) == 25
    assert run(personalize, versions["item"], name="again")["status"] == "ACTIVE"
    assert output(s3) == first


def test_create_batch_segment_job__filter(personalize, s3, versions):
    arn = personalize.create_filter(
        name="no-buyers",
        datasetGroupArn=versions["group"],
        filterExpression='EXCLUDE UserID WHERE Interactions.EVENT_TYPE IN ("Purchase")',
    )["filterArn"]
    wait_for(personalize.describe_filter, "filter", filterArn=arn)
    put_input(s3, [{"itemId": "b5"}, {"itemId": "b5", "filterValues": ["Purchase"]}])
    job = run(personalize, versions["item"], numResults=20, filterArn=arn)
    assert job["filterArn"] == arn
    rows = output(s3)
    users = rows[0]["output"]["recommendedUsers"]
    assert users and set(users) <= {f"u{u}" for u in range(30, 40)}  # u0–u29 bought p1
    assert rows[1]["output"] is None and "filterValues must map names to strings" in rows[1]["error"]


def test_create_batch_segment_job__failed(personalize, s3, versions):
    job = run(personalize, versions["item"])
    assert job["status"] == "CREATE FAILED" and INPUT in job["failureReason"]
    put_input(s3, [{"itemAttributes": 'ITEMS.CATEGORY = "A"'}] * 11)
    job = run(personalize, versions["attribute"], name="eleven")
    assert job["status"] == "CREATE FAILED" and "at most 10" in job["failureReason"]


def test_create_batch_segment_job__errors(personalize, s3, versions, state):
    put_input(s3, [{"itemId": "a1"}])
    run(personalize, versions["item"])
    items_filter = personalize.create_filter(
        name="items",
        datasetGroupArn=versions["group"],
        filterExpression='EXCLUDE ItemID WHERE Items.CATEGORY IN ("A")',
    )["filterArn"]
    wait_for(personalize.describe_filter, "filter", filterArn=items_filter)
    events_filter = personalize.create_filter(
        name="buyers",
        datasetGroupArn=versions["group"],
        filterExpression='INCLUDE UserID WHERE Interactions.EVENT_TYPE IN ("Purchase")',
    )["filterArn"]
    wait_for(personalize.describe_filter, "filter", filterArn=events_filter)
    before = snapshot(state)

    def call(name="other", version=versions["item"], path=INPUT, **kw):
        return personalize.create_batch_segment_job(
            jobName=name,
            solutionVersionArn=version,
            jobInput={"s3DataSource": {"path": path}},
            jobOutput={"s3DataDestination": {"path": OUTPUT}},
            roleArn=shop.ROLE,
            **kw,
        )

    assert_error(lambda: call(name="job"), "ResourceAlreadyExistsException", 400, "job")
    missing = versions["item"].rsplit("/", 1)[0] + "/00000000"
    assert_error(lambda: call(version=missing), "ResourceNotFoundException", 400, missing)
    assert_error(lambda: call(version=versions["sims"]), "InvalidInputException", 400, "USER_SEGMENTATION")
    assert_error(lambda: call(numResults=0), "InvalidInputException", 400, "numResults")
    assert_error(lambda: call(numResults=5_000_001), "InvalidInputException", 400, "5,000,000")
    assert_error(lambda: call(path="/tmp/q.json"), "InvalidInputException", 400, "jobInput.s3DataSource.path")
    assert_error(lambda: call(filterArn=items_filter), "InvalidInputException", 400, "ItemID")
    # the guide's "Guidelines and requirements": no item interactions filters with Item-Attribute-Affinity
    with_events = lambda: call(version=versions["attribute"], filterArn=events_filter)  # noqa: E731
    assert_error(with_events, "InvalidInputException", 400, "Item-Attribute-Affinity")
    tags = [{"tagKey": f"k{i}", "tagValue": "v"} for i in range(51)]
    assert_error(lambda: call(tags=tags), "TooManyTagsException", 400)
    assert snapshot(state) == before


def test_describe_batch_segment_job__errors(personalize, versions):
    missing = f"arn:aws:personalize:{REGION_ACCOUNT}:batch-segment-job/none"
    call = personalize.describe_batch_segment_job
    assert_error(lambda: call(batchSegmentJobArn=missing), "ResourceNotFoundException", 400, missing)
    assert_error(lambda: call(batchSegmentJobArn="arn:aws:personalize:x"), "InvalidInputException", 400)


def test_list_batch_segment_jobs__pages(personalize, s3, versions):
    put_input(s3, [{"itemId": "a1"}])
    for name in ("j1", "j2", "j3"):
        run(personalize, versions["item"], name=name)
    first = personalize.list_batch_segment_jobs(maxResults=2)
    rest = personalize.list_batch_segment_jobs(maxResults=2, nextToken=first["nextToken"])
    assert (
        len(first["batchSegmentJobs"]) == 2 and len(rest["batchSegmentJobs"]) == 1 and "nextToken" not in rest
    )
    assert_error(
        lambda: personalize.list_batch_segment_jobs(nextToken="bad"), "InvalidNextTokenException", 400
    )

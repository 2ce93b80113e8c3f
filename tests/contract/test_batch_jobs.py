"""Contract tests of local Personalize batch inference jobs: JSON lines in S3 → ``<input>.out``."""

from __future__ import annotations

import json

import pytest

from tests.contract import shop
from tests.contract.conftest import assert_error, assert_valid, snapshot, wait_for
from tests.contract.test_campaigns import versions  # noqa: F401  (the fixture)
from tests.contract.test_solutions import REGION_ACCOUNT

INPUT = f"s3://{shop.BUCKET}/batch/in/users.json"
OUTPUT = f"s3://{shop.BUCKET}/batch/out/"


def run(personalize, version: str, lines: list[str], name: str = "job", **kw) -> dict:
    """Upload the input lines, run a batch inference job and return its description."""
    arn = personalize.create_batch_inference_job(
        jobName=name,
        solutionVersionArn=version,
        jobInput={"s3DataSource": {"path": INPUT}},
        jobOutput={"s3DataDestination": {"path": OUTPUT}},
        roleArn=shop.ROLE,
        **kw,
    )["batchInferenceJobArn"]
    return wait_for(personalize.describe_batch_inference_job, "batchInferenceJob", batchInferenceJobArn=arn)


def output(s3) -> list[dict]:
    body = s3.get_object(Bucket=shop.BUCKET, Key="batch/out/users.json.out")["Body"].read().decode()
    return [json.loads(line) for line in body.splitlines()]


def put_input(s3, lines: list[str]) -> None:
    s3.put_object(Bucket=shop.BUCKET, Key="batch/in/users.json", Body="\n".join(lines).encode())


def test_create_batch_inference_job(personalize, s3, versions):  # noqa: F811
    put_input(
        s3, [json.dumps({"userId": "u0"}), json.dumps({"userId": "u25"}), "not json", '{"itemId": "x"}']
    )
    job = run(personalize, versions["personal"], [], numResults=5)
    assert_valid(personalize, "DescribeBatchInferenceJob")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert job["batchInferenceJobArn"] == f"arn:aws:personalize:{REGION_ACCOUNT}:batch-inference-job/job"
    assert job["numResults"] == 5
    rows = output(s3)
    assert [r["input"] for r in rows] == [{"userId": "u0"}, {"userId": "u25"}, "not json", {"itemId": "x"}]
    first = rows[0]["output"]
    assert len(first["recommendedItems"]) == 5 and len(first["scores"]) == 5 and rows[0]["error"] is None
    assert [i for i in first["recommendedItems"] if i[0] in "ab"][0].startswith("a")  # u0 views A
    assert rows[2]["output"] is None and "JSON" in rows[2]["error"]
    assert rows[3]["output"] is None and "userId is required" in rows[3]["error"]
    found = personalize.list_batch_inference_jobs(solutionVersionArn=versions["personal"])[
        "batchInferenceJobs"
    ]
    assert_valid(personalize, "ListBatchInferenceJobs")
    assert [j["jobName"] for j in found] == ["job"]


@pytest.mark.parametrize(
    ("key", "line", "first"),
    [
        ("sims", {"itemId": "x"}, "y"),
        ("ranking", {"userId": "u20", "itemList": ["a1", "b1"]}, "b1"),
        ("popular", {"userId": "u0"}, "p1"),
    ],
)
def test_create_batch_inference_job__every_recipe(personalize, s3, versions, key, line, first):  # noqa: F811
    put_input(s3, [json.dumps(line)])
    assert run(personalize, versions[key], [])["status"] == "ACTIVE"
    assert output(s3)[0]["output"]["recommendedItems"][0] == first


def test_create_batch_inference_job__missing_input(personalize, s3, versions):  # noqa: F811
    assert shop.BUCKET in [b["Name"] for b in s3.list_buckets()["Buckets"]]  # the shop made it
    job = run(personalize, versions["personal"], [])
    assert job["status"] == "CREATE FAILED" and INPUT in job["failureReason"]


def test_create_batch_inference_job__errors(personalize, s3, versions, state):  # noqa: F811
    put_input(s3, ['{"userId": "u0"}'])
    run(personalize, versions["personal"], [])
    before = snapshot(state)
    create = personalize.create_batch_inference_job

    def call(name="other", version=versions["personal"], path=INPUT, **kw):
        return create(
            jobName=name,
            solutionVersionArn=version,
            jobInput={"s3DataSource": {"path": path}},
            jobOutput={"s3DataDestination": {"path": OUTPUT}},
            roleArn=shop.ROLE,
            **kw,
        )

    assert_error(lambda: call(name="job"), "ResourceAlreadyExistsException", 400, "job")
    missing = versions["personal"].rsplit("/", 1)[0] + "/00000000"
    assert_error(lambda: call(version=missing), "ResourceNotFoundException", 400, missing)
    assert_error(
        lambda: call(path="/tmp/users.json"), "InvalidInputException", 400, "jobInput.s3DataSource.path"
    )
    assert_error(lambda: call(path="https://example.com/users.json"), "InvalidInputException", 400, "s3://")
    assert_error(lambda: call(numResults=501), "InvalidInputException", 400, "at most 500")
    assert_error(
        lambda: call(
            version=versions["sims"],
            batchInferenceJobConfig={"itemExplorationConfig": {"explorationWeight": "0.1"}},
        ),
        "InvalidInputException",
        400,
        "aws-sims",
    )
    assert snapshot(state) == before


def _group_filter(personalize, trained: dict, name: str, expression: str) -> str:
    """An ACTIVE filter on the dataset group of the shop's solution versions (``versions``)."""
    version = personalize.describe_solution_version(solutionVersionArn=trained["personal"])
    group = version["solutionVersion"]["datasetGroupArn"]
    arn = personalize.create_filter(name=name, datasetGroupArn=group, filterExpression=expression)[
        "filterArn"
    ]
    assert wait_for(personalize.describe_filter, "filter", filterArn=arn)["status"] == "ACTIVE"
    return arn


def test_create_batch_inference_job__filter(personalize, s3, versions):  # noqa: F811
    """The job's filter applies to every line, with the line's own filterValues."""
    category = _group_filter(
        personalize, versions, "category", "INCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY)"
    )
    lines = [
        {"userId": "u0", "filterValues": {"CATEGORY": '"B"'}},
        {"userId": "u0"},
        {"userId": "u20", "filterValues": {"CATEGORY": '"A","P"'}},
        {"userId": "u0", "filterValues": {"CATEGORY": 3}},
    ]
    put_input(s3, [json.dumps(line) for line in lines])
    job = run(personalize, versions["personal"], [], numResults=5, filterArn=category)
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert job["filterArn"] == category
    rows = output(s3)
    assert [r["input"] for r in rows] == lines
    assert len(rows[0]["output"]["recommendedItems"]) == 5
    assert all(shop.category(i) == "B" for i in rows[0]["output"]["recommendedItems"])
    assert rows[1]["output"] is None and "filterValues must give CATEGORY" in rows[1]["error"]
    assert all(shop.category(i) in "AP" for i in rows[2]["output"]["recommendedItems"])
    assert rows[3]["output"] is None and "filterValues must map names to strings" in rows[3]["error"]


def test_create_batch_inference_job__filter_on_every_recipe(personalize, s3, versions):  # noqa: F811
    not_a = _group_filter(personalize, versions, "not-a", 'EXCLUDE ItemID WHERE Items.CATEGORY IN ("A")')
    for key, line in (
        ("sims", {"itemId": "a1"}),
        ("ranking", {"userId": "u0", "itemList": ["a1", "b1", "x"]}),
    ):
        put_input(s3, [json.dumps(line)])
        assert run(personalize, versions[key], [], name=key, filterArn=not_a)["status"] == "ACTIVE"
        got = output(s3)[0]["output"]["recommendedItems"]
        assert got and all(shop.category(i) != "A" for i in got), (key, got)


def test_create_batch_inference_job__filter_errors(personalize, s3, versions, state):  # noqa: F811
    other_group = shop.make_group(personalize, s3, name="other")[0]
    other = personalize.create_filter(
        name="other",
        datasetGroupArn=other_group,
        filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("x")',
    )["filterArn"]
    wait_for(personalize.describe_filter, "filter", filterArn=other)
    put_input(s3, ['{"userId": "u0"}'])
    before = snapshot(state)
    missing = other.replace("filter/other", "filter/none")
    for filter_arn, code, message in (
        (other, "InvalidInputException", "belongs to dataset group"),
        (missing, "ResourceNotFoundException", missing),
    ):
        assert_error(
            lambda f=filter_arn: run(personalize, versions["personal"], [], filterArn=f),
            code,
            400,
            message,
        )
    assert snapshot(state) == before

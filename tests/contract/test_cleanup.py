"""helpers.cleanup on a local state like the series': it leaves nothing, runs twice, spares the rest."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest
from botocore import xform_name

from helpers import aws, cleanup, config
from helpers.localaws.engine.errors import NotEmulatedError
from tests.contract import shop
from tests.contract.conftest import wait_for

GROUP = config.DATASET_GROUP_NAME
FAILING = f"{config.PROJECT}-failing"
POLICY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "personalize.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
READ = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
)


def _role(iam, name: str) -> None:
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    iam.attach_role_policy(RoleName=name, PolicyArn=POLICY)
    iam.put_role_policy(RoleName=name, PolicyName="read-bucket", PolicyDocument=READ)


@pytest.fixture
def series(personalize, s3, ssm, iam):
    """The series' kinds of resources, plus one of each that is not the series'."""
    group, _ = shop.make_group(personalize, s3, shop.rows(), name=GROUP)
    active = shop.create_recommender(personalize, group, shop.MOST_VIEWED, f"{config.PROJECT}-most-viewed")
    stopped = shop.create_recommender(
        personalize, group, shop.FOR_YOU, f"{config.PROJECT}-recommended-for-you"
    )
    personalize.stop_recommender(recommenderArn=stopped["recommenderArn"])
    wait_for(
        personalize.describe_recommender,
        "recommender",
        ("INACTIVE",),
        recommenderArn=stopped["recommenderArn"],
    )
    failing, _ = shop.make_group(personalize, s3, shop.rows(purchases=False), name=FAILING)
    failed = shop.create_recommender(personalize, failing, shop.BEST_SELLERS, f"{FAILING}-best-sellers")
    assert (active["status"], failed["status"]) == ("ACTIVE", "CREATE FAILED")
    bucket = aws.default_bucket()
    s3.create_bucket(Bucket=bucket)
    for key in ("users.csv", "items.csv", "batch/out/part-0.json"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "personalize.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    for what in ("dataset-group", "role", "most-viewed"):
        ssm.put_parameter(Name=config.ssm_name(what), Value="arn", Type="String")
    ssm.put_parameter(Name=f"/{config.PROJECT}/other/setting", Value="1", Type="String")
    _role(iam, config.PERSONALIZE_ROLE_NAME)
    # not the series': another shop's dataset group, schema, role, parameter (and shop.BUCKET)
    shop.make_group(personalize, s3, name="other-shop")
    _role(iam, "other-role")
    ssm.put_parameter(Name="/other/setting", Value="1", Type="String")
    return bucket


def _actions(rows: list[dict], kind: str) -> list[str]:
    return sorted(r["action"] for r in rows if r["kind"] == kind)


def test_delete_all__leaves_nothing_of_the_series(series):
    rows = cleanup.delete_all()
    assert cleanup.remaining() == []
    assert _actions(rows, "recommender") == ["deleted"] * 3  # ACTIVE, INACTIVE and CREATE FAILED
    assert _actions(rows, "dataset") == ["deleted"] * 2
    assert _actions(rows, "dataset group") == ["deleted"] * 2
    assert _actions(rows, "schema") == ["deleted"] * 2
    assert _actions(rows, "bucket") == ["deleted"]
    assert _actions(rows, "objects") == ["deleted 3"]
    assert _actions(rows, "SSM parameter") == ["deleted"] * 4
    assert _actions(rows, "role") == ["deleted"]
    assert _actions(rows, "attached policy") == ["detached"]
    assert _actions(rows, "inline policy") == ["deleted"]


def test_delete_all__in_dependency_order(series):
    kinds = [r["kind"] for r in cleanup.delete_all()]
    order = ["recommender", "dataset", "dataset group", "schema", "bucket", "SSM parameter", "role"]
    last = [max(i for i, k in enumerate(kinds) if k == kind) for kind in order]
    first = [kinds.index(kind) for kind in order]
    assert all(last[i] < first[i + 1] for i in range(len(order) - 1) if order[i] != "recommender")
    # recommenders go first in each dataset group, before its datasets
    assert kinds.index("recommender") < kinds.index("dataset")


def test_delete_all__twice(series):
    cleanup.delete_all()
    again = cleanup.delete_all()
    assert not [r for r in again if r["action"].startswith("deleted")]
    assert again == [{"kind": "bucket", "name": series, "action": "already gone"}]
    assert cleanup.remaining() == []


def test_delete_all__spares_what_is_not_the_series(series, personalize, s3, ssm, iam):
    cleanup.delete_all()
    assert [g["name"] for g in personalize.list_dataset_groups()["datasetGroups"]] == ["other-shop"]
    assert [s["name"] for s in personalize.list_schemas()["schemas"]] == ["other-shop-interactions"]
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["other-role"]
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [shop.BUCKET]
    params = ssm.get_parameters_by_path(Path="/", Recursive=True)["Parameters"]
    assert [p["Name"] for p in params] == ["/other/setting"]


def test_delete_resources__busy_recommender_is_asked_again(personalize, s3):
    group, _ = shop.make_group(personalize, s3, shop.rows(), name=GROUP)
    arn = personalize.create_recommender(name="r", datasetGroupArn=group, recipeArn=shop.MOST_VIEWED)[
        "recommenderArn"
    ]
    rows = cleanup.delete_resources(personalize, cleanup.RECOMMENDER, [{"name": "r", "recommenderArn": arn}])
    assert rows == [{"kind": "recommender", "name": "r", "action": "deleted"}]
    with pytest.raises(personalize.exceptions.ResourceNotFoundException):
        personalize.describe_recommender(recommenderArn=arn)


def test_delete_resources__being_deleted(personalize):
    group = personalize.create_dataset_group(name=GROUP, domain="ECOMMERCE")["datasetGroupArn"]
    wait_for(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    personalize.delete_dataset_group(datasetGroupArn=group)  # a new delete waits for it and finds it gone
    rows = cleanup.delete_resources(
        personalize, cleanup.DATASET_GROUP, [{"name": GROUP, "datasetGroupArn": group}]
    )
    assert rows == [{"kind": "dataset group", "name": GROUP, "action": "already gone"}]


def test_delete_resources__already_gone(personalize):
    arn = "arn:aws:personalize:us-east-1:123456789012:recommender/gone"
    rows = cleanup.delete_resources(
        personalize, cleanup.RECOMMENDER, [{"name": "gone", "recommenderArn": arn}]
    )
    assert rows == [{"kind": "recommender", "name": "gone", "action": "already gone"}]


class _Paginator:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def paginate(self, **_):
        raise self.error


class _Client:
    """A client whose List calls all fail with one error."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def get_paginator(self, operation: str) -> _Paginator:
        return _Paginator(self.error)


def test_list_resources__not_emulated_is_none():
    client = _Client(NotEmulatedError("personalize", "ListEventTrackers"))
    assert cleanup.list_resources(client, cleanup.EVENT_TRACKER, "arn") is None


def test_list_resources__other_errors_are_raised():
    error = botocore.exceptions.ClientError({"Error": {"Code": "AccessDeniedException"}}, "ListFilters")
    with pytest.raises(botocore.exceptions.ClientError, match="AccessDenied"):
        cleanup.list_resources(_Client(error), cleanup.FILTER, "arn")


@pytest.mark.parametrize(
    "kind",
    [cleanup.RECOMMENDER, cleanup.CAMPAIGN, cleanup.EVENT_TRACKER, cleanup.FILTER, cleanup.SOLUTION,
     cleanup.SOLUTION_VERSION, *cleanup.BATCH_JOBS, cleanup.DATASET, cleanup.DATASET_GROUP, cleanup.SCHEMA],
    ids=lambda kind: kind.name,
)  # fmt: skip
def test_kinds_match_the_service_model(personalize, kind):
    model = personalize.meta.service_model
    listing = model.operation_model(personalize.meta.method_to_api_mapping[f"list_{xform_name(kind.plural)}"])
    assert kind.plural in listing.output_shape.members
    assert kind.parent is None or kind.parent in listing.input_shape.members
    if kind not in (cleanup.SOLUTION_VERSION, *cleanup.BATCH_JOBS):  # these have no Delete operation
        deleting = model.operation_model(personalize.meta.method_to_api_mapping[f"delete_{kind.name}"])
        assert list(deleting.input_shape.members) == [kind.arn_key]
    describing = model.operation_model(personalize.meta.method_to_api_mapping[f"describe_{kind.name}"])
    assert list(describing.input_shape.members) == [kind.arn_key]


def test_kind_names():
    assert (cleanup.EVENT_TRACKER.arn_key, cleanup.EVENT_TRACKER.label) == (
        "eventTrackerArn",
        "event tracker",
    )
    assert cleanup.DATASET_GROUP.arn_key == "datasetGroupArn"


def test_is_ours():
    assert cleanup.is_ours(config.PROJECT)
    assert cleanup.is_ours(f"{config.PROJECT}-ecommerce")
    assert not cleanup.is_ours(f"{config.PROJECT}x-ecommerce")
    assert not cleanup.is_ours("other-shop")


def test_delete_prefix(s3):
    s3.create_bucket(Bucket="batch-bucket")
    for key in ("out/a.json", "out/b.json", "in/c.json"):
        s3.put_object(Bucket="batch-bucket", Key=key, Body=b"x")
    assert cleanup.delete_prefix(s3, "batch-bucket", "out/") == 2
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="batch-bucket")["Contents"]] == ["in/c.json"]
    assert cleanup.delete_prefix(s3, "missing-bucket", "out/") == 0


class _Pages:
    """A paginator answering one page."""

    def __init__(self, page: dict) -> None:
        self.page = page

    def paginate(self, **_):
        return [self.page]


class _Batch:
    """Personalize as far as batch jobs go: one solution version with a batch inference job."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.described = 0

    def get_paginator(self, operation: str) -> _Pages:
        pages = {
            "list_solution_versions": {"solutionVersions": [{"solutionVersionArn": "sv"}]},
            "list_batch_inference_jobs": {"batchInferenceJobs": [{"batchInferenceJobArn": "job"}]},
            "list_batch_segment_jobs": {"batchSegmentJobs": []},
        }
        return _Pages(pages[operation])

    def describe_batch_inference_job(self, batchInferenceJobArn: str) -> dict:
        self.described += 1
        status = "IN PROGRESS" if self.described == 1 else "ACTIVE"  # a running job is waited for
        output = {"s3DataDestination": {"path": self.path}}
        return {"batchInferenceJob": {"jobName": "j", "status": status, "jobOutput": output}}


def test_batch_outputs__waits_for_the_job_and_deletes_its_output(s3):
    s3.create_bucket(Bucket="batch-bucket")
    s3.put_object(Bucket="batch-bucket", Key="batch/out/users.json.out", Body=b"x")
    personalize = _Batch("s3://batch-bucket/batch/out/")
    rows = cleanup._batch_outputs(personalize, s3, [{"solutionArn": "s"}], "group", timeout=30)
    assert rows == [
        {"kind": "batch job output", "name": "s3://batch-bucket/batch/out/", "action": "deleted 1 objects"}
    ]
    assert personalize.described == 2
    assert s3.list_objects_v2(Bucket="batch-bucket")["KeyCount"] == 0


def test_delete_all__event_trackers_and_filters(series, personalize):
    """Where the backend emulates them, an event tracker and a filter are deleted before the datasets."""
    group = personalize.list_dataset_groups()["datasetGroups"]
    group_arn = next(g["datasetGroupArn"] for g in group if g["name"] == GROUP)
    tracker = personalize.create_event_tracker(name=config.EVENT_TRACKER_NAME, datasetGroupArn=group_arn)
    personalize.create_filter(
        name=f"{config.PROJECT}-not-purchased",
        datasetGroupArn=group_arn,
        filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Purchase")',
    )
    wait_for(personalize.describe_event_tracker, "eventTracker", eventTrackerArn=tracker["eventTrackerArn"])
    rows = cleanup.delete_all()
    kinds = [r["kind"] for r in rows]
    assert _actions(rows, "event tracker") == ["deleted"]
    assert _actions(rows, "filter") == ["deleted"]
    assert kinds.index("event tracker") < kinds.index("dataset") and kinds.index("filter") < kinds.index(
        "dataset"
    )
    assert cleanup.remaining() == []


def test_delete_all__solutions_and_campaigns(series, personalize, s3, state):
    """A campaign is deleted before its solution, the solution (with its versions and their model
    files) before the datasets."""
    groups = personalize.list_dataset_groups()["datasetGroups"]
    group_arn = next(g["datasetGroupArn"] for g in groups if g["name"] == GROUP)
    solution = personalize.create_solution(
        name=f"{config.PROJECT}-user-personalization",
        datasetGroupArn=group_arn,
        recipeArn="arn:aws:personalize:::recipe/aws-user-personalization",
    )["solutionArn"]
    wait_for(personalize.describe_solution, "solution", solutionArn=solution)
    version = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    wait_for(personalize.describe_solution_version, "solutionVersion", solutionVersionArn=version)
    campaign = personalize.create_campaign(name=f"{config.PROJECT}-campaign", solutionVersionArn=version)
    wait_for(personalize.describe_campaign, "campaign", campaignArn=campaign["campaignArn"])
    bucket = aws.default_bucket()
    s3.put_object(Bucket=bucket, Key="batch/in/users.json", Body=b'{"userId": "u0"}')
    job = personalize.create_batch_inference_job(
        jobName=f"{config.PROJECT}-batch",
        solutionVersionArn=version,
        jobInput={"s3DataSource": {"path": f"s3://{bucket}/batch/in/users.json"}},
        jobOutput={"s3DataDestination": {"path": f"s3://{bucket}/batch/picks/"}},
        roleArn=shop.ROLE,
    )["batchInferenceJobArn"]
    wait_for(personalize.describe_batch_inference_job, "batchInferenceJob", batchInferenceJobArn=job)
    assert s3.list_objects_v2(Bucket=bucket, Prefix="batch/picks/")["KeyCount"] == 1
    assert list((state.models_dir / "solution-version").iterdir())
    rows = cleanup.delete_all()
    kinds = [r["kind"] for r in rows]
    assert _actions(rows, "batch job output") == ["deleted 1 objects"]
    assert _actions(rows, "campaign") == ["deleted"]
    assert _actions(rows, "solution") == ["deleted"]
    assert kinds.index("campaign") < kinds.index("solution") < kinds.index("dataset")
    assert cleanup.remaining() == []
    assert not list((state.models_dir / "solution-version").iterdir())

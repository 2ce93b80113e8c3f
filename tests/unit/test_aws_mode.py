"""helpers.aws in AWS mode, offline: botocore's Stubber answers as the real services would.

Drives the code a real-AWS run goes through: the opt-in, waiting for resources (success and
failure), the SSM helpers, the notebooks' create-or-reuse pattern, the cost estimate printed
before the first billable call, and the series' tag on every create call.
"""

from __future__ import annotations

import datetime

import pytest

from helpers import aws, config, costs

GROUP_ARN = "arn:aws:personalize:us-east-1:123456789012:dataset-group/retail-demo-ecommerce"
ROLE_ARN = "arn:aws:iam::123456789012:role/retail-demo-personalize"
NOW = datetime.datetime(2026, 6, 30, tzinfo=datetime.UTC)
KEY, VALUE = config.TAG


def _group(status: str, reason: str | None = None) -> dict:
    group = {"name": config.DATASET_GROUP_NAME, "datasetGroupArn": GROUP_ARN, "status": status}
    return {"datasetGroup": group | ({"failureReason": reason} if reason else {})}


# --- opt-in ---------------------------------------------------------------------------------
def test_activate_aws__needs_confirmation(monkeypatch):
    monkeypatch.delenv(aws.CONFIRM_VARIABLE, raising=False)
    with pytest.raises(PermissionError, match="Set RECSYS_AWS_CONFIRM=yes to confirm"):
        aws.activate("aws")


def test_confirm_aws__yes(monkeypatch):
    monkeypatch.setenv(aws.CONFIRM_VARIABLE, "yes")
    aws.confirm_aws()  # no error


def test_cost_estimate__names_the_recommenders():
    assert f"{len(config.USE_CASES)} recommenders" in aws.cost_estimate()


def test_cost_estimate__covers_campaigns_training_and_storage():
    line = aws.cost_estimate()
    assert "6 campaigns" in line and "HPO" in line and "storage" in line and "performAutoTraining" in line
    assert costs.CALCULATOR in line


def test_cost_estimate__total_for_a_state_with_campaigns():
    # 2 recommenders and 3 campaigns at 1/s, 730 h: 2 x 273.75 + 3 x 730 x 0.20 = 547.50 + 438.00
    left = costs.Footprint(recommenders=(1, 1), campaigns=(1, 1, 1), training_hours=5)
    line = aws.cost_estimate(left)
    assert line.startswith("about USD 986 a month if its 2 recommenders (USD 548) and 3 campaigns (USD 438)")
    assert "up to USD 1 of training once" in line


def test_cost_estimate__automatic_training_is_counted():
    left = costs.Footprint(auto_training=((7, 1.0),) * 3)
    assert "automatic training USD 3" in aws.cost_estimate(left)  # 3 x 730/24/7 x 0.24 = 3.13


# --- waiting --------------------------------------------------------------------------------
def test_wait_until_active__on_aws(stubbed):
    personalize, stub = stubbed("personalize")
    for status in ("CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"):
        stub.add_response("describe_dataset_group", _group(status), {"datasetGroupArn": GROUP_ARN})
    got = aws.wait_until_active(personalize.describe_dataset_group, poll=0, datasetGroupArn=GROUP_ARN)
    assert got["status"] == "ACTIVE"


def test_wait_until_active__on_aws_create_failed(stubbed):
    personalize, stub = stubbed("personalize")
    stub.add_response("describe_dataset_group", _group("CREATE PENDING"))
    stub.add_response("describe_dataset_group", _group("CREATE FAILED", "KMS key is not accessible"))
    with pytest.raises(RuntimeError, match="CREATE FAILED: KMS key is not accessible"):
        aws.wait_until_active(personalize.describe_dataset_group, poll=0, datasetGroupArn=GROUP_ARN)


def test_wait_until_active__on_aws_throttled(stubbed):
    personalize, stub = stubbed("personalize")
    stub.add_client_error("describe_dataset_group", "ThrottlingException", "Rate exceeded", 400)
    with pytest.raises(personalize.exceptions.ClientError, match="Rate exceeded"):
        aws.wait_until_active(personalize.describe_dataset_group, poll=0, datasetGroupArn=GROUP_ARN)


# --- SSM ------------------------------------------------------------------------------------
def test_put_parameter__on_aws(stubbed):
    _ssm, stub = stubbed("ssm")
    name = config.ssm_name("dataset-group")
    expected = {
        "Name": name,
        "Value": GROUP_ARN,
        "Type": "String",
        "Overwrite": True,
    }  # no Tags with Overwrite
    stub.add_response("put_parameter", {"Version": 3, "Tier": "Standard"}, expected)
    assert aws.put_parameter(name, GROUP_ARN) == 3


def test_get_parameter__on_aws_missing(stubbed):
    _ssm, stub = stubbed("ssm")
    stub.add_client_error("get_parameter", "ParameterNotFound", "Parameter /x not found.", 400)
    stub.add_response("get_parameter", {"Parameter": {"Name": "/x", "Type": "String", "Value": "v"}})
    assert aws.get_parameter("/x", default="fallback") == "fallback"
    assert aws.get_parameter("/x") == "v"


# --- create-or-reuse and tags ---------------------------------------------------------------
def test_create_or_reuse__on_aws_tags_the_create_and_finds_the_existing(stubbed):
    personalize, stub = stubbed("personalize")
    tags = [{"tagKey": KEY, "tagValue": VALUE}]
    stub.add_client_error(
        "create_dataset_group",
        "ResourceAlreadyExistsException",
        "Dataset group already exists",
        400,
        expected_params={"name": config.DATASET_GROUP_NAME, "domain": "ECOMMERCE", "tags": tags},
    )
    summary = {"name": config.DATASET_GROUP_NAME, "datasetGroupArn": GROUP_ARN, "status": "ACTIVE"}
    stub.add_response("list_dataset_groups", {"datasetGroups": [summary]}, {})
    try:  # the notebooks' pattern
        arn = personalize.create_dataset_group(name=config.DATASET_GROUP_NAME, domain="ECOMMERCE")[
            "datasetGroupArn"
        ]
    except personalize.exceptions.ResourceAlreadyExistsException:
        groups = personalize.list_dataset_groups()["datasetGroups"]
        arn = next(g["datasetGroupArn"] for g in groups if g["name"] == config.DATASET_GROUP_NAME)
    assert arn == GROUP_ARN


def test_tags__iam_ssm_and_s3_create_calls(stubbed):
    iam, iam_stub = stubbed("iam")
    ssm, ssm_stub = stubbed("ssm")
    s3, s3_stub = stubbed("s3")
    role = {
        "Path": "/",
        "RoleName": "r",
        "RoleId": "AROAEXAMPLE1234567890",
        "Arn": ROLE_ARN,
        "CreateDate": NOW,
    }
    iam_stub.add_response(
        "create_role",
        {"Role": role},
        {"RoleName": "r", "AssumeRolePolicyDocument": "{}", "Tags": [{"Key": KEY, "Value": VALUE}]},
    )
    ssm_stub.add_response(
        "put_parameter",
        {"Version": 1},
        {"Name": "/p", "Value": "v", "Type": "String", "Tags": [{"Key": KEY, "Value": VALUE}]},
    )
    s3_stub.add_response(
        "create_bucket",
        {"Location": "/b"},
        {"Bucket": "bucket-name", "CreateBucketConfiguration": {"Tags": [{"Key": KEY, "Value": VALUE}]}},
    )
    iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    ssm.put_parameter(Name="/p", Value="v", Type="String")
    s3.create_bucket(Bucket="bucket-name")


def test_cost_estimate__printed_once_before_the_first_billable_call(stubbed, capsys):
    personalize, stub = stubbed("personalize")
    stub.add_response("describe_dataset_group", _group("ACTIVE"))
    for _ in range(2):
        stub.add_response("create_dataset_import_job", {"datasetImportJobArn": GROUP_ARN + "/job"})
    personalize.describe_dataset_group(datasetGroupArn=GROUP_ARN)
    assert capsys.readouterr().out == ""
    job = {
        "jobName": "j",
        "datasetArn": GROUP_ARN,
        "dataSource": {"dataLocation": "s3://b/k"},
        "roleArn": ROLE_ARN,
    }
    personalize.create_dataset_import_job(**job)
    personalize.create_dataset_import_job(**job)
    out = capsys.readouterr().out
    assert out.count("On AWS, the series costs money") == 1

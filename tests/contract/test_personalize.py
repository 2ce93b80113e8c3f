"""Contract tests of the local Personalize control plane: groups, schemas, datasets, imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from helpers import aws
from tests.contract.conftest import assert_error, assert_valid, wait_for
from tests.contract.shop import import_csv

REGION_ACCOUNT = f"{os.environ.get('AWS_DEFAULT_REGION', 'us-east-1')}:123456789012"
BUCKET = "personalize-bucket"
ROLE = "arn:aws:iam::123456789012:role/personalize"
FIELDS = [
    {"name": "USER_ID", "type": "string"},
    {"name": "ITEM_ID", "type": "string"},
    {"name": "TIMESTAMP", "type": "long"},
    {"name": "EVENT_TYPE", "type": "string"},
    {"name": "EVENT_VALUE", "type": ["null", "float"]},
]
HEADER = "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE,EVENT_VALUE"


def _schema(fields=FIELDS) -> str:
    return json.dumps(
        {
            "type": "record",
            "name": "Interactions",
            "namespace": "com.amazonaws.personalize.schema",
            "fields": fields,
            "version": "1.0",
        }
    )


def _rows(users: int = 40, per_user: int = 30) -> list[str]:
    rows = [HEADER]
    for u in range(users):
        for k in range(per_user):
            rows.append(
                f"u{u},i{(u * 7 + k) % 60},{1_700_000_000 + u * 100 + k},View,{'' if k % 3 else '1.5'}"
            )
    return rows


@pytest.fixture
def group(personalize):
    arn = personalize.create_dataset_group(name="shop", domain="ECOMMERCE")["datasetGroupArn"]
    wait_for(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=arn)
    return arn


@pytest.fixture
def schema(personalize):
    return personalize.create_schema(name="interactions", schema=_schema(), domain="ECOMMERCE")["schemaArn"]


@pytest.fixture
def dataset(personalize, group, schema, s3):
    s3.create_bucket(Bucket=BUCKET)
    arn = personalize.create_dataset(
        name="interactions", datasetType="Interactions", datasetGroupArn=group, schemaArn=schema
    )["datasetArn"]
    wait_for(personalize.describe_dataset, "dataset", datasetArn=arn)
    return arn


def _import(personalize, s3, dataset, rows_or_bytes, name="job", mode="FULL", key=None) -> dict:
    body = rows_or_bytes if isinstance(rows_or_bytes, bytes) else "\n".join(rows_or_bytes).encode()
    return import_csv(personalize, s3, dataset, body, name, mode=mode, key=key, bucket=BUCKET)


# --- dataset groups -------------------------------------------------------------------------
def test_create_dataset_group(personalize):
    answer = personalize.create_dataset_group(name="shop", domain="ECOMMERCE")
    assert_valid(personalize, "CreateDatasetGroup")
    assert answer["datasetGroupArn"] == f"arn:aws:personalize:{REGION_ACCOUNT}:dataset-group/shop"
    first = personalize.describe_dataset_group(datasetGroupArn=answer["datasetGroupArn"])["datasetGroup"]
    assert first["status"] == "ACTIVE"  # a Describe answers once the creation is done
    group = wait_for(
        personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=answer["datasetGroupArn"]
    )
    assert_valid(personalize, "DescribeDatasetGroup")
    assert group["status"] == "ACTIVE" and group["domain"] == "ECOMMERCE"


def test_create_dataset_group__already_exists(personalize, group):
    call = lambda: personalize.create_dataset_group(name="shop")  # noqa: E731
    assert_error(call, "ResourceAlreadyExistsException", 400, "shop")
    assert len(personalize.list_dataset_groups()["datasetGroups"]) == 1


def test_create_dataset_group__invalid_domain(personalize):
    assert_error(
        lambda: personalize.create_dataset_group(name="x", domain="RETAIL"),
        "InvalidInputException",
        400,
        "domain",
    )
    assert personalize.list_dataset_groups()["datasetGroups"] == []


def test_describe_dataset_group__not_found(personalize, group):
    with pytest.raises(personalize.exceptions.ResourceNotFoundException):
        personalize.describe_dataset_group(datasetGroupArn=group + "-nope")
    assert_error(
        lambda: personalize.describe_dataset_group(datasetGroupArn=group + "-nope"),
        "ResourceNotFoundException",
        400,
        group + "-nope",
    )


def test_list_dataset_groups(personalize):
    for n in range(3):
        personalize.create_dataset_group(name=f"g{n}")
    first = personalize.list_dataset_groups(maxResults=2)
    assert_valid(personalize, "ListDatasetGroups")
    rest = personalize.list_dataset_groups(maxResults=2, nextToken=first["nextToken"])
    names = [g["name"] for g in first["datasetGroups"] + rest["datasetGroups"]]
    assert sorted(names) == ["g0", "g1", "g2"] and "nextToken" not in rest
    assert_error(
        lambda: personalize.list_dataset_groups(nextToken="garbage"), "InvalidNextTokenException", 400
    )


def test_delete_dataset_group(personalize, group):
    personalize.delete_dataset_group(datasetGroupArn=group)
    wait_for(
        lambda **kw: {"g": {"status": _status_or_gone(personalize, **kw)}},
        "g",
        done=("GONE",),
        datasetGroupArn=group,
    )


def _status_or_gone(personalize, **kw) -> str:
    try:
        return personalize.describe_dataset_group(**kw)["datasetGroup"]["status"]
    except personalize.exceptions.ResourceNotFoundException:
        return "GONE"


def test_delete_dataset_group__in_use(personalize, group, dataset):
    assert_error(
        lambda: personalize.delete_dataset_group(datasetGroupArn=group), "ResourceInUseException", 400, group
    )
    assert personalize.describe_dataset_group(datasetGroupArn=group)["datasetGroup"]["status"] == "ACTIVE"


# --- schemas --------------------------------------------------------------------------------
def test_create_schema(personalize):
    arn = personalize.create_schema(name="s", schema=_schema(), domain="ECOMMERCE")["schemaArn"]
    assert_valid(personalize, "CreateSchema")
    assert arn == f"arn:aws:personalize:{REGION_ACCOUNT}:schema/s"
    described = personalize.describe_schema(schemaArn=arn)["schema"]
    assert_valid(personalize, "DescribeSchema")
    assert json.loads(described["schema"])["fields"] == FIELDS


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([{"name": "USER_ID", "type": "map"}], "USER_ID"),
        ([{"name": "A", "type": "long", "categorical": True}], "categorical"),
        ([{"name": "A", "type": "string"}, {"name": "A", "type": "string"}], "twice"),
    ],
)
def test_create_schema__invalid(personalize, fields, message):
    assert_error(
        lambda: personalize.create_schema(name="s", schema=_schema(fields)),
        "InvalidInputException",
        400,
        message,
    )
    assert personalize.list_schemas()["schemas"] == []


def test_create_schema__already_exists(personalize, schema):
    call = lambda: personalize.create_schema(name="interactions", schema=_schema())  # noqa: E731
    assert_error(call, "ResourceAlreadyExistsException", 400, "interactions")


def test_list_schemas(personalize, schema):
    assert [s["schemaArn"] for s in personalize.list_schemas()["schemas"]] == [schema]
    assert_valid(personalize, "ListSchemas")


def test_delete_schema__in_use(personalize, dataset, schema):
    assert_error(lambda: personalize.delete_schema(schemaArn=schema), "ResourceInUseException", 400, dataset)


def test_delete_schema(personalize, schema):
    personalize.delete_schema(schemaArn=schema)
    assert personalize.list_schemas()["schemas"] == []


# --- datasets -------------------------------------------------------------------------------
def test_create_dataset(personalize, group, schema):
    arn = personalize.create_dataset(
        name="i", datasetType="Interactions", datasetGroupArn=group, schemaArn=schema
    )["datasetArn"]
    assert_valid(personalize, "CreateDataset")
    assert arn == f"arn:aws:personalize:{REGION_ACCOUNT}:dataset/shop/INTERACTIONS"
    ds = wait_for(personalize.describe_dataset, "dataset", datasetArn=arn)
    assert_valid(personalize, "DescribeDataset")
    assert ds["status"] == "ACTIVE" and ds["datasetGroupArn"] == group
    assert [d["datasetArn"] for d in personalize.list_datasets(datasetGroupArn=group)["datasets"]] == [arn]


def test_create_dataset__already_exists(personalize, group, schema, dataset):
    call = lambda: personalize.create_dataset(  # noqa: E731
        name="again", datasetType="Interactions", datasetGroupArn=group, schemaArn=schema
    )
    assert_error(call, "ResourceAlreadyExistsException", 400, "INTERACTIONS")


def test_create_dataset__missing_required_field(personalize, group):
    fields = [f for f in FIELDS if f["name"] != "EVENT_TYPE"]
    schema = personalize.create_schema(name="no-event", schema=_schema(fields), domain="ECOMMERCE")[
        "schemaArn"
    ]
    call = lambda: personalize.create_dataset(  # noqa: E731
        name="i", datasetType="Interactions", datasetGroupArn=group, schemaArn=schema
    )
    assert_error(call, "InvalidInputException", 400, "EVENT_TYPE")
    assert personalize.list_datasets(datasetGroupArn=group)["datasets"] == []


def test_create_dataset__domain_mismatch(personalize, group):
    schema = personalize.create_schema(name="custom", schema=_schema())["schemaArn"]
    call = lambda: personalize.create_dataset(  # noqa: E731
        name="i", datasetType="Interactions", datasetGroupArn=group, schemaArn=schema
    )
    assert_error(call, "InvalidInputException", 400, "domain")


def test_create_dataset__group_not_found(personalize, schema):
    bad = f"arn:aws:personalize:{REGION_ACCOUNT}:dataset-group/none"
    call = lambda: personalize.create_dataset(  # noqa: E731
        name="i", datasetType="Interactions", datasetGroupArn=bad, schemaArn=schema
    )
    assert_error(call, "ResourceNotFoundException", 400, bad)


def test_delete_dataset(personalize, dataset, s3, state, group):
    _import(personalize, s3, dataset, _rows())
    personalize.delete_dataset(datasetArn=dataset)
    wait_for(
        lambda **kw: {"d": {"status": "GONE" if not personalize.list_datasets(**kw)["datasets"] else "X"}},
        "d",
        done=("GONE",),
        datasetGroupArn=group,
    )
    assert state.read_dataset(group, "Interactions") is None


# --- dataset import jobs --------------------------------------------------------------------
def test_create_dataset_import_job(personalize, s3, dataset, group, state):
    job = _import(personalize, s3, dataset, _rows())
    assert_valid(personalize, "CreateDatasetImportJob")
    assert_valid(personalize, "DescribeDatasetImportJob")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert job["datasetImportJobArn"] == f"arn:aws:personalize:{REGION_ACCOUNT}:dataset-import-job/job"
    data = state.read_dataset(group, "Interactions")
    assert data.shape == (1200, 5)
    assert str(data["TIMESTAMP"].dtype) == "int64" and data["EVENT_VALUE"].isna().sum() == 800
    ds = personalize.describe_dataset(datasetArn=dataset)["dataset"]
    assert ds["latestDatasetUpdate"]["status"] == "ACTIVE"
    jobs_ = personalize.list_dataset_import_jobs(datasetArn=dataset)["datasetImportJobs"]
    assert_valid(personalize, "ListDatasetImportJobs")
    assert [j["jobName"] for j in jobs_] == ["job"]


def test_create_dataset_import_job__full_and_incremental(personalize, s3, dataset, group, state):
    _import(personalize, s3, dataset, _rows(), name="first")
    assert (
        _import(personalize, s3, dataset, _rows(10, 2), name="more", mode="INCREMENTAL")["status"] == "ACTIVE"
    )
    assert len(state.read_dataset(group, "Interactions")) == 1220
    assert _import(personalize, s3, dataset, _rows(40, 26), name="again", mode="FULL")["status"] == "ACTIVE"
    assert len(state.read_dataset(group, "Interactions")) == 1040


def test_create_dataset_import_job__columns_as_aws_takes_them(personalize, s3, dataset, group, state):
    """pandas' unnamed index column and a column outside the schema are ignored; header names
    match fields regardless of case (AWS's own samples write ``creation_timestamp``)."""
    rows = _rows()
    header = ",user_id,Item_Id,TIMESTAMP,event_type,EVENT_VALUE,GENDER"
    body = [header] + [f"{n},{row},F" for n, row in enumerate(rows[1:])]
    job = _import(personalize, s3, dataset, body, name="as-aws")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    frame = state.read_dataset(group, "Interactions")
    assert list(frame.columns) == ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "EVENT_VALUE"]
    assert len(frame) == 1200 and frame["USER_ID"].iloc[0] == "u0"


def test_create_dataset_import_job__prefix(personalize, s3, dataset, group, state):
    rows = _rows()
    s3.put_object(Bucket=BUCKET, Key="parts/a.csv", Body="\n".join(rows[:601]).encode())
    s3.put_object(Bucket=BUCKET, Key="parts/b.csv", Body="\n".join([HEADER] + rows[601:]).encode())
    arn = personalize.create_dataset_import_job(
        jobName="prefix",
        datasetArn=dataset,
        dataSource={"dataLocation": f"s3://{BUCKET}/parts/"},
        roleArn=ROLE,
    )["datasetImportJobArn"]
    job = wait_for(personalize.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=arn)
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert len(state.read_dataset(group, "Interactions")) == 1200


def _bad_type():
    rows = _rows()
    rows[600] = "u19,i1,notatime,View,"
    return rows


def _not_utf8() -> bytes:
    rows = [r.encode() for r in _rows()]
    rows[700] = b"u19\xff,i1,1700000000,View,"
    return b"\n".join(rows)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: [r.rsplit(",", 2)[0] + "," + r.rsplit(",", 1)[1] for r in _rows()], "column EVENT_TYPE"),
        (_bad_type, "Row 601: TIMESTAMP value 'notatime' is not a long"),
        (lambda: _rows()[:300] + ["u1,,1700000000,View,"] + _rows()[300:], "Row 301: ITEM_ID is empty"),
        (lambda: b"", "is empty"),
        (lambda: [HEADER], "no rows"),
        (lambda: _rows(45, 20)[:900], "899 interactions; at least 1,000"),
        (lambda: _rows(20, 60), "20 users with at least 2"),
        (
            lambda: [HEADER + ",item_id"] + [r + ",x" for r in _rows()[1:]],
            "field ITEM_ID is matched by two columns",
        ),
        (
            lambda: _rows()[:500] + ["u1,i1,1700000000"] + _rows()[500:],
            "Row 501: 3 values, but the header has 5",
        ),
        (_not_utf8, "Row 701: byte 0xff at position 4 is not valid UTF-8"),
    ],
    ids=[
        "missing-column",
        "wrong-type",
        "missing-value",
        "empty-file",
        "header-only",
        "few-interactions",
        "few-users",
        "field-twice",
        "ragged-row",
        "not-utf8",
    ],
)
def test_create_dataset_import_job__bad_csv(personalize, s3, dataset, group, state, make, reason):
    job = _import(personalize, s3, dataset, make(), name="bad")
    assert job["status"] == "CREATE FAILED"
    assert reason in job["failureReason"]
    assert job["failureReason"].startswith(("s3://", "Interactions")), job["failureReason"]
    assert "Error" not in job["failureReason"] and "codec" not in job["failureReason"]
    assert state.read_dataset(group, "Interactions") is None
    assert (
        personalize.describe_dataset(datasetArn=dataset)["dataset"]["latestDatasetUpdate"]["status"]
        == "CREATE FAILED"
    )


def test_create_dataset_import_job__bad_csv_keeps_earlier_data(personalize, s3, dataset, group, state):
    _import(personalize, s3, dataset, _rows(), name="good")
    assert (
        _import(personalize, s3, dataset, _bad_type(), name="bad", mode="FULL")["status"] == "CREATE FAILED"
    )
    assert len(state.read_dataset(group, "Interactions")) == 1200


def test_create_dataset_import_job__missing_location(personalize, dataset, s3):
    arn = personalize.create_dataset_import_job(
        jobName="nowhere",
        datasetArn=dataset,
        dataSource={"dataLocation": f"s3://{BUCKET}/none.csv"},
        roleArn=ROLE,
    )["datasetImportJobArn"]
    job = wait_for(personalize.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=arn)
    assert job["status"] == "CREATE FAILED" and "does not exist" in job["failureReason"]


def test_create_dataset_import_job__already_exists(personalize, s3, dataset):
    _import(personalize, s3, dataset, _rows(), name="job")
    call = lambda: personalize.create_dataset_import_job(  # noqa: E731
        jobName="job", datasetArn=dataset, dataSource={"dataLocation": f"s3://{BUCKET}/job.csv"}, roleArn=ROLE
    )
    assert_error(call, "ResourceAlreadyExistsException", 400, "job")


def test_describe_dataset_import_job__resumes_an_orphaned_job(personalize, s3, dataset, group, state):
    """A job whose process died before running it is claimed and run by the next Describe."""
    s3.put_object(Bucket=BUCKET, Key="orphan.csv", Body="\n".join(_rows()).encode())
    code = (
        "import sys\nfrom helpers import aws\naws.activate('local', sys.argv[1])\n"
        "from helpers.localaws.engine import jobs\n"
        "jobs._spawn = lambda *a: None  # die before the work starts\n"
        "import boto3\nprint(boto3.client('personalize').create_dataset_import_job(jobName='orphan', "
        f"datasetArn='{dataset}', dataSource={{'dataLocation': 's3://{BUCKET}/orphan.csv'}}, "
        f"roleArn='{ROLE}')['datasetImportJobArn'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(state.root)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    arn = out.stdout.strip()
    assert state.job_get(arn) is not None  # recorded, owned by the dead process
    job = wait_for(personalize.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=arn)
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert len(state.read_dataset(group, "Interactions")) == 1200


# --- recipes and tags -----------------------------------------------------------------------
def test_list_recipes(personalize):
    ecommerce = personalize.list_recipes(domain="ECOMMERCE")["recipes"]
    assert_valid(personalize, "ListRecipes")
    assert {r["recipeArn"] for r in ecommerce} == {
        f"arn:aws:personalize:::recipe/aws-ecomm-{n}"
        for n in (
            "popular-items-by-views",
            "popular-items-by-purchases",
            "recommended-for-you",
            "customers-who-viewed-x-also-viewed",
            "frequently-bought-together",
        )
    }
    names = {
        r["name"]
        for p in personalize.get_paginator("list_recipes").paginate(PaginationConfig={"PageSize": 3})
        for r in p["recipes"]
    }
    assert {"aws-user-personalization-v2", "aws-similar-items", "aws-sims", "aws-popularity-count"} <= names


def test_tag_resource(personalize, group):
    personalize.tag_resource(resourceArn=group, tags=[{"tagKey": "team", "tagValue": "shop"}])
    assert personalize.list_tags_for_resource(resourceArn=group)["tags"] == [
        {"tagKey": "team", "tagValue": "shop"}
    ]
    assert_valid(personalize, "ListTagsForResource")
    personalize.untag_resource(resourceArn=group, tagKeys=["team"])
    assert personalize.list_tags_for_resource(resourceArn=group)["tags"] == []


def test_tag_resource__not_found(personalize, group):
    call = lambda: personalize.tag_resource(resourceArn=group + "x", tags=[{"tagKey": "a", "tagValue": "b"}])  # noqa: E731
    assert_error(call, "ResourceNotFoundException", 400, group + "x")


# --- helpers.aws ----------------------------------------------------------------------------
def test_wait_until_active(personalize):
    arn = personalize.create_dataset_group(name="w")["datasetGroupArn"]
    group = aws.wait_until_active(personalize.describe_dataset_group, datasetGroupArn=arn, timeout=30)
    assert group["status"] == "ACTIVE"


def test_wait_until_active__create_failed(personalize, s3, dataset):
    s3.put_object(Bucket=BUCKET, Key="bad.csv", Body="\n".join(_bad_type()).encode())
    arn = personalize.create_dataset_import_job(
        jobName="bad", datasetArn=dataset, dataSource={"dataLocation": f"s3://{BUCKET}/bad.csv"}, roleArn=ROLE
    )["datasetImportJobArn"]
    with pytest.raises(RuntimeError, match="CREATE FAILED: .*TIMESTAMP"):
        aws.wait_until_active(personalize.describe_dataset_import_job, datasetImportJobArn=arn, timeout=30)


def test_default_bucket(state, monkeypatch):
    from helpers import config

    monkeypatch.setattr(config, "BUCKET", "")
    assert aws.default_bucket() == f"retail-demo-123456789012-{os.environ['AWS_DEFAULT_REGION']}"
    monkeypatch.setattr(config, "BUCKET", "mine")
    assert aws.default_bucket() == "mine"


def test_create_dataset_group__invalid_name(personalize):
    assert_error(
        lambda: personalize.create_dataset_group(name="bad name!"), "InvalidInputException", 400, "pattern"
    )
    assert personalize.list_dataset_groups()["datasetGroups"] == []


def test_describe_dataset_import_job__resumes_after_its_process_is_killed(
    personalize, s3, dataset, group, state
):
    """Kill the process running an import mid-way: the next Describe finishes it, data whole."""
    import signal
    import time

    n = 300_000
    users, items = np.arange(n) % 3000, np.arange(n) % 500
    frame = pd.DataFrame(
        {
            "USER_ID": [f"u{u}" for u in users],
            "ITEM_ID": [f"i{i}" for i in items],
            "TIMESTAMP": 1_700_000_000 + np.arange(n),
            "EVENT_TYPE": "View",
            "EVENT_VALUE": "",
        }
    )
    s3.put_object(Bucket=BUCKET, Key="big.csv", Body=frame.to_csv(index=False).encode())
    code = (
        "import sys, time\nfrom helpers import aws\naws.activate('local', sys.argv[1])\n"
        "import boto3\nprint(boto3.client('personalize').create_dataset_import_job(jobName='killed', "
        f"datasetArn='{dataset}', dataSource={{'dataLocation': 's3://{BUCKET}/big.csv'}}, "
        f"roleArn='{ROLE}')['datasetImportJobArn'], flush=True)\ntime.sleep(60)"
    )
    child = subprocess.Popen([sys.executable, "-c", code, str(state.root)], stdout=subprocess.PIPE, text=True)
    try:
        arn = child.stdout.readline().strip()
        end = time.monotonic() + 30
        while state.get("dataset-import-job", arn)["status"] == "CREATE PENDING" and time.monotonic() < end:
            time.sleep(0.005)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    job = wait_for(
        personalize.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=arn, timeout=60
    )
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert len(state.read_dataset(group, "Interactions")) == n
    assert state.job_get(arn) is None

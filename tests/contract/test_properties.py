"""Property-based tests (hypothesis): no input makes the CSV validator or a request handler crash.

For any CSV, the import check returns typed columns or fails with a reason that names the
file; for any request botocore lets through, the local backend answers a success or an error
the operation declares (or the service's validation error), and an error changes no state.
"""

from __future__ import annotations

import json
import string

import boto3
import botocore.exceptions
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import aws, localaws
from helpers.localaws.engine import service_models as models
from helpers.localaws.engine import validation
from helpers.localaws.personalize import imports
from tests.contract.conftest import snapshot

FIELDS = imports.parse_schema(
    json.dumps(
        {
            "type": "record",
            "name": "Interactions",
            "fields": [
                {"name": "USER_ID", "type": "string"},
                {"name": "ITEM_ID", "type": "string"},
                {"name": "TIMESTAMP", "type": "long"},
                {"name": "EVENT_VALUE", "type": ["null", "float"]},
                {"name": "SEEN", "type": ["null", "boolean"]},
            ],
        }
    )
)
NAMES = [f.name for f in FIELDS]
S3_CODES = {"InvalidBucketName", "KeyTooLongError", "InvalidArgument", "MalformedPolicy", "InvalidRange"}
"""S3 codes of its error-code list that its model does not declare per operation."""
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> localaws.Store:
    aws.activate("local", tmp_path_factory.mktemp("properties") / "state")
    return localaws.store()


# --- the CSV validator ----------------------------------------------------------------------
_cell = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(
        ["", " ", "true", "FALSE", "null", '"quoted, comma"', '"unclosed', "a\nb", "é", "\ufeff"]
    ),
    st.text(max_size=12),
)
_header = st.one_of(
    st.just(NAMES), st.permutations(NAMES), st.lists(st.sampled_from(NAMES + ["EXTRA", ""]), max_size=7)
)
_text_csv = st.builds(
    lambda header, rows, sep: sep.join(",".join(r) for r in [header, *rows]).encode("utf-8", "surrogatepass"),
    _header,
    st.lists(st.lists(_cell, min_size=0, max_size=7), max_size=8),
    st.sampled_from(["\n", "\r\n"]),
)
_csv = st.one_of(_text_csv, st.binary(max_size=200), _text_csv.map(lambda b: b.replace(b"a", b"\xff", 1)))


@SETTINGS
@given(body=_csv)
def test_load_csv__types_columns_or_names_the_file(store, body):
    path = store.new_object_path()
    size, _ = store.write_file(path, body)
    name = "s3://bucket/any.csv"
    try:
        frame = imports.load_csv(store, name, {"file": store.relative(path), "size": size}, FIELDS)
    except imports.ImportFailed as failed:
        assert str(failed).startswith(name), str(failed)
        assert "Traceback" not in str(failed) and "codec" not in str(failed), str(failed)
    else:
        assert list(frame.columns) == NAMES and len(frame) >= 1
        assert frame["TIMESTAMP"].notna().all() and pd.api.types.is_integer_dtype(frame["TIMESTAMP"])
        assert frame["USER_ID"].map(lambda v: isinstance(v, str) and v != "").all()
    finally:
        store.remove_file(store.relative(path))


# --- request handlers -----------------------------------------------------------------------
def _answer_or_declared_error(store, service: str, operation: str, call) -> None:
    """Run a call: success, a client-side rejection, or a declared error that changed nothing."""
    before = snapshot(store)
    try:
        call()
    except botocore.exceptions.ParamValidationError:
        assert snapshot(store) == before
    except botocore.exceptions.ClientError as err:
        op = models.operation(service, operation)
        declared = {e.name for e in op.error_shapes} | {e.error_code for e in op.error_shapes}
        declared |= {validation.ERROR_CODES[service]} | (S3_CODES if service == "s3" else set())
        code = err.response["Error"]["Code"]
        assert code in declared, (code, err.response["Error"]["Message"])
        assert err.response["Error"]["Message"], code
        assert snapshot(store) == before, f"{operation} failed with {code} but changed the state"


_names = st.text(alphabet=string.ascii_letters + string.digits + "/-_. é#", min_size=1, max_size=80)


@SETTINGS
@given(
    name=_names,
    value=st.text(min_size=1, max_size=50).filter(lambda v: "\x00" not in v) | st.just("v" * 4097),
    kind=st.sampled_from(["String", "StringList", "SecureString"]),
    tier=st.sampled_from([None, "Standard", "Advanced", "Intelligent-Tiering"]),
    pattern=st.sampled_from([None, "", r"^\d+$", "(", ".*", "[a-z]+"]),
    overwrite=st.booleans(),
)
def test_put_parameter__any_request(store, name, value, kind, tier, pattern, overwrite):
    ssm = boto3.client("ssm")
    extra = {k: v for k, v in (("Tier", tier), ("AllowedPattern", pattern)) if v is not None}
    _answer_or_declared_error(
        store,
        "ssm",
        "PutParameter",
        lambda: ssm.put_parameter(Name=name, Value=value, Type=kind, Overwrite=overwrite, **extra),
    )


@SETTINGS
@given(bucket=st.text(alphabet=string.ascii_lowercase + string.digits + ".-_A", min_size=1, max_size=70))
def test_create_bucket__any_name(store, bucket):
    s3 = boto3.client("s3")
    _answer_or_declared_error(store, "s3", "CreateBucket", lambda: s3.create_bucket(Bucket=bucket))


_json = st.recursive(
    st.none() | st.booleans() | st.sampled_from(["Allow", "Deny", "*", "sts:AssumeRole", "2012-10-17"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["Version", "Statement", "Effect", "Principal", "Action", "Resource", "Sid", "X"]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=12,
)


@SETTINGS
@given(
    role=st.text(alphabet=string.ascii_letters + "+=,.@-_ #", min_size=1, max_size=70),
    path=st.sampled_from(["/", "/service/", "service", "/a//", "//"]),
    document=_json.map(json.dumps) | st.text(max_size=30),
)
def test_create_role__any_request(store, role, path, document):
    iam = boto3.client("iam")
    _answer_or_declared_error(
        store,
        "iam",
        "CreateRole",
        lambda: iam.create_role(RoleName=role, Path=path, AssumeRolePolicyDocument=document or "{}"),
    )


@SETTINGS
@given(
    name=st.text(alphabet=string.ascii_letters + string.digits + "-_ !", min_size=1, max_size=70),
    domain=st.sampled_from([None, "ECOMMERCE", "VIDEO_ON_DEMAND", "RETAIL"]),
    schema=_json.map(json.dumps) | st.text(max_size=30),
)
def test_create_schema__any_request(store, name, domain, schema):
    personalize = boto3.client("personalize")
    extra = {"domain": domain} if domain else {}
    _answer_or_declared_error(
        store,
        "personalize",
        "CreateSchema",
        lambda: personalize.create_schema(name=name, schema=schema or "{}", **extra),
    )


@SETTINGS
@given(
    key=st.text(min_size=1, max_size=40).filter(lambda k: "\x00" not in k) | st.just("k" * 1025),
    body=st.binary(max_size=300),
    range_=st.sampled_from([None, "bytes=0-0", "bytes=-5", "bytes=3-", "bytes=100-50", "bytes=10-20"]),
)
def test_put_then_get_object__any_key_and_range(store, key, body, range_):
    s3 = boto3.client("s3")
    if not any(b["Name"] == "props" for b in s3.list_buckets()["Buckets"]):
        s3.create_bucket(Bucket="props")
    _answer_or_declared_error(
        store, "s3", "PutObject", lambda: s3.put_object(Bucket="props", Key=key, Body=body)
    )
    if len(key.encode()) > 1024:
        return
    extra = {"Range": range_} if range_ else {}
    try:
        got = s3.get_object(Bucket="props", Key=key, **extra)["Body"].read()
    except botocore.exceptions.ClientError as err:
        assert err.response["Error"]["Code"] == "InvalidRange" and range_, err.response["Error"]
    else:
        assert got in body if range_ else got == body


@SETTINGS
@given(
    token=st.none() | st.text(max_size=30),
    size=st.none() | st.integers(-5, 200),
)
def test_list_dataset_groups__any_paging(store, token, size):
    personalize = boto3.client("personalize")
    extra = {k: v for k, v in (("nextToken", token), ("maxResults", size)) if v is not None}
    _answer_or_declared_error(
        store, "personalize", "ListDatasetGroups", lambda: personalize.list_dataset_groups(**extra)
    )

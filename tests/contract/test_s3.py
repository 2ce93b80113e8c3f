"""Contract tests of the local S3: real boto3 clients, answers checked against the model."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys

import boto3
import pytest

from helpers.localaws.engine.errors import NotEmulatedError
from tests.contract.conftest import assert_error, assert_valid, snapshot

BUCKET = "contract-bucket"


@pytest.fixture
def bucket(s3):
    s3.create_bucket(Bucket=BUCKET)
    return BUCKET


def _keys(s3, bucket=BUCKET) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


# --- buckets --------------------------------------------------------------------------------
def test_create_bucket(s3):
    answer = s3.create_bucket(Bucket=BUCKET)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert assert_valid(s3, "CreateBucket")["Location"] == f"/{BUCKET}"


def test_create_bucket__already_owned_in_us_east_1__answers_200(s3, bucket, state):
    """S3's legacy behaviour in North Virginia: re-creating a bucket you own succeeds."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    before = snapshot(state)
    answer = s3.create_bucket(Bucket=bucket)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert assert_valid(s3, "CreateBucket")["Location"] == f"/{bucket}"
    assert snapshot(state) == before
    assert _keys(s3) == ["k"]


def test_create_bucket__already_owned_elsewhere__is_bucket_already_owned_by_you(state):
    s3 = boto3.client("s3", region_name="eu-west-1")
    where = {"CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}
    s3.create_bucket(Bucket=BUCKET, **where)
    s3.put_object(Bucket=BUCKET, Key="k", Body=b"x")
    before = snapshot(state)
    with pytest.raises(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=BUCKET, **where)
    assert_error(lambda: s3.create_bucket(Bucket=BUCKET, **where), "BucketAlreadyOwnedByYou", 409, BUCKET)
    assert snapshot(state) == before
    assert _keys(s3) == ["k"]


def test_create_bucket__invalid_name(s3):
    assert_error(lambda: s3.create_bucket(Bucket="Bad_Name"), "InvalidBucketName", 400, "Bad_Name")
    assert s3.list_buckets()["Buckets"] == []


def test_head_bucket(s3, bucket):
    assert s3.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_head_bucket__missing(s3):
    assert_error(lambda: s3.head_bucket(Bucket="no-such-bucket"), "404", 404)


def test_list_buckets(s3):
    for name in ("b-two", "b-one"):
        s3.create_bucket(Bucket=name)
    answer = s3.list_buckets()
    assert_valid(s3, "ListBuckets")
    assert [b["Name"] for b in answer["Buckets"]] == ["b-one", "b-two"]


def test_delete_bucket(s3, bucket):
    assert s3.delete_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.list_buckets()["Buckets"] == []


def test_delete_bucket__not_empty(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert_error(lambda: s3.delete_bucket(Bucket=bucket), "BucketNotEmpty", 409, bucket)
    assert _keys(s3) == ["k"]


def test_delete_bucket__no_such_bucket(s3):
    with pytest.raises(s3.exceptions.NoSuchBucket):
        s3.delete_bucket(Bucket="no-such-bucket")
    assert_error(lambda: s3.delete_bucket(Bucket="no-such-bucket"), "NoSuchBucket", 404, "no-such-bucket")


def test_put_bucket_policy(s3, bucket):
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "personalize.amazonaws.com"},
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    assert s3.put_bucket_policy(Bucket=bucket, Policy=policy)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == policy
    assert_valid(s3, "GetBucketPolicy")


def test_get_bucket_policy__none(s3, bucket):
    assert_error(lambda: s3.get_bucket_policy(Bucket=bucket), "NoSuchBucketPolicy", 404, bucket)


# --- objects --------------------------------------------------------------------------------
def test_put_object(s3, bucket):
    answer = s3.put_object(Bucket=bucket, Key="a/b.txt", Body=b"hello", ContentType="text/plain")
    assert assert_valid(s3, "PutObject")["ETag"] == '"5d41402abc4b2a76b9719d911017c592"'
    assert answer["ETag"] == s3.head_object(Bucket=bucket, Key="a/b.txt")["ETag"]


def test_put_object__no_such_bucket(s3):
    assert_error(lambda: s3.put_object(Bucket="no-such-bucket", Key="k", Body=b"x"), "NoSuchBucket", 404)
    assert s3.list_buckets()["Buckets"] == []


def test_get_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"hello world", Metadata={"a": "1"})
    answer = s3.get_object(Bucket=bucket, Key="k")
    assert_valid(s3, "GetObject")
    assert answer["Body"].read() == b"hello world"
    assert answer["ContentLength"] == 11 and answer["Metadata"] == {"a": "1"}


def test_conditional_requests__that_hold(s3, bucket):
    """S3 user guide, "Conditional requests": the object comes back (or is written) when they hold,
    and a holding If-Match wins over a failing If-Unmodified-Since."""
    etag = s3.put_object(Bucket=bucket, Key="new", Body=b"v1", IfNoneMatch="*")["ETag"]
    long_ago, later = datetime.datetime(2001, 1, 1), datetime.datetime(2999, 1, 1)
    assert s3.get_object(Bucket=bucket, Key="new", IfMatch=etag)["Body"].read() == b"v1"
    assert s3.get_object(Bucket=bucket, Key="new", IfMatch=etag, IfUnmodifiedSince=long_ago)["ETag"] == etag
    assert (
        s3.get_object(Bucket=bucket, Key="new", IfNoneMatch='"other"', IfModifiedSince=later)["ETag"] == etag
    )
    assert s3.head_object(Bucket=bucket, Key="new", IfModifiedSince=long_ago)["ETag"] == etag
    second = s3.put_object(Bucket=bucket, Key="new", Body=b"v2", IfMatch=etag)["ETag"]
    assert s3.get_object(Bucket=bucket, Key="new", IfMatch=second)["Body"].read() == b"v2"


def test_get_object__range(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"hello world")
    answer = s3.get_object(Bucket=bucket, Key="k", Range="bytes=6-")
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert answer["Body"].read() == b"world" and answer["ContentRange"] == "bytes 6-10/11"
    assert s3.get_object(Bucket=bucket, Key="k", Range="bytes=-3")["Body"].read() == b"rld"


def test_get_object__invalid_range(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"hello")
    assert_error(lambda: s3.get_object(Bucket=bucket, Key="k", Range="bytes=9-"), "InvalidRange", 416)


def test_get_object__no_such_key(s3, bucket):
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=bucket, Key="missing")
    assert_error(lambda: s3.get_object(Bucket=bucket, Key="missing"), "NoSuchKey", 404, "missing")


def test_head_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"abc")
    answer = s3.head_object(Bucket=bucket, Key="k")
    assert_valid(s3, "HeadObject")
    assert answer["ContentLength"] == 3


def test_head_object__missing(s3, bucket):
    assert_error(lambda: s3.head_object(Bucket=bucket, Key="nope"), "404", 404)


def test_list_objects_v2(s3, bucket):
    for key in ("data/b.csv", "data/a.csv", "data/c.csv", "other/x"):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    first = s3.list_objects_v2(Bucket=bucket, Prefix="data/", MaxKeys=2)
    assert_valid(s3, "ListObjectsV2")
    assert [o["Key"] for o in first["Contents"]] == ["data/a.csv", "data/b.csv"] and first["IsTruncated"]
    rest = s3.list_objects_v2(Bucket=bucket, Prefix="data/", ContinuationToken=first["NextContinuationToken"])
    assert [o["Key"] for o in rest["Contents"]] == ["data/c.csv"] and not rest["IsTruncated"]
    pages = (
        boto3.client("s3")
        .get_paginator("list_objects_v2")
        .paginate(Bucket=bucket, PaginationConfig={"PageSize": 1})
    )
    assert [o["Key"] for p in pages for o in p["Contents"]] == [
        "data/a.csv",
        "data/b.csv",
        "data/c.csv",
        "other/x",
    ]
    tree = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in tree["CommonPrefixes"]] == ["data/", "other/"]


def test_delete_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert s3.delete_object(Bucket=bucket, Key="k")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert _keys(s3) == []
    s3.delete_object(Bucket=bucket, Key="k")  # deleting a missing key succeeds, as on S3


def test_delete_objects(s3, bucket):
    for key in "abc":
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}]})
    assert_valid(s3, "DeleteObjects")
    assert [d["Key"] for d in answer["Deleted"]] == ["a", "b"] and _keys(s3) == ["c"]


# --- multipart ------------------------------------------------------------------------------
def _upload(s3, bucket, parts: list[bytes]) -> tuple[str, list[dict]]:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    done = []
    for n, body in enumerate(parts, 1):
        done.append(
            {
                "PartNumber": n,
                "ETag": s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=n, Body=body)[
                    "ETag"
                ],
            }
        )
    return upload_id, done


def test_complete_multipart_upload(s3, bucket):
    parts = [os.urandom(5 * 1024 * 1024), b"tail"]
    upload_id, done = _upload(s3, bucket, parts)
    assert_valid(s3, "CreateMultipartUpload") and assert_valid(s3, "UploadPart")
    answer = s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload_id, MultipartUpload={"Parts": done}
    )
    assert_valid(s3, "CompleteMultipartUpload")
    assert answer["ETag"].endswith('-2"')
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"".join(parts)


def test_complete_multipart_upload__invalid_part(s3, bucket):
    upload_id, done = _upload(s3, bucket, [b"one"])
    bad = [{"PartNumber": 1, "ETag": done[0]["ETag"]}, {"PartNumber": 2, "ETag": '"0"'}]
    call = lambda: s3.complete_multipart_upload(  # noqa: E731
        Bucket=bucket, Key="mp", UploadId=upload_id, MultipartUpload={"Parts": bad}
    )
    assert_error(call, "InvalidPart", 400, "Part 2")
    assert _keys(s3) == []


def test_abort_multipart_upload(s3, bucket, state):
    upload_id, _ = _upload(s3, bucket, [b"one"])
    assert (
        s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id)["ResponseMetadata"][
            "HTTPStatusCode"
        ]
        == 204
    )
    assert not state.upload_dir(upload_id).exists()
    assert_error(
        lambda: s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=1, Body=b"x"),
        "NoSuchUpload",
        404,
    )


def test_upload_file_download_file_50mb(s3, bucket, tmp_path):
    blob = os.urandom(50 * 1024 * 1024)
    src, back = tmp_path / "blob.bin", tmp_path / "back.bin"
    src.write_bytes(blob)
    s3.upload_file(str(src), bucket, "big/blob.bin")
    assert (
        s3.head_object(Bucket=bucket, Key="big/blob.bin")["ETag"].endswith('"')
        and "-" in s3.head_object(Bucket=bucket, Key="big/blob.bin")["ETag"]
    )
    s3.download_file(bucket, "big/blob.bin", str(back))
    assert back.read_bytes() == blob


# --- the hooks ------------------------------------------------------------------------------
def test_every_kind_of_client_is_local(state, bucket):
    boto3.resource("s3").Object(bucket, "via-resource").put(Body=b"r")
    assert boto3.Session().client("s3").get_object(Bucket=bucket, Key="via-resource")["Body"].read() == b"r"
    assert [o.key for o in boto3.resource("s3").Bucket(bucket).objects.all()] == ["via-resource"]


def test_not_emulated(s3, bucket):
    with pytest.raises(NotEmulatedError, match="s3:GetBucketAcl"):
        s3.get_bucket_acl(Bucket=bucket)
    with pytest.raises(NotEmulatedError, match="ec2:DescribeInstances"):
        boto3.client("ec2").describe_instances()


def test_request_validation_stays_on(s3):
    import botocore.exceptions

    with pytest.raises(botocore.exceptions.ParamValidationError):
        s3.put_object(Bucket=BUCKET)


# --- processes ------------------------------------------------------------------------------
_CHILD = """
import sys
from helpers import aws
aws.activate("local", sys.argv[1])
import boto3
s3, ssm = boto3.client("s3"), boto3.client("ssm")
{body}
"""


def _python(tmp_path, body: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD.format(body=body), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TQDM_DISABLE": "1"},
    )


def test_another_process_sees_the_state(s3, bucket, state, tmp_path):
    s3.put_object(Bucket=bucket, Key="shared", Body=b"from parent")
    body = (
        f"print(s3.get_object(Bucket='{bucket}', Key='shared')['Body'].read().decode())\n"
        f"s3.put_object(Bucket='{bucket}', Key='child', Body=b'from child')"
    )
    child = _python(tmp_path, body, str(state.root))
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert out.strip() == "from parent"
    assert s3.get_object(Bucket=bucket, Key="child")["Body"].read() == b"from child"


def test_parallel_writers_lose_nothing(s3, bucket, state, tmp_path):
    body = (
        "w = sys.argv[2]\n"
        "for i in range(40):\n"
        f"    s3.put_object(Bucket='{bucket}', Key=f'w{{w}}/{{i:03d}}', Body=f'{{w}}-{{i}}'.encode())\n"
        "    ssm.put_parameter(Name=f'/p/w{w}/{i}', Value=str(i), Type='String')\n"
    )
    children = [_python(tmp_path, body, str(state.root), str(w)) for w in range(4)]
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    keys = [
        o["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for o in page["Contents"]
    ]
    assert len(keys) == 160
    assert s3.get_object(Bucket=bucket, Key="w3/039")["Body"].read() == b"3-39"
    params = boto3.client("ssm").get_paginator("get_parameters_by_path").paginate(Path="/p", Recursive=True)
    assert sum(len(p["Parameters"]) for p in params) == 160

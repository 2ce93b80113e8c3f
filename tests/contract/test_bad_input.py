"""Bad input, as a new user types it: every request AWS refuses is refused with AWS's error.

Each case asserts the error code, the HTTP status, a message naming the field or resource at
fault, and that the state (documents, jobs, files) is exactly what it was before the call.
The cases cover the constraints of botocore's models (checked centrally by
``helpers.localaws.engine.validation``) and the documented rules the models do not carry (S3 bucket
names, keys and multipart; SSM names, sizes and patterns; IAM policy documents; Personalize).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from helpers import aws, localaws
from tests.contract.conftest import assert_error, snapshot, wait_for

BUCKET = "bad-input-bucket"
ROLE = "retail-demo-personalize"
ROLE_ARN = "arn:aws:iam::123456789012:role/retail-demo-personalize"
GROUP = "bad-input-group"
RECOMMENDER = "arn:aws:personalize:us-east-1:123456789012:recommender/none"
NO_NAME = "arn:aws:personalize:us-east-1:123456789012:dataset-group"
NO_REGION = "arn:aws:personalize:::dataset/none"
SHORT_ACCOUNT = "arn:aws:personalize:us-east-1:1234:recommender/none"
"""Malformed Personalize ARNs that the service model's pattern lets through."""
MIB = 1024 * 1024


@dataclass(frozen=True)
class World:
    """The clients and resources every case may refer to."""

    store: localaws.Store
    s3: Any
    ssm: Any
    iam: Any
    personalize: Any
    runtime: Any
    events: Any
    group_arn: str
    users_arn: str
    upload_id: str
    small_parts: list[dict]


def _statement(**fields: Any) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [fields]})


TRUST = dict(Effect="Allow", Principal={"Service": "personalize.amazonaws.com"}, Action="sts:AssumeRole")
READ = dict(Effect="Allow", Action="s3:GetObject", Resource=f"arn:aws:s3:::{BUCKET}/*")
BUCKET_READ = dict(READ, Principal={"Service": "personalize.amazonaws.com"})


USERS_SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "Users",
        "fields": [
            {"name": "USER_ID", "type": "string"},
            {"name": "AGE", "type": ["null", "int"]},
            {"name": "JOINED", "type": ["null", "long"]},
            {"name": "MEMBERSHIP", "type": ["null", "string"], "categorical": True},
        ],
        "version": "1.0",
    }
)


def _put_user(w: World, **properties: Any) -> Any:
    return w.events.put_users(
        datasetArn=w.users_arn, users=[{"userId": "u1", "properties": json.dumps(properties)}]
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    """One world for every case: each case leaves it unchanged, which the test checks."""
    aws.activate("local", tmp_path_factory.mktemp("bad-input") / "state")
    s3, ssm, iam = boto3.client("s3"), boto3.client("ssm"), boto3.client("iam")
    personalize, runtime = boto3.client("personalize"), boto3.client("personalize-runtime")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="data.csv", Body=b"USER_ID\nu1\n")
    s3.put_object(Bucket=BUCKET, Key="empty", Body=b"")
    upload_id = s3.create_multipart_upload(Bucket=BUCKET, Key="mp")["UploadId"]
    small_parts = [
        {
            "PartNumber": n,
            "ETag": s3.upload_part(Bucket=BUCKET, Key="mp", UploadId=upload_id, PartNumber=n, Body=b"x")[
                "ETag"
            ],
        }
        for n in (1, 2)
    ]
    ssm.put_parameter(Name="/retail-demo/existing", Value="v", Type="String")
    iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=_statement(**TRUST))
    group_arn = personalize.create_dataset_group(name=GROUP, domain="ECOMMERCE")["datasetGroupArn"]
    wait_for(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=group_arn)
    schema_arn = personalize.create_schema(name="users", schema=USERS_SCHEMA, domain="ECOMMERCE")["schemaArn"]
    users_arn = personalize.create_dataset(
        name="users", datasetType="Users", datasetGroupArn=group_arn, schemaArn=schema_arn
    )["datasetArn"]
    wait_for(personalize.describe_dataset, "dataset", datasetArn=users_arn)
    events = boto3.client("personalize-events")
    return World(
        localaws.store(),
        s3,
        ssm,
        iam,
        personalize,
        runtime,
        events,
        group_arn,
        users_arn,
        upload_id,
        small_parts,
    )


Case = tuple[str, Callable[[World], Any], str, int, str]
"""(id, the call, error code, HTTP status, a part of the message)."""

S3_CASES: list[Case] = [
    ("bucket-too-short", lambda w: w.s3.create_bucket(Bucket="ab"), "InvalidBucketName", 400, "ab"),
    (
        "bucket-uppercase",
        lambda w: w.s3.create_bucket(Bucket="My-Bucket"),
        "InvalidBucketName",
        400,
        "My-Bucket",
    ),
    (
        "bucket-ends-hyphen",
        lambda w: w.s3.create_bucket(Bucket="bucket-"),
        "InvalidBucketName",
        400,
        "letter or digit",
    ),
    (
        "bucket-adjacent-periods",
        lambda w: w.s3.create_bucket(Bucket="my..bucket"),
        "InvalidBucketName",
        400,
        "adjacent periods",
    ),
    (
        "bucket-ip-address",
        lambda w: w.s3.create_bucket(Bucket="192.168.5.4"),
        "InvalidBucketName",
        400,
        "IP address",
    ),
    ("bucket-xn-prefix", lambda w: w.s3.create_bucket(Bucket="xn--bucket"), "InvalidBucketName", 400, "xn--"),
    (
        "bucket-sthree-prefix",
        lambda w: w.s3.create_bucket(Bucket="sthree-bucket"),
        "InvalidBucketName",
        400,
        "sthree-",
    ),
    (
        "bucket-s3alias-suffix",
        lambda w: w.s3.create_bucket(Bucket="data-s3alias"),
        "InvalidBucketName",
        400,
        "-s3alias",
    ),
    (
        "bucket-ol-s3-suffix",
        lambda w: w.s3.create_bucket(Bucket="data--ol-s3"),
        "InvalidBucketName",
        400,
        "--ol-s3",
    ),
    (
        "key-too-long",
        lambda w: w.s3.put_object(Bucket=BUCKET, Key="k" * 1025, Body=b"x"),
        "KeyTooLongError",
        400,
        "1,025 bytes",
    ),
    (
        "key-too-long-utf8",
        lambda w: w.s3.put_object(Bucket=BUCKET, Key="é" * 513, Body=b"x"),
        "KeyTooLongError",
        400,
        "1,026 bytes",
    ),
    (
        "multipart-key-too-long",
        lambda w: w.s3.create_multipart_upload(Bucket=BUCKET, Key="k" * 2000),
        "KeyTooLongError",
        400,
        "2,000",
    ),
    (
        "part-number-zero",
        lambda w: w.s3.upload_part(Bucket=BUCKET, Key="mp", UploadId=w.upload_id, PartNumber=0, Body=b"x"),
        "InvalidArgument",
        400,
        "PartNumber 0",
    ),
    (
        "part-number-10001",
        lambda w: w.s3.upload_part(
            Bucket=BUCKET, Key="mp", UploadId=w.upload_id, PartNumber=10_001, Body=b"x"
        ),
        "InvalidArgument",
        400,
        "10,000",
    ),
    (
        "parts-descending",
        lambda w: w.s3.complete_multipart_upload(
            Bucket=BUCKET, Key="mp", UploadId=w.upload_id, MultipartUpload={"Parts": w.small_parts[::-1]}
        ),
        "InvalidPartOrder",
        400,
        "ascending",
    ),
    (
        "part-too-small",
        lambda w: w.s3.complete_multipart_upload(
            Bucket=BUCKET, Key="mp", UploadId=w.upload_id, MultipartUpload={"Parts": w.small_parts}
        ),
        "EntityTooSmall",
        400,
        "part 1 has 1 bytes",
    ),
    (
        "part-unknown",
        lambda w: w.s3.complete_multipart_upload(
            Bucket=BUCKET,
            Key="mp",
            UploadId=w.upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 7, "ETag": '"0"'}]},
        ),
        "InvalidPart",
        400,
        "Part 7",
    ),
    (
        "upload-unknown",
        lambda w: w.s3.upload_part(Bucket=BUCKET, Key="mp", UploadId="nope", PartNumber=1, Body=b"x"),
        "NoSuchUpload",
        404,
        "nope",
    ),
    (
        "policy-not-json",
        lambda w: w.s3.put_bucket_policy(Bucket=BUCKET, Policy="allow all"),
        "MalformedPolicy",
        400,
        "first byte must be '{'",
    ),
    (
        "policy-no-statement",
        lambda w: w.s3.put_bucket_policy(Bucket=BUCKET, Policy='{"Version": "2012-10-17"}'),
        "MalformedPolicy",
        400,
        "Missing required field Statement",
    ),
    (
        "policy-bad-effect",
        lambda w: w.s3.put_bucket_policy(
            Bucket=BUCKET, Policy=_statement(**dict(BUCKET_READ, Effect="Maybe"))
        ),
        "MalformedPolicy",
        400,
        "Invalid effect: Maybe",
    ),
    (
        "policy-no-principal",
        lambda w: w.s3.put_bucket_policy(Bucket=BUCKET, Policy=_statement(**READ)),
        "MalformedPolicy",
        400,
        "Missing required field Principal",
    ),
    (
        "policy-other-bucket",
        lambda w: w.s3.put_bucket_policy(
            Bucket=BUCKET, Policy=_statement(**dict(BUCKET_READ, Resource="arn:aws:s3:::other/*"))
        ),
        "MalformedPolicy",
        400,
        "invalid resource: arn:aws:s3:::other/*",
    ),
    (
        "policy-bad-version",
        lambda w: w.s3.put_bucket_policy(
            Bucket=BUCKET, Policy=json.dumps({"Version": "2020-01-01", "Statement": [BUCKET_READ]})
        ),
        "MalformedPolicy",
        400,
        "2020-01-01",
    ),
    (
        "delete-1001-keys",
        lambda w: w.s3.delete_objects(
            Bucket=BUCKET, Delete={"Objects": [{"Key": f"k{i}"} for i in range(1001)]}
        ),
        "MalformedXML",
        400,
        "1,001 keys",
    ),
    (
        "range-on-empty-object",
        lambda w: w.s3.get_object(Bucket=BUCKET, Key="empty", Range="bytes=0-0"),
        "InvalidRange",
        416,
        "empty",
    ),
    (
        "range-past-end",
        lambda w: w.s3.get_object(Bucket=BUCKET, Key="data.csv", Range="bytes=500-600"),
        "InvalidRange",
        416,
        "bytes=500-600",
    ),
    (
        "continuation-token",
        lambda w: w.s3.list_objects_v2(Bucket=BUCKET, ContinuationToken="not-a-token!"),
        "InvalidArgument",
        400,
        "continuation token provided is incorrect",
    ),
    (
        "no-such-key",
        lambda w: w.s3.get_object(Bucket=BUCKET, Key="missing.csv"),
        "NoSuchKey",
        404,
        "missing.csv",
    ),
    (
        "no-such-bucket",
        lambda w: w.s3.put_object(Bucket="no-such-bucket", Key="k", Body=b"x"),
        "NoSuchBucket",
        404,
        "no-such-bucket",
    ),
    ("bucket-not-empty", lambda w: w.s3.delete_bucket(Bucket=BUCKET), "BucketNotEmpty", 409, BUCKET),
    # S3 user guide, "Conditional requests" (GetObject/HeadObject/PutObject API reference)
    (
        "get-if-match",
        lambda w: w.s3.get_object(Bucket=BUCKET, Key="data.csv", IfMatch='"0123"'),
        "PreconditionFailed",
        412,
        'If-Match "0123"',
    ),
    (
        "get-if-unmodified-since",
        lambda w: w.s3.get_object(
            Bucket=BUCKET, Key="data.csv", IfUnmodifiedSince=datetime.datetime(2001, 1, 1)
        ),
        "PreconditionFailed",
        412,
        "If-Unmodified-Since",
    ),
    (
        "get-if-none-match",
        lambda w: w.s3.get_object(Bucket=BUCKET, Key="data.csv", IfNoneMatch="*"),
        "304",
        304,
        "Not Modified",
    ),
    (
        "get-if-modified-since",
        lambda w: w.s3.get_object(
            Bucket=BUCKET, Key="data.csv", IfModifiedSince=datetime.datetime(2999, 1, 1)
        ),
        "304",
        304,
        "Not Modified",
    ),
    (
        "head-if-match",
        lambda w: w.s3.head_object(Bucket=BUCKET, Key="data.csv", IfMatch='"0123"'),
        "412",
        412,
        "If-Match",
    ),
    (
        "put-if-none-match-existing",
        lambda w: w.s3.put_object(Bucket=BUCKET, Key="data.csv", Body=b"x", IfNoneMatch="*"),
        "PreconditionFailed",
        412,
        "data.csv exists",
    ),
    (
        "put-if-match",
        lambda w: w.s3.put_object(Bucket=BUCKET, Key="data.csv", Body=b"x", IfMatch='"0123"'),
        "PreconditionFailed",
        412,
        'If-Match "0123"',
    ),
    (
        "put-if-match-missing-key",
        lambda w: w.s3.put_object(Bucket=BUCKET, Key="new.csv", Body=b"x", IfMatch='"0123"'),
        "NoSuchKey",
        404,
        "new.csv",
    ),
    # S3 user guide, "Working with object metadata": user-defined metadata of at most 2 KB
    (
        "metadata-over-2-kb",
        lambda w: w.s3.put_object(Bucket=BUCKET, Key="k", Body=b"x", Metadata={"note": "n" * 2045}),
        "MetadataTooLarge",
        400,
        "2,049 bytes",
    ),
    (
        "multipart-metadata-over-2-kb",
        lambda w: w.s3.create_multipart_upload(Bucket=BUCKET, Key="k", Metadata={"note": "n" * 2045}),
        "MetadataTooLarge",
        400,
        "2,049 bytes",
    ),
    # CompleteMultipartUpload: S3 answers MalformedXML to a body without parts, or a part without ETag
    (
        "complete-no-parts",
        lambda w: w.s3.complete_multipart_upload(
            Bucket=BUCKET, Key="mp", UploadId=w.upload_id, MultipartUpload={"Parts": []}
        ),
        "MalformedXML",
        400,
        "MultipartUpload.Parts lists no part",
    ),
    (
        "complete-part-without-etag",
        lambda w: w.s3.complete_multipart_upload(
            Bucket=BUCKET, Key="mp", UploadId=w.upload_id, MultipartUpload={"Parts": [{"PartNumber": 1}]}
        ),
        "MalformedXML",
        400,
        "part 1 needs ETag and PartNumber",
    ),
    (
        "storage-class-enum",
        lambda w: w.s3.put_object(Bucket=BUCKET, Key="k", Body=b"x", StorageClass="CHEAP"),
        "InvalidArgument",
        400,
        "'storageClass'",
    ),
    (
        "encoding-type-enum",
        lambda w: w.s3.list_objects_v2(Bucket=BUCKET, EncodingType="xml"),
        "InvalidArgument",
        400,
        "'encodingType'",
    ),
]

SSM_CASES: list[Case] = [
    (
        "name-aws-prefix",
        lambda w: w.ssm.put_parameter(Name="/aws/thing", Value="v", Type="String"),
        "ValidationException",
        400,
        'prefixed with "aws" or "ssm"',
    ),
    (
        "name-ssm-prefix",
        lambda w: w.ssm.put_parameter(Name="SSM-thing", Value="v", Type="String"),
        "ValidationException",
        400,
        "SSM-thing",
    ),
    (
        "name-empty-level",
        lambda w: w.ssm.put_parameter(Name="/a//b", Value="v", Type="String"),
        "ValidationException",
        400,
        "fully qualified",
    ),
    (
        "name-no-leading-slash",
        lambda w: w.ssm.put_parameter(Name="a/b", Value="v", Type="String"),
        "ValidationException",
        400,
        "fully qualified",
    ),
    (
        "name-space",
        lambda w: w.ssm.put_parameter(Name="/my param", Value="v", Type="String"),
        "ValidationException",
        400,
        "no spaces",
    ),
    (
        "name-16-levels",
        lambda w: w.ssm.put_parameter(Name="/l" * 16, Value="v", Type="String"),
        "HierarchyLevelLimitExceededException",
        400,
        "16 hierarchy levels",
    ),
    (
        "name-too-long",
        lambda w: w.ssm.put_parameter(Name="/" + "n" * 2048, Value="v", Type="String"),
        "ValidationException",
        400,
        "at 'name'",
    ),
    (
        "value-standard-4097",
        lambda w: w.ssm.put_parameter(Name="/big", Value="v" * 4097, Type="String"),
        "ValidationException",
        400,
        "4,096 characters",
    ),
    (
        "value-advanced-8193",
        lambda w: w.ssm.put_parameter(Name="/big", Value="v" * 8193, Type="String", Tier="Advanced"),
        "ValidationException",
        400,
        "8,192 characters",
    ),
    (
        "tags-with-overwrite",
        lambda w: w.ssm.put_parameter(
            Name="/retail-demo/existing",
            Value="v2",
            Type="String",
            Overwrite=True,
            Tags=[{"Key": "k", "Value": "v"}],
        ),
        "ValidationException",
        400,
        "Tags and Overwrite",
    ),
    (
        "allowed-pattern-mismatch",
        lambda w: w.ssm.put_parameter(Name="/digits", Value="abc", Type="String", AllowedPattern=r"^\d+$"),
        "ParameterPatternMismatchException",
        400,
        r"^\d+$",
    ),
    (
        "allowed-pattern-invalid",
        lambda w: w.ssm.put_parameter(Name="/digits", Value="1", Type="String", AllowedPattern="(unclosed"),
        "InvalidAllowedPatternException",
        400,
        "(unclosed",
    ),
    (
        "type-enum",
        lambda w: w.ssm.put_parameter(Name="/n", Value="1", Type="Number"),
        "ValidationException",
        400,
        "enum value set: [String, StringList, SecureString]",
    ),
    (
        "tier-enum",
        lambda w: w.ssm.put_parameter(Name="/n", Value="1", Type="String", Tier="Premium"),
        "ValidationException",
        400,
        "'tier'",
    ),
    (
        "description-too-long",
        lambda w: w.ssm.put_parameter(Name="/n", Value="1", Type="String", Description="d" * 1025),
        "ValidationException",
        400,
        "less than or equal to 1024",
    ),
    (
        "tag-key-pattern",
        lambda w: w.ssm.put_parameter(
            Name="/n", Value="1", Type="String", Tags=[{"Key": "bad#key", "Value": "v"}]
        ),
        "ValidationException",
        400,
        "tags.1.member.key",
    ),
    (
        "max-results-11",
        lambda w: w.ssm.get_parameters_by_path(Path="/retail-demo", MaxResults=11),
        "ValidationException",
        400,
        "less than or equal to 10",
    ),
    (
        "eleven-names",
        lambda w: w.ssm.get_parameters(Names=[f"/p{i}" for i in range(11)]),
        "ValidationException",
        400,
        "at 'names'",
    ),
    # PutParameter API reference: at most 1,011 characters, with the ARN that precedes the name
    (
        "name-1011-with-arn",
        lambda w: w.ssm.put_parameter(Name="/" + "n" * 1000, Value="v", Type="String"),
        "ValidationException",
        400,
        "the maximum is 1,011",
    ),
    # PutParameter API reference, DataType: text | aws:ec2:image | aws:ssm:integration
    (
        "data-type-enum",
        lambda w: w.ssm.put_parameter(Name="/n", Value="1", Type="String", DataType="number"),
        "ValidationException",
        400,
        "DataType 'number'",
    ),
    # GetParameter API reference: ParameterVersionNotFound for a version of name:version not found
    (
        "version-not-found",
        lambda w: w.ssm.get_parameter(Name="/retail-demo/existing:7"),
        "ParameterVersionNotFound",
        400,
        "version 7 of /retail-demo/existing",
    ),
    (
        "already-exists",
        lambda w: w.ssm.put_parameter(Name="/retail-demo/existing", Value="v", Type="String"),
        "ParameterAlreadyExists",
        400,
        "/retail-demo/existing",
    ),
    (
        "not-found",
        lambda w: w.ssm.get_parameter(Name="/retail-demo/missing"),
        "ParameterNotFound",
        400,
        "/retail-demo/missing",
    ),
]

IAM_CASES: list[Case] = [
    (
        "role-name-space",
        lambda w: w.iam.create_role(RoleName="my role", AssumeRolePolicyDocument=_statement(**TRUST)),
        "ValidationError",
        400,
        "at 'roleName'",
    ),
    (
        "role-name-65",
        lambda w: w.iam.create_role(RoleName="r" * 65, AssumeRolePolicyDocument=_statement(**TRUST)),
        "ValidationError",
        400,
        "less than or equal to 64",
    ),
    (
        "role-path-no-slash",
        lambda w: w.iam.create_role(
            RoleName="r", Path="service", AssumeRolePolicyDocument=_statement(**TRUST)
        ),
        "ValidationError",
        400,
        "at 'path'",
    ),
    (
        "role-name-case",
        lambda w: w.iam.create_role(RoleName=ROLE.upper(), AssumeRolePolicyDocument=_statement(**TRUST)),
        "EntityAlreadyExists",
        409,
        ROLE,
    ),
    (
        "session-50000",
        lambda w: w.iam.create_role(
            RoleName="r", AssumeRolePolicyDocument=_statement(**TRUST), MaxSessionDuration=50_000
        ),
        "ValidationError",
        400,
        "less than or equal to 43200",
    ),
    (
        "role-51-tags",
        lambda w: w.iam.create_role(
            RoleName="r",
            AssumeRolePolicyDocument=_statement(**TRUST),
            Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)],
        ),
        "ValidationError",
        400,
        "at 'tags'",
    ),
    (
        "trust-not-json",
        lambda w: w.iam.create_role(RoleName="r", AssumeRolePolicyDocument="{not json"),
        "MalformedPolicyDocument",
        400,
        "not valid JSON",
    ),
    (
        "trust-with-resource",
        lambda w: w.iam.create_role(
            RoleName="r", AssumeRolePolicyDocument=_statement(**dict(TRUST, Resource="*"))
        ),
        "MalformedPolicyDocument",
        400,
        "prohibited field Resource",
    ),
    (
        "trust-no-principal",
        lambda w: w.iam.create_role(
            RoleName="r", AssumeRolePolicyDocument=_statement(Effect="Allow", Action="sts:AssumeRole")
        ),
        "MalformedPolicyDocument",
        400,
        "Principal",
    ),
    (
        "trust-no-action",
        lambda w: w.iam.create_role(
            RoleName="r", AssumeRolePolicyDocument=_statement(Effect="Allow", Principal="*")
        ),
        "MalformedPolicyDocument",
        400,
        "Missing required field Action",
    ),
    (
        "inline-with-principal",
        lambda w: w.iam.put_role_policy(
            RoleName=ROLE, PolicyName="read", PolicyDocument=_statement(**BUCKET_READ)
        ),
        "MalformedPolicyDocument",
        400,
        "should not specify a principal",
    ),
    (
        "inline-no-resource",
        lambda w: w.iam.put_role_policy(
            RoleName=ROLE, PolicyName="read", PolicyDocument=_statement(Effect="Allow", Action="s3:GetObject")
        ),
        "MalformedPolicyDocument",
        400,
        "Missing required field Resource",
    ),
    (
        "inline-unknown-field",
        lambda w: w.iam.put_role_policy(
            RoleName=ROLE, PolicyName="read", PolicyDocument=_statement(**dict(READ, Actions="x"))
        ),
        "MalformedPolicyDocument",
        400,
        "Unknown field Actions",
    ),
    (
        "inline-policy-name",
        lambda w: w.iam.put_role_policy(
            RoleName=ROLE, PolicyName="read all", PolicyDocument=_statement(**READ)
        ),
        "ValidationError",
        400,
        "at 'policyName'",
    ),
    (
        "attach-not-iam-arn",
        lambda w: w.iam.attach_role_policy(RoleName=ROLE, PolicyArn="arn:aws:s3:::some-bucket-x"),
        "InvalidInput",
        400,
        "arn:aws:s3:::some-bucket-x",
    ),
    # IAM JSON policy element reference, Action: a service prefix, then the action ("s3:GetObject")
    (
        "inline-action-without-prefix",
        lambda w: w.iam.put_role_policy(
            RoleName=ROLE, PolicyName="read", PolicyDocument=_statement(**dict(READ, Action="GetObject"))
        ),
        "MalformedPolicyDocument",
        400,
        "must be prefaced by a vendor",
    ),
    (
        "trust-action-without-prefix",
        lambda w: w.iam.create_role(
            RoleName="r", AssumeRolePolicyDocument=_statement(**dict(TRUST, Action="AssumeRole"))
        ),
        "MalformedPolicyDocument",
        400,
        "AssumeRole",
    ),
    (
        "bucket-policy-action-without-prefix",
        lambda w: w.s3.put_bucket_policy(
            Bucket=BUCKET, Policy=_statement(**dict(BUCKET_READ, Action="GetObject"))
        ),
        "MalformedPolicy",
        400,
        "invalid action: GetObject",
    ),
    # IAM JSON policy element reference, Resource: an ARN or "*"
    (
        "inline-resource-not-arn",
        lambda w: w.iam.put_role_policy(
            RoleName=ROLE, PolicyName="read", PolicyDocument=_statement(**dict(READ, Resource=BUCKET))
        ),
        "MalformedPolicyDocument",
        400,
        f"Resource {BUCKET} must be in ARN format",
    ),
    # IAM JSON policy element reference, Sid: ASCII letters and digits, unique within a policy
    (
        "inline-sid-not-alphanumeric",
        lambda w: w.iam.put_role_policy(
            RoleName=ROLE, PolicyName="read", PolicyDocument=_statement(**dict(READ, Sid="read bucket"))
        ),
        "MalformedPolicyDocument",
        400,
        "Statement IDs (SID) must be alpha-numeric: 'read bucket'",
    ),
    (
        "inline-sid-twice",
        lambda w: w.iam.put_role_policy(
            RoleName=ROLE,
            PolicyName="read",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [dict(READ, Sid="A")] * 2}),
        ),
        "MalformedPolicyDocument",
        400,
        "must be unique",
    ),
    # IAM and AWS STS quotas: role trust policy length 2,048 characters
    (
        "trust-over-2048",
        lambda w: w.iam.create_role(
            RoleName="r",
            AssumeRolePolicyDocument=_statement(
                **dict(TRUST, Condition={"StringEquals": {"aws:SourceAccount": "1" * 2000}})
            ),
        ),
        "LimitExceeded",
        409,
        "ACLSizePerRole: 2048",
    ),
    # IAM and AWS STS quotas: a role's inline policies, 10,240 characters together
    (
        "inline-over-10240",
        lambda w: w.iam.put_role_policy(
            RoleName=ROLE,
            PolicyName="read",
            PolicyDocument=_statement(
                **dict(READ, Resource=[f"arn:aws:s3:::{BUCKET}/{i:05d}" for i in range(400)])
            ),
        ),
        "LimitExceeded",
        409,
        f"Maximum policy size of 10240 bytes exceeded for role {ROLE}",
    ),
    # AttachRolePolicy API reference: NoSuchEntity for a policy that does not exist
    (
        "attach-unknown-managed-policy",
        lambda w: w.iam.attach_role_policy(
            RoleName=ROLE, PolicyArn="arn:aws:iam::aws:policy/AmazonPersonaliseFullAccess"
        ),
        "NoSuchEntity",
        404,
        "AmazonPersonaliseFullAccess does not exist",
    ),
    ("role-not-found", lambda w: w.iam.get_role(RoleName="nobody"), "NoSuchEntity", 404, "nobody"),
    (
        "detach-not-attached",
        lambda w: w.iam.detach_role_policy(
            RoleName=ROLE, PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
        ),
        "NoSuchEntity",
        404,
        "AmazonS3ReadOnlyAccess",
    ),
    (
        "max-items-1001",
        lambda w: w.iam.list_roles(MaxItems=1001),
        "ValidationError",
        400,
        "less than or equal to 1000",
    ),
]

PERSONALIZE_CASES: list[Case] = [
    (
        "group-name-64",
        lambda w: w.personalize.create_dataset_group(name="g" * 64),
        "InvalidInputException",
        400,
        "less than or equal to 63",
    ),
    (
        "group-name-pattern",
        lambda w: w.personalize.create_dataset_group(name="bad name!"),
        "InvalidInputException",
        400,
        "Value 'bad name!' at 'name'",
    ),
    (
        "group-name-leading-dash",
        lambda w: w.personalize.create_dataset_group(name="-group"),
        "InvalidInputException",
        400,
        "regular expression pattern",
    ),
    (
        "group-domain-enum",
        lambda w: w.personalize.create_dataset_group(name="g", domain="RETAIL"),
        "InvalidInputException",
        400,
        "[ECOMMERCE, VIDEO_ON_DEMAND]",
    ),
    (
        "group-role-arn",
        lambda w: w.personalize.create_dataset_group(name="g", roleArn="role/personalize"),
        "InvalidInputException",
        400,
        "at 'roleArn'",
    ),
    (
        "group-51-tags",
        lambda w: w.personalize.create_dataset_group(
            name="g", tags=[{"tagKey": f"k{i}", "tagValue": "v"} for i in range(51)]
        ),
        "TooManyTagsException",
        400,
        "51 tags",
    ),
    (
        "group-tag-key-pattern",
        lambda w: w.personalize.create_dataset_group(name="g", tags=[{"tagKey": "a#b", "tagValue": "v"}]),
        "InvalidInputException",
        400,
        "tags.1.member.tagKey",
    ),
    (
        "group-exists",
        lambda w: w.personalize.create_dataset_group(name=GROUP),
        "ResourceAlreadyExistsException",
        400,
        GROUP,
    ),
    (
        "schema-20001",
        lambda w: w.personalize.create_schema(name="s", schema=" " * 20_001),
        "InvalidInputException",
        400,
        "less than or equal to 20000",
    ),
    (
        "schema-not-json",
        lambda w: w.personalize.create_schema(name="s", schema="{record"),
        "InvalidInputException",
        400,
        "not valid JSON",
    ),
    (
        "schema-bad-type",
        lambda w: w.personalize.create_schema(
            name="s",
            schema=json.dumps(
                {"type": "record", "name": "I", "fields": [{"name": "USER_ID", "type": "date"}]}
            ),
        ),
        "InvalidInputException",
        400,
        "USER_ID",
    ),
    (
        "list-101",
        lambda w: w.personalize.list_dataset_groups(maxResults=101),
        "InvalidInputException",
        400,
        "less than or equal to 100",
    ),
    (
        "bad-next-token",
        lambda w: w.personalize.list_dataset_groups(nextToken="garbage"),
        "InvalidNextTokenException",
        400,
        "garbage",
    ),
    (
        "describe-not-arn",
        lambda w: w.personalize.describe_dataset_group(datasetGroupArn="my-group"),
        "InvalidInputException",
        400,
        "Value 'my-group' at 'datasetGroupArn'",
    ),
    (
        "describe-missing",
        lambda w: w.personalize.describe_dataset_group(datasetGroupArn=w.group_arn + "x"),
        "ResourceNotFoundException",
        400,
        GROUP + "x",
    ),
    (
        "import-ftp-location",
        lambda w: w.personalize.create_dataset_import_job(
            jobName="j",
            datasetArn=w.group_arn,
            dataSource={"dataLocation": "ftp://host/x.csv"},
            roleArn=ROLE_ARN,
        ),
        "InvalidInputException",
        400,
        "at 'dataSource.dataLocation'",
    ),
    (
        "import-mode-enum",
        lambda w: w.personalize.create_dataset_import_job(
            jobName="j",
            datasetArn=w.group_arn,
            dataSource={"dataLocation": f"s3://{BUCKET}/data.csv"},
            roleArn=ROLE_ARN,
            importMode="PARTIAL",
        ),
        "InvalidInputException",
        400,
        "[FULL, INCREMENTAL]",
    ),
    (
        "recipes-domain-enum",
        lambda w: w.personalize.list_recipes(domain="SHOP"),
        "InvalidInputException",
        400,
        "at 'domain'",
    ),
    (
        "recommender-name-64",
        lambda w: w.personalize.create_recommender(
            name="r" * 64,
            datasetGroupArn=w.group_arn,
            recipeArn="arn:aws:personalize:::recipe/aws-ecomm-popular-items-by-views",
        ),
        "InvalidInputException",
        400,
        "at 'name'",
    ),
    (
        "recommender-four-excluded-datasets",
        lambda w: w.personalize.create_recommender(
            name="r",
            datasetGroupArn=w.group_arn,
            recipeArn="arn:aws:personalize:::recipe/aws-ecomm-popular-items-by-views",
            recommenderConfig={
                "trainingDataConfig": {"excludedDatasetColumns": {k: [] for k in ("A", "B", "C", "D")}}
            },
        ),
        "InvalidInputException",
        400,
        "recommenderConfig.trainingDataConfig.excludedDatasetColumns",
    ),
    (
        "runtime-context-key",
        lambda w: w.runtime.get_recommendations(
            recommenderArn=RECOMMENDER, userId="u1", context={"device type": "phone"}
        ),
        "InvalidInputException",
        400,
        "context.device type.key",
    ),
    (
        "runtime-26-filter-values",
        lambda w: w.runtime.get_recommendations(
            recommenderArn=RECOMMENDER, userId="u1", filterValues={f"K{i}": '"v"' for i in range(26)}
        ),
        "InvalidInputException",
        400,
        "at 'filterValues'",
    ),
    (
        "runtime-arn-pattern",
        lambda w: w.runtime.get_recommendations(recommenderArn="recommender/none", userId="u1"),
        "InvalidInputException",
        400,
        "at 'recommenderArn'",
    ),
    (
        "runtime-user-id-257",
        lambda w: w.runtime.get_recommendations(recommenderArn=RECOMMENDER, userId="u" * 257),
        "InvalidInputException",
        400,
        "at 'userId'",
    ),
    *(
        (f"malformed-arn-{name}", call, "InvalidInputException", 400, "not a valid Personalize ARN")
        for name, call in (
            # each ARN satisfies the model's pattern arn:([a-z\d-]+):personalize:.*:.*:.+
            ("no-name", lambda w: w.personalize.describe_dataset_group(datasetGroupArn=NO_NAME)),
            ("no-region", lambda w: w.personalize.describe_recommender(recommenderArn=NO_REGION)),
            ("short-account", lambda w: w.personalize.delete_recommender(recommenderArn=SHORT_ACCOUNT)),
            (
                "create-dataset",
                lambda w: w.personalize.create_dataset(
                    name="d", datasetType="Interactions", datasetGroupArn=NO_NAME, schemaArn=NO_NAME
                ),
            ),
            (
                "import",
                lambda w: w.personalize.create_dataset_import_job(
                    jobName="j",
                    datasetArn=NO_REGION,
                    dataSource={"dataLocation": f"s3://{BUCKET}/data.csv"},
                    roleArn=ROLE_ARN,
                ),
            ),
            ("list-filter", lambda w: w.personalize.list_datasets(datasetGroupArn=NO_NAME)),
            ("tags", lambda w: w.personalize.list_tags_for_resource(resourceArn=SHORT_ACCOUNT)),
            (
                "event-tracker",
                lambda w: w.personalize.create_event_tracker(name="t", datasetGroupArn=NO_REGION),
            ),
            (
                "recommender",
                lambda w: w.personalize.create_recommender(
                    name="r",
                    datasetGroupArn=NO_NAME,
                    recipeArn="arn:aws:personalize:::recipe/aws-ecomm-popular-items-by-views",
                ),
            ),
            ("runtime", lambda w: w.runtime.get_recommendations(recommenderArn=NO_NAME, userId="u1")),
        )
    ),
]

USER_PERSONALIZATION = "arn:aws:personalize:::recipe/aws-user-personalization"


def _solution(w: World, **config: Any) -> Any:
    return w.personalize.create_solution(
        name="s", datasetGroupArn=w.group_arn, recipeArn=USER_PERSONALIZATION, solutionConfig=config
    )


SOLUTION_CASES: list[Case] = [
    # Amazon Personalize endpoints and quotas: at most 10 distinct dataset fields in one filter
    (
        "filter-11-fields",
        lambda w: w.personalize.create_filter(
            name="f",
            datasetGroupArn=w.group_arn,
            filterExpression="INCLUDE ItemID WHERE " + " AND ".join(f"Items.F{i} < 1" for i in range(11)),
        ),
        "InvalidInputException",
        400,
        "at most 10 distinct dataset fields",
    ),
    # API reference, HPOResourceConfig: "The maximum value for maxNumberOfTrainingJobs is 40."
    (
        "hpo-41-training-jobs",
        lambda w: _solution(w, hpoConfig={"hpoResourceConfig": {"maxNumberOfTrainingJobs": "41"}}),
        "InvalidInputException",
        400,
        "maxNumberOfTrainingJobs must be an integer from 1 to 40",
    ),
    # API reference, HPOResourceConfig: "The maximum value for maxParallelTrainingJobs is 10."
    (
        "hpo-11-parallel-jobs",
        lambda w: _solution(w, hpoConfig={"hpoResourceConfig": {"maxParallelTrainingJobs": "11"}}),
        "InvalidInputException",
        400,
        "maxParallelTrainingJobs must be an integer from 1 to 10",
    ),
    # API reference, AutoTrainingConfig: "For value, specify a number between 1 and 30."
    *(
        (
            f"auto-training-rate-{days}-days",
            lambda w, days=days: _solution(
                w, autoTrainingConfig={"schedulingExpression": f"rate({days} days)"}
            ),
            "InvalidInputException",
            400,
            "solutionConfig.autoTrainingConfig.schedulingExpression",
        )
        for days in (0, 31)
    ),
]

RECORD_CASES: list[Case] = [
    # Avro specification (the guide's "Creating schema JSON files"): int 32-bit, long 64-bit signed
    (
        "put-users-int-overflow",
        lambda w: _put_user(w, age=2**31),
        "InvalidInputException",
        400,
        "AGE value 2147483648 is not an int",
    ),
    (
        "put-users-long-overflow",
        lambda w: _put_user(w, joined=-(2**63) - 1),
        "InvalidInputException",
        400,
        "JOINED value -9223372036854775809 is not a long",
    ),
    # Amazon Personalize endpoints and quotas: categorical values of at most 1,000 characters
    (
        "put-users-categorical-1001",
        lambda w: _put_user(w, membership="g" * 1001),
        "InvalidInputException",
        400,
        "MEMBERSHIP value is longer than 1,000 characters",
    ),
]

CASES = S3_CASES + SSM_CASES + IAM_CASES + PERSONALIZE_CASES + SOLUTION_CASES + RECORD_CASES


def test_bad_input__at_least_sixty_distinct_cases():
    ids = [case[0] for case in CASES]
    assert len(ids) == len(set(ids)) >= 60


@pytest.mark.parametrize(
    ("call", "code", "status", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input(world, call, code, status, message):
    before = snapshot(world.store)
    assert_error(lambda: call(world), code, status, message)
    assert snapshot(world.store) == before

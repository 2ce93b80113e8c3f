"""Probe the local backend's refusals: bad (and borderline good) input as a new user types it.

Each case is one call through a real boto3 client on a fresh activated state, with what AWS
answers according to its documentation (the source is named beside each case): a refusal
(error code and HTTP status) or an acceptance. The probe counts the cases answered as AWS does,
the crashes (an exception that is not an AWS error answer) and, for every refusal, whether the
state (documents, pending jobs, files) is exactly what it was before the call. The values
differ from those of ``tests/contract/test_bad_input.py`` where they can: a held-out check of the
same rules. Run from the repository root (about a minute on 2 cores)::

    .venv/bin/python bench/probe_refusals.py

It prints each case that is not answered as AWS does, then
``N of M answered as AWS does, K crashes, state unchanged on every refusal``, and writes
``bench/results/probe_refusals.json``.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.exceptions

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from helpers import aws, config, localaws  # noqa: E402
from helpers.localaws.engine import jobs  # noqa: E402
from tests.contract import shop  # noqa: E402
from tests.contract.conftest import snapshot, wait_for  # noqa: E402
from tests.contract.test_solutions import make_solution, train  # noqa: E402

RESULTS = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench" / "results") / "probe_refusals.json"
BUCKET = shop.BUCKET
RECIPE = "arn:aws:personalize:::recipe/"
ACCEPT = ("accept", None)
"""The expectation of a call AWS answers with success."""


@dataclass(frozen=True)
class Case:
    """One probe: its rule class, an id, the call, and what AWS answers (its source in ``source``)."""

    rule: str
    name: str
    call: Callable[[], Any]
    expected: tuple[str, int | None]
    source: str


def _refuse(code: str, status: int = 400) -> tuple[str, int]:
    return code, status


def _outcome(call: Callable[[], Any]) -> tuple[tuple[str, int | None], str]:
    """``(error code, HTTP status)`` and message of a refused call; ``ACCEPT`` of a successful one."""
    try:
        call()
    except botocore.exceptions.ClientError as err:
        response = err.response
        return (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]), response[
            "Error"
        ].get("Message", "")
    return ACCEPT, ""


def _world(root: Path) -> dict[str, Any]:
    """The resources the cases refer to: a bucket, a parameter, a role, two dataset groups,
    trained solution versions, and ACTIVE filters."""
    aws.activate("local", root)
    s3, ssm, iam, personalize = (aws.client(n) for n in ("s3", "ssm", "iam", "personalize"))
    group = shop.make_group(personalize, s3, shop.rows(), domain=None)[0]
    shop.add_items(personalize, s3, group)
    versions = {
        key: train(personalize, make_solution(personalize, group, RECIPE + recipe, name=key))[
            "solutionVersionArn"
        ]
        for key, recipe in (
            ("personal", "aws-user-personalization"),
            ("affinity", "aws-item-affinity"),
            ("attribute", "aws-item-attribute-affinity"),
        )
    }
    s3.put_object(Bucket=BUCKET, Key="kept.csv", Body=b"ITEM_ID\nx\n")
    s3.put_object(Bucket=BUCKET, Key="in.json", Body=b'{"itemId": "a1"}\n')
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key="mp")["UploadId"]
    s3.upload_part(Bucket=BUCKET, Key="mp", UploadId=upload, PartNumber=1, Body=b"x")
    ssm.put_parameter(Name="/probe/p", Value="one", Type="String")
    ssm.put_parameter(Name="/probe/p", Value="two", Overwrite=True)
    trust = {
        "Effect": "Allow",
        "Principal": {"Service": "personalize.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    iam.create_role(RoleName="probe", AssumeRolePolicyDocument=_policy(trust))
    wide = shop.make_group(personalize, s3, name="wide", domain=None)[0]
    fields = [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "STOCK", "type": "int"},
        {"name": "ADDED", "type": "long"},
    ]
    fields += [{"name": f"F{i}", "type": ["null", "float"]} for i in range(22)]
    fields += [{"name": "COLOUR", "type": ["null", "string"], "categorical": True}]
    schema = json.dumps({"type": "record", "name": "Items", "fields": fields, "version": "1.0"})
    schema_arn = personalize.create_schema(name="wide-items", schema=schema)["schemaArn"]
    items = personalize.create_dataset(
        name="wide-items", datasetType="Items", datasetGroupArn=wide, schemaArn=schema_arn
    )["datasetArn"]
    wait_for(personalize.describe_dataset, "dataset", datasetArn=items)
    buyers = personalize.create_filter(
        name="buyers",
        datasetGroupArn=group,
        filterExpression='INCLUDE UserID WHERE Interactions.EVENT_TYPE IN ("Purchase")',
    )["filterArn"]
    wait_for(personalize.describe_filter, "filter", filterArn=buyers)
    return {"group": group, "wide": wide, "items": items, "upload": upload, "buyers": buyers, **versions}


def _policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _fields(numbers: range, op: str = "<") -> str:
    return "INCLUDE ItemID WHERE " + " AND ".join(f"Items.F{i} {op} 1" for i in numbers)


def _cases(w: dict[str, Any]) -> list[Case]:
    s3, ssm, iam = aws.client("s3"), aws.client("ssm"), aws.client("iam")
    personalize, events = aws.client("personalize"), aws.client("personalize-events")
    etag = s3.head_object(Bucket=BUCKET, Key="kept.csv")["ETag"]
    past, future = datetime.datetime(2000, 6, 1), datetime.datetime(2990, 6, 1)
    arn_prefix = len(f"arn:aws:ssm:{config.REGION}:123456789012:parameter")
    invalid, too_many = _refuse("InvalidInputException"), _refuse("LimitExceeded", 409)
    malformed = _refuse("MalformedPolicyDocument")

    def solution(name: str, **config: Any) -> Any:
        return personalize.create_solution(
            name=name, datasetGroupArn=w["group"], recipeArn=RECIPE + "aws-sims", solutionConfig=config
        )

    def hpo(**resources: str) -> dict:
        return {"hpoConfig": {"hpoResourceConfig": resources}}

    def rate(days: str) -> dict:
        return {"autoTrainingConfig": {"schedulingExpression": f"rate({days})"}}

    def put_item(**properties: Any) -> Any:
        return events.put_items(
            datasetArn=w["items"], items=[{"itemId": "i", "properties": json.dumps(properties)}]
        )

    def inline(document: str, name: str = "p") -> Any:
        return iam.put_role_policy(RoleName="probe", PolicyName=name, PolicyDocument=document)

    read = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}
    trust = {
        "Effect": "Allow",
        "Principal": {"Service": "personalize.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }

    def segment(name: str, version: str) -> Any:
        return personalize.create_batch_segment_job(
            jobName=name,
            solutionVersionArn=w[version],
            filterArn=w["buyers"],
            jobInput={"s3DataSource": {"path": f"s3://{BUCKET}/in.json"}},
            jobOutput={"s3DataDestination": {"path": f"s3://{BUCKET}/out/"}},
            roleArn=shop.ROLE,
        )

    hpo_ref = "API reference, HPOResourceConfig"
    auto_ref = "API reference, AutoTrainingConfig"
    quota_ref = "Developer guide, Amazon Personalize endpoints and quotas"
    elements = "Developer guide, Filter expression structure and elements"
    ssm_put, ssm_get = "API reference, SSM PutParameter", "API reference, SSM GetParameter"
    cond = "S3 user guide, Conditional requests"
    meta = "S3 user guide, Working with object metadata (user-defined metadata: 2 KB)"
    complete = "S3 CompleteMultipartUpload (MalformedXML: a body outside the schema)"
    grammar = "IAM user guide, IAM JSON policy element reference"
    iam_quota = "IAM user guide, IAM and AWS STS quotas"
    return [
        Case(
            "hpo",
            "50-training-jobs",
            lambda: solution("h1", **hpo(maxNumberOfTrainingJobs="50")),
            invalid,
            hpo_ref,
        ),
        Case(
            "hpo",
            "40-training-jobs",
            lambda: solution("h2", **hpo(maxNumberOfTrainingJobs="40")),
            ACCEPT,
            hpo_ref,
        ),
        Case(
            "hpo",
            "12-parallel-jobs",
            lambda: solution("h3", **hpo(maxParallelTrainingJobs="12")),
            invalid,
            hpo_ref,
        ),
        Case(
            "hpo",
            "10-parallel-jobs",
            lambda: solution("h4", **hpo(maxParallelTrainingJobs="10")),
            ACCEPT,
            hpo_ref,
        ),
        Case("auto-training", "45-days", lambda: solution("a1", **rate("45 days")), invalid, auto_ref),
        Case("auto-training", "1-day", lambda: solution("a2", **rate("1 day")), ACCEPT, auto_ref),
        Case("auto-training", "30-days", lambda: solution("a3", **rate("30 days")), ACCEPT, auto_ref),
        Case(
            "auto-training",
            "update-60-days",
            lambda: personalize.update_solution(
                solutionArn=w["personal"].rsplit("/", 1)[0], solutionUpdateConfig=rate("60 days")
            ),
            invalid,
            auto_ref,
        ),
        Case(
            "filter",
            "not-equal",
            lambda: personalize.create_filter(
                name="ne", datasetGroupArn=w["wide"], filterExpression=_fields(range(1), "!=")
            ),
            ACCEPT,
            elements,
        ),
        Case(
            "filter",
            "7-fields",
            lambda: personalize.create_filter(
                name="seven", datasetGroupArn=w["wide"], filterExpression=_fields(range(7))
            ),
            ACCEPT,
            quota_ref,
        ),
        Case(
            "filter",
            "12-fields",
            lambda: personalize.create_filter(
                name="twelve", datasetGroupArn=w["wide"], filterExpression=_fields(range(12))
            ),
            invalid,
            quota_ref,
        ),
        Case(
            "filter",
            "group-20-fields",
            lambda: personalize.create_filter(
                name="next", datasetGroupArn=w["wide"], filterExpression=_fields(range(10, 20))
            ),
            ACCEPT,
            quota_ref,
        ),
        Case(
            "filter",
            "group-3-more-fields",
            lambda: personalize.create_filter(
                name="three", datasetGroupArn=w["wide"], filterExpression=_fields(range(7, 10))
            ),
            ACCEPT,
            quota_ref,
        ),
        Case(
            "filter",
            "group-21st-field",
            lambda: personalize.create_filter(
                name="more", datasetGroupArn=w["wide"], filterExpression=_fields(range(20, 21))
            ),
            invalid,
            quota_ref,
        ),
        Case(
            "put-items",
            "int-2**31",
            lambda: put_item(stock=2**31, added=1),
            invalid,
            "Avro specification: int",
        ),
        Case(
            "put-items",
            "int--2**31",
            lambda: put_item(stock=-(2**31), added=1),
            ACCEPT,
            "Avro specification: int",
        ),
        Case(
            "put-items",
            "long-2**63",
            lambda: put_item(stock=1, added=2**63),
            invalid,
            "Avro specification: long",
        ),
        Case(
            "put-items",
            "long-2**62",
            lambda: put_item(stock=1, added=2**62),
            ACCEPT,
            "Avro specification: long",
        ),
        Case(
            "put-items",
            "categorical-1001",
            lambda: put_item(stock=1, added=1, colour="r" * 1001),
            invalid,
            quota_ref,
        ),
        Case(
            "put-items",
            "categorical-1000",
            lambda: put_item(stock=1, added=1, colour="r" * 1000),
            ACCEPT,
            quota_ref,
        ),
        Case(
            "ssm",
            "name-1012-with-arn",
            lambda: ssm.put_parameter(Name="/" + "n" * (1011 - arn_prefix), Value="v", Type="String"),
            _refuse("ValidationException"),
            ssm_put,
        ),
        Case(
            "ssm",
            "name-1011-with-arn",
            lambda: ssm.put_parameter(Name="/" + "n" * (1010 - arn_prefix), Value="v", Type="String"),
            ACCEPT,
            ssm_put,
        ),
        Case(
            "ssm",
            "data-type-string",
            lambda: ssm.put_parameter(Name="/probe/d", Value="v", Type="String", DataType="string"),
            _refuse("ValidationException"),
            ssm_put,
        ),
        Case(
            "ssm",
            "data-type-text",
            lambda: ssm.put_parameter(Name="/probe/t", Value="v", Type="String", DataType="text"),
            ACCEPT,
            ssm_put,
        ),
        Case("ssm", "version-1", lambda: ssm.get_parameter(Name="/probe/p:1"), ACCEPT, ssm_get),
        Case(
            "ssm",
            "versions-in-get-parameters",
            lambda: ssm.get_parameters(Names=["/probe/p:2"]),
            ACCEPT,
            ssm_get,
        ),
        Case(
            "ssm",
            "version-9",
            lambda: ssm.get_parameter(Name="/probe/p:9"),
            _refuse("ParameterVersionNotFound"),
            ssm_get,
        ),
        Case(
            "s3",
            "get-if-match-other",
            lambda: s3.get_object(Bucket=BUCKET, Key="kept.csv", IfMatch='"abc"'),
            _refuse("PreconditionFailed", 412),
            cond,
        ),
        Case(
            "s3",
            "get-if-match-same",
            lambda: s3.get_object(Bucket=BUCKET, Key="kept.csv", IfMatch=etag),
            ACCEPT,
            cond,
        ),
        Case(
            "s3",
            "get-if-none-match-same",
            lambda: s3.get_object(Bucket=BUCKET, Key="kept.csv", IfNoneMatch=etag),
            _refuse("304", 304),
            cond,
        ),
        Case(
            "s3",
            "get-if-modified-since-later",
            lambda: s3.get_object(Bucket=BUCKET, Key="kept.csv", IfModifiedSince=future),
            _refuse("304", 304),
            cond,
        ),
        Case(
            "s3",
            "get-if-unmodified-since-earlier",
            lambda: s3.get_object(Bucket=BUCKET, Key="kept.csv", IfUnmodifiedSince=past),
            _refuse("PreconditionFailed", 412),
            cond,
        ),
        Case(
            "s3",
            "head-if-none-match-same",
            lambda: s3.head_object(Bucket=BUCKET, Key="kept.csv", IfNoneMatch=etag),
            _refuse("304", 304),
            cond,
        ),
        Case(
            "s3",
            "put-if-none-match-existing",
            lambda: s3.put_object(Bucket=BUCKET, Key="kept.csv", Body=b"y", IfNoneMatch="*"),
            _refuse("PreconditionFailed", 412),
            cond,
        ),
        Case(
            "s3",
            "put-if-none-match-new",
            lambda: s3.put_object(Bucket=BUCKET, Key="fresh.csv", Body=b"y", IfNoneMatch="*"),
            ACCEPT,
            cond,
        ),
        Case(
            "s3",
            "put-if-match-other",
            lambda: s3.put_object(Bucket=BUCKET, Key="kept.csv", Body=b"y", IfMatch='"abc"'),
            _refuse("PreconditionFailed", 412),
            cond,
        ),
        Case(
            "s3",
            "metadata-2049-bytes",
            lambda: s3.put_object(Bucket=BUCKET, Key="m", Body=b"", Metadata={"a": "b" * 2048}),
            _refuse("MetadataTooLarge"),
            meta,
        ),
        Case(
            "s3",
            "metadata-2048-bytes",
            lambda: s3.put_object(Bucket=BUCKET, Key="m", Body=b"", Metadata={"a": "b" * 2047}),
            ACCEPT,
            meta,
        ),
        Case(
            "s3",
            "complete-without-parts",
            lambda: s3.complete_multipart_upload(
                Bucket=BUCKET, Key="mp", UploadId=w["upload"], MultipartUpload={"Parts": []}
            ),
            _refuse("MalformedXML"),
            complete,
        ),
        Case(
            "s3",
            "complete-part-without-etag",
            lambda: s3.complete_multipart_upload(
                Bucket=BUCKET, Key="mp", UploadId=w["upload"], MultipartUpload={"Parts": [{"PartNumber": 1}]}
            ),
            _refuse("MalformedXML"),
            complete,
        ),
        Case(
            "iam",
            "action-without-prefix",
            lambda: inline(_policy(dict(read, Action="ListBucket"))),
            malformed,
            grammar,
        ),
        Case(
            "iam",
            "resource-not-arn",
            lambda: inline(_policy(dict(read, Resource=f"{BUCKET}/*"))),
            malformed,
            grammar,
        ),
        Case("iam", "sid-with-hyphen", lambda: inline(_policy(dict(read, Sid="read-1"))), malformed, grammar),
        Case("iam", "sid-alphanumeric", lambda: inline(_policy(dict(read, Sid="Read1"))), ACCEPT, grammar),
        Case("iam", "action-star", lambda: inline(_policy(dict(read, Action="*")), "star"), ACCEPT, grammar),
        Case(
            "iam",
            "trust-2100-characters",
            lambda: iam.create_role(
                RoleName="long-trust",
                AssumeRolePolicyDocument=_policy(
                    dict(trust, Condition={"StringLike": {"aws:SourceArn": "a" * 2100}})
                ),
            ),
            too_many,
            iam_quota,
        ),
        Case(
            "iam",
            "inline-11000-characters",
            lambda: inline(
                _policy(dict(read, Resource=[f"arn:aws:s3:::{BUCKET}/{i:06d}" for i in range(400)])), "big"
            ),
            too_many,
            iam_quota,
        ),
        Case(
            "iam",
            "attach-misspelt-managed-policy",
            lambda: iam.attach_role_policy(
                RoleName="probe", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAcess"
            ),
            _refuse("NoSuchEntity", 404),
            "API reference, IAM AttachRolePolicy",
        ),
        Case(
            "iam",
            "attach-managed-policy",
            lambda: iam.attach_role_policy(
                RoleName="probe", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
            ),
            ACCEPT,
            "API reference, IAM AttachRolePolicy",
        ),
        Case(
            "segment-job",
            "attribute-affinity-interactions-filter",
            lambda: segment("a", "attribute"),
            invalid,
            "Developer guide, Filter guidelines and requirements",
        ),
        Case(
            "segment-job",
            "item-affinity-interactions-filter",
            lambda: segment("b", "affinity"),
            ACCEPT,
            "Developer guide, Filter guidelines and requirements",
        ),
    ]


BATCH_LINES = [
    ("userId-NaN", '{"userId": NaN}', False),
    ("userId-number", '{"userId": 17}', False),
    ("userId-Infinity", '{"userId": "u1", "x": Infinity}', False),
    ("userId-string", '{"userId": "u1"}', True),
]
"""(id, input line, whether AWS answers it) for one batch inference job."""
BATCH_SOURCE = (
    "RFC 8259 (NaN, Infinity are not JSON); developer guide, Preparing input data for batch recommendations"
)


def _batch_cases(w: dict[str, Any]) -> list[tuple[str, bool, bool]]:
    """``(id, answered as AWS does, crashed)`` per batch input line, from one real job's output."""
    s3, personalize = aws.client("s3"), aws.client("personalize")
    s3.put_object(
        Bucket=BUCKET, Key="batch/in.json", Body="\n".join(line for _, line, _ in BATCH_LINES).encode()
    )
    arn = personalize.create_batch_inference_job(
        jobName="probe",
        solutionVersionArn=w["personal"],
        jobInput={"s3DataSource": {"path": f"s3://{BUCKET}/batch/in.json"}},
        jobOutput={"s3DataDestination": {"path": f"s3://{BUCKET}/batch/out/"}},
        roleArn=shop.ROLE,
    )["batchInferenceJobArn"]
    job = wait_for(
        personalize.describe_batch_inference_job, "batchInferenceJob", batchInferenceJobArn=arn, timeout=120
    )
    if job["status"] != "ACTIVE":
        return [(name, False, True) for name, _, _ in BATCH_LINES]
    body = s3.get_object(Bucket=BUCKET, Key="batch/out/in.json.out")["Body"].read().decode()
    rows = [json.loads(line) for line in body.splitlines()]
    return [
        (name, (row["output"] is not None) == answered, False)
        for (name, _, answered), row in zip(BATCH_LINES, rows, strict=True)
    ]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        world = _world(Path(tmp) / "state")
        store = localaws.store()
        report, crashes, changed = [], 0, []
        for case in _cases(world):
            jobs.wait_idle(60)  # the work an accepted call started settles before the next case
            before = snapshot(store)
            try:
                got, message = _outcome(case.call)
            except Exception as exc:  # noqa: BLE001 - a crash is what the probe counts
                got, message, crashes = ("crash", None), f"{type(exc).__name__}: {exc}"[:200], crashes + 1
            ok = got == case.expected
            if case.expected != ACCEPT and snapshot(store) != before:
                changed.append(case.name)
            report.append(
                {
                    "rule": case.rule,
                    "case": case.name,
                    "expected": case.expected,
                    "got": got,
                    "message": message,
                    "ok": ok,
                    "source": case.source,
                }
            )
        for name, ok, crashed in _batch_cases(world):
            crashes += crashed
            report.append({"rule": "batch-lines", "case": name, "ok": ok, "source": BATCH_SOURCE})
        jobs.wait_idle(60)
    for row in report:
        if not row["ok"]:
            print(f"  {row['rule']}/{row['case']}: expected {row.get('expected')}, got {row.get('got')}")
    n, m = sum(r["ok"] for r in report), len(report)
    unchanged = (
        "state unchanged on every refusal" if not changed else f"state changed by {', '.join(changed)}"
    )
    summary = f"{n} of {m} answered as AWS does, {crashes} crashes, {unchanged}"
    RESULTS.write_text(json.dumps({"summary": summary, "cases": report}, indent=1, default=str) + "\n")
    print(summary)
    return 0 if n == m and not crashes and not changed else 1


if __name__ == "__main__":
    sys.exit(main())

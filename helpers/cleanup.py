"""Delete everything the series created, in dependency order, and list what is left.

On AWS this is what stops the bill: recommenders and campaigns bill every hour they are ACTIVE,
S3 bills storage. Only the series' resources are touched:

- Personalize dataset groups named ``config.PROJECT`` or ``<PROJECT>-…``, with *everything in
  them* (a dataset group cannot be deleted while it holds anything), and schemas named the same way;
- the series' S3 bucket (``aws.default_bucket()``), its objects first;
- SSM parameters under ``/<PROJECT>``;
- IAM roles named ``<PROJECT>-…``, their managed policies detached and inline policies deleted first.

Inside a dataset group the order is the one Personalize requires: recommenders, campaigns, event
trackers, filters, the metric attribution (it bills CloudWatch per metric), batch jobs' outputs,
solutions, datasets, then the group itself. Each kind's
deletions are requested together (a resource that is busy — being created, updated, stopped or
still importing — is asked again until it settles) and then awaited until its describe call
answers ResourceNotFoundException, so on AWS the waits overlap. CREATE FAILED and INACTIVE
resources are deleted like ACTIVE ones; resources already gone are reported as such, so running it
twice is safe.

Every call is plain boto3, so it runs unchanged on AWS. A kind the local backend does not emulate
(its List call raises ``NotEmulatedError``) cannot exist in the local state: it is reported as
skipped, and every other error is raised. Batch inference and batch segment jobs have no delete
operation (they bill nothing once done); their outputs in S3 are deleted. Buckets with versioning
and incomplete multipart uploads are not handled: the series creates neither.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import botocore.exceptions
from botocore import xform_name

from helpers import aws, config
from helpers.localaws.engine.errors import NotEmulatedError

DELETED, GONE, SKIPPED = "deleted", "already gone", "skipped: not emulated by the local backend"
"""Actions a report row can show."""


@dataclass(frozen=True)
class Kind:
    """A Personalize resource kind, named as its operations are: ``delete_<name>``, ``list_<plural>``.

    Attributes:
        name: ``recommender``, ``event_tracker`` … (the snake_case part of the operation names).
        plural: the List answer's member, e.g. ``eventTrackers``.
        parent: the List call's parent parameter (``datasetGroupArn`` or ``solutionArn``).
    """

    name: str
    plural: str
    parent: str | None = "datasetGroupArn"

    @property
    def arn_key(self) -> str:
        """The ARN's member name, e.g. ``eventTrackerArn``."""
        head, *rest = self.name.split("_")
        return head + "".join(word.capitalize() for word in rest) + "Arn"

    @property
    def label(self) -> str:
        """The kind in words, e.g. ``event tracker``."""
        return self.name.replace("_", " ")


RECOMMENDER = Kind("recommender", "recommenders")
CAMPAIGN = Kind("campaign", "campaigns", parent="solutionArn")
EVENT_TRACKER = Kind("event_tracker", "eventTrackers")
FILTER = Kind("filter", "Filters")  # sic: ListFilters answers "Filters"
METRIC_ATTRIBUTION = Kind("metric_attribution", "metricAttributions")
SOLUTION = Kind("solution", "solutions")
DATASET = Kind("dataset", "datasets")
DATASET_GROUP = Kind("dataset_group", "datasetGroups", parent=None)
SCHEMA = Kind("schema", "schemas", parent=None)

SOLUTION_VERSION = Kind("solution_version", "solutionVersions", parent="solutionArn")
BATCH_JOBS = (
    Kind("batch_inference_job", "batchInferenceJobs", parent="solutionVersionArn"),
    Kind("batch_segment_job", "batchSegmentJobs", parent="solutionVersionArn"),
)
"""Batch jobs have no Delete operation: cleanup waits for them to end and deletes their outputs."""
_SETTLED = ("ACTIVE", "CREATE FAILED", "CREATE STOPPED")


def is_ours(name: str) -> bool:
    """Whether a resource name is one the series gives: ``config.PROJECT`` or ``<PROJECT>-…``."""
    return name == config.PROJECT or name.startswith(f"{config.PROJECT}-")


def _row(kind: str, name: str, action: str) -> dict:
    return {"kind": kind, "name": name, "action": action}


def _pages(client: Any, operation: str, member: str, **params: Any) -> list:
    """Every item of a paginated List call."""
    return [item for page in client.get_paginator(operation).paginate(**params) for item in page[member]]


def _list(personalize: Any, operation: str, member: str, **params: Any) -> list[dict] | None:
    """Every item of a Personalize List call; None if the local backend does not emulate it."""
    try:
        return _pages(personalize, operation, member, **params)
    except NotEmulatedError:
        return None  # the local backend cannot have created what it cannot list


def list_resources(personalize: Any, kind: Kind, parent_arn: str | None = None) -> list[dict] | None:
    """The resources of one kind (in a parent), as their List call gives them; None if not emulated."""
    params = {kind.parent: parent_arn} if kind.parent else {}
    return _list(personalize, f"list_{xform_name(kind.plural)}", kind.plural, **params)


def series_dataset_groups(personalize: Any) -> list[dict]:
    """The series' dataset groups (by name), sorted by name."""
    groups = list_resources(personalize, DATASET_GROUP) or []
    return sorted((g for g in groups if is_ours(g["name"])), key=lambda g: g["name"])


def delete_resources(
    personalize: Any, kind: Kind, resources: Iterable[dict], timeout: float = 3600.0
) -> list[dict]:
    """Delete Personalize resources of one kind and wait until every one is gone.

    Args:
        personalize: a boto3 Personalize client.
        kind: their kind.
        resources: their summaries (each holds ``kind.arn_key`` and ``name``).
        timeout: seconds to wait for a busy resource to settle, and then for each deletion.

    Returns:
        One report row per resource: ``{"kind", "name", "action"}`` with action ``deleted`` or
        ``already gone``.

    Raises:
        TimeoutError: a resource stayed busy (ResourceInUseException) or was not gone in time.
        RuntimeError: a deletion ended DELETE FAILED.
    """
    delete = getattr(personalize, f"delete_{kind.name}")
    describe = getattr(personalize, f"describe_{kind.name}")
    rows, requested = [], []
    waiting = sorted(resources, key=lambda r: r["name"])
    deadline = time.monotonic() + timeout
    while waiting:
        busy = []
        for resource in waiting:
            try:
                delete(**{kind.arn_key: resource[kind.arn_key]})
                requested.append(resource)
            except personalize.exceptions.ResourceNotFoundException:
                rows.append(_row(kind.label, resource["name"], GONE))
            except personalize.exceptions.ResourceInUseException:
                # being created, changed or deleted: ask again when it settles. Describing it lets a
                # local backend resume work a killed process left, and tells when it is gone.
                try:
                    describe(**{kind.arn_key: resource[kind.arn_key]})
                    busy.append(resource)
                except personalize.exceptions.ResourceNotFoundException:
                    rows.append(_row(kind.label, resource["name"], GONE))
        waiting = busy
        if waiting:
            if time.monotonic() > deadline:
                names = ", ".join(r["name"] for r in waiting)
                raise TimeoutError(f"{kind.label} {names} still in use after {timeout:.0f} s")
            time.sleep(aws.poll_seconds())
    for resource in requested:
        aws.wait_until_deleted(describe, timeout=timeout, **{kind.arn_key: resource[kind.arn_key]})
        rows.append(_row(kind.label, resource["name"], DELETED))
    return rows


def _delete_kind(
    personalize: Any, kind: Kind, found: list[dict] | None, where: str, timeout: float
) -> list[dict]:
    if found is None:
        return [_row(kind.label, f"(in {where})", SKIPPED)]
    return delete_resources(personalize, kind, found, timeout)


def _campaigns(personalize: Any, solutions: list[dict] | None) -> list[dict] | None:
    if solutions is None:
        return None  # no solutions locally, hence no campaigns
    found: list[dict] = []
    for solution in solutions:
        campaigns = list_resources(personalize, CAMPAIGN, solution["solutionArn"])
        if campaigns is None:
            return None
        found += campaigns
    return found


def delete_prefix(s3: Any, bucket: str, prefix: str = "") -> int:
    """Delete every object of ``bucket`` under ``prefix``; return how many there were.

    A missing bucket holds nothing: 0.
    """
    try:
        pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix))
    except s3.exceptions.NoSuchBucket:
        return 0
    count = 0
    for page in pages:  # at most 1,000 keys a page: DeleteObjects' limit
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            if answer.get("Errors"):
                raise RuntimeError(f"could not delete from s3://{bucket}: {answer['Errors'][:3]}")
            count += len(keys)
    return count


def _batch_outputs(
    personalize: Any, s3: Any, solutions: list[dict] | None, where: str, timeout: float
) -> list[dict]:
    """Wait for the batch jobs of the solutions' versions to end; delete their outputs in S3."""
    if solutions is None:
        return [_row("batch job output", f"(in {where})", SKIPPED)]
    rows = []
    versions = [
        v for s in solutions for v in list_resources(personalize, SOLUTION_VERSION, s["solutionArn"]) or []
    ]
    for version, kind in itertools.product(versions, BATCH_JOBS):
        for job in list_resources(personalize, kind, version["solutionVersionArn"]) or []:
            describe = getattr(personalize, f"describe_{kind.name}")
            done = aws.wait_until_active(
                describe, until=_SETTLED, timeout=timeout, **{kind.arn_key: job[kind.arn_key]}
            )
            path = done.get("jobOutput", {}).get("s3DataDestination", {}).get("path", "")
            bucket, _, prefix = path.removeprefix("s3://").partition("/")
            if bucket:
                n = delete_prefix(s3, bucket, prefix)
                rows.append(_row("batch job output", path, f"{DELETED} {n} objects" if n else GONE))
    return rows


def delete_dataset_group_contents(
    personalize: Any, s3: Any, group_arn: str, timeout: float = 3600.0
) -> list[dict]:
    """Delete everything in a dataset group, in dependency order; the group itself stays.

    Args:
        personalize: a boto3 Personalize client.
        s3: a boto3 S3 client (for batch jobs' outputs).
        group_arn: the dataset group.
        timeout: seconds to wait for each kind's resources.

    Returns:
        Report rows, in the order of deletion.
    """
    where = group_arn.rsplit("/", 1)[-1]
    rows = _delete_kind(
        personalize, RECOMMENDER, list_resources(personalize, RECOMMENDER, group_arn), where, timeout
    )
    solutions = list_resources(personalize, SOLUTION, group_arn)
    rows += _delete_kind(personalize, CAMPAIGN, _campaigns(personalize, solutions), where, timeout)
    for kind in (EVENT_TRACKER, FILTER, METRIC_ATTRIBUTION):
        rows += _delete_kind(personalize, kind, list_resources(personalize, kind, group_arn), where, timeout)
    rows += _batch_outputs(personalize, s3, solutions, where, timeout)
    rows += _delete_kind(personalize, SOLUTION, solutions, where, timeout)
    rows += _delete_kind(
        personalize, DATASET, list_resources(personalize, DATASET, group_arn), where, timeout
    )
    return rows


def delete_schemas(personalize: Any) -> list[dict]:
    """Delete the series' schemas (by name); the datasets using them must be gone."""
    schemas = [s for s in list_resources(personalize, SCHEMA) or [] if is_ours(s["name"])]
    rows = []
    for schema in sorted(schemas, key=lambda s: s["name"]):
        try:
            personalize.delete_schema(schemaArn=schema["schemaArn"])
            rows.append(_row("schema", schema["name"], DELETED))
        except personalize.exceptions.ResourceNotFoundException:
            rows.append(_row("schema", schema["name"], GONE))
    return rows


def _missing(err: botocore.exceptions.ClientError) -> bool:
    return err.response["Error"]["Code"] in ("404", "NoSuchBucket")


def delete_bucket(s3: Any, bucket: str) -> list[dict]:
    """Empty the bucket, delete it (its policy goes with it) and wait until it is gone."""
    try:
        s3.head_bucket(Bucket=bucket)
    except botocore.exceptions.ClientError as err:
        if _missing(err):
            return [_row("bucket", bucket, GONE)]
        raise
    n = delete_prefix(s3, bucket)
    s3.delete_bucket(Bucket=bucket)
    s3.get_waiter("bucket_not_exists").wait(Bucket=bucket)
    return [_row("objects", f"s3://{bucket}/", f"{DELETED} {n}"), _row("bucket", bucket, DELETED)]


def delete_parameters(ssm: Any, path: str = f"/{config.PROJECT}") -> list[dict]:
    """Delete every SSM parameter under ``path`` (recursively), ten at a time."""
    names = sorted(
        p["Name"] for p in _pages(ssm, "get_parameters_by_path", "Parameters", Path=path, Recursive=True)
    )
    rows = []
    for start in range(0, len(names), 10):  # DeleteParameters takes at most 10 names
        answer = ssm.delete_parameters(Names=names[start : start + 10])
        rows += [_row("SSM parameter", n, DELETED) for n in answer.get("DeletedParameters", [])]
        rows += [_row("SSM parameter", n, GONE) for n in answer.get("InvalidParameters", [])]
    return rows


def delete_roles(iam: Any) -> list[dict]:
    """Delete the series' IAM roles (by name) after detaching and deleting their policies."""
    roles = sorted(r["RoleName"] for r in _pages(iam, "list_roles", "Roles") if is_ours(r["RoleName"]))
    rows = []
    for role in roles:
        for policy in _pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=role):
            iam.detach_role_policy(RoleName=role, PolicyArn=policy["PolicyArn"])
            rows.append(_row("attached policy", f"{role}/{policy['PolicyName']}", "detached"))
        for name in _pages(iam, "list_role_policies", "PolicyNames", RoleName=role):
            iam.delete_role_policy(RoleName=role, PolicyName=name)
            rows.append(_row("inline policy", f"{role}/{name}", DELETED))
        iam.delete_role(RoleName=role)
        rows.append(_row("role", role, DELETED))
    return rows


def delete_all(bucket: str | None = None, timeout: float = 3600.0) -> list[dict]:
    """Delete everything the series created, in dependency order.

    Args:
        bucket: the series' bucket; ``aws.default_bucket()`` by default.
        timeout: seconds to wait for each kind of Personalize resource.

    Returns:
        Report rows ``{"kind", "name", "action"}`` in the order of deletion.
    """
    personalize, s3 = aws.client("personalize"), aws.client("s3")
    rows = []
    groups = series_dataset_groups(personalize)
    for group in groups:
        rows += delete_dataset_group_contents(personalize, s3, group["datasetGroupArn"], timeout)
    rows += delete_resources(personalize, DATASET_GROUP, groups, timeout)
    rows += delete_schemas(personalize)
    rows += delete_bucket(s3, bucket or aws.default_bucket())
    rows += delete_parameters(aws.client("ssm"))
    rows += delete_roles(aws.client("iam"))
    return rows


def remaining(bucket: str | None = None) -> list[dict]:
    """What is left of the series: dataset groups, schemas, the bucket, SSM parameters, roles.

    Returns:
        ``{"kind", "name"}`` rows, sorted; empty after :func:`delete_all`.
    """
    personalize, s3 = aws.client("personalize"), aws.client("s3")
    bucket = bucket or aws.default_bucket()
    left = [{"kind": "dataset group", "name": g["name"]} for g in series_dataset_groups(personalize)]
    left += [
        {"kind": "schema", "name": s["name"]}
        for s in list_resources(personalize, SCHEMA) or []
        if is_ours(s["name"])
    ]
    left += [
        {"kind": "bucket", "name": b["Name"]}
        for b in s3.list_buckets().get("Buckets", [])
        if b["Name"] == bucket
    ]
    params = _pages(
        aws.client("ssm"), "get_parameters_by_path", "Parameters", Path=f"/{config.PROJECT}", Recursive=True
    )
    left += [{"kind": "SSM parameter", "name": p["Name"]} for p in params]
    roles = _pages(aws.client("iam"), "list_roles", "Roles")
    left += [{"kind": "role", "name": r["RoleName"]} for r in roles if is_ours(r["RoleName"])]
    return sorted(left, key=lambda r: (r["kind"], r["name"]))

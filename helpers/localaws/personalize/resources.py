"""The resource layer of Amazon Personalize: every kind declared once, its common operations once.

A resource is a document in the store keyed by its real ARN; its kind is the ARN's resource type
(``dataset-group``, ``recommender``, …). Each module of this package declares its kinds with
``declare(Kind(...))``: the ARN member, the parent, the members Describe and List show, the List
key and parent filter, the lifecycle and what deleting needs. From that declaration this module
answers ``Describe<Kind>``, ``List<Kinds>`` (paginated, filtered by parent) and
``Delete<Kind>`` (``operation``), tags every kind, and deletes a resource with its children.

Asynchronous lifecycles (``CREATE PENDING`` → ``CREATE IN_PROGRESS`` → ``ACTIVE`` / ``CREATE
FAILED``, ``DELETE PENDING`` → gone) run through ``jobs``; before a call runs, the hooks settle
the work it depends on (``work_on``), so a caller sees what AWS answers once that work has taken
its usual time, every run. A malformed ARN parameter is InvalidInputException (``kind_of``), a
well-formed one naming nothing ResourceNotFoundException.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from botocore import xform_name

from helpers.localaws.aws.sts import ACCOUNT
from helpers.localaws.engine import errors, jobs, processes
from helpers.localaws.engine.store import Store

Check = Callable[[Store, str, dict], None]
"""Raises ResourceInUseException when the resource (ARN, document) cannot be deleted now."""


@dataclass(frozen=True)
class Kind:
    """One kind of Personalize resource, as the API shows it.

    Attributes:
        name: the ARN's resource type and the store's document kind (``event-tracker``).
        member: Describe's answer member (``eventTracker``); it names the operations
            (``describe_event_tracker``, ``delete_event_tracker``).
        arn_member: the parameter and field holding its ARN (``eventTrackerArn``).
        fields: what Describe shows, when set.
        list_key: List's answer member (``eventTrackers``); it names ``list_event_trackers``.
        summary_fields: what List shows, when set.
        parent: the kind its documents are stored under (``dataset-group``), if any.
        parent_member: the List parameter that filters by parent (``datasetGroupArn``).
        parent_must_exist: List fails with ResourceNotFoundException for a parent that is gone.
        work: the creation work (``jobs``); None moves it ``CREATE IN_PROGRESS`` → ``ACTIVE``.
        parent_waits: calls on the parent wait for its creation (``jobs.register``).
        lifecycle: it has a status and is created and deleted asynchronously (False: schemas).
        deletable: what deleting needs (None: there is no Delete operation).
        children: kinds deleted along with it.
        owns_records: what PutEvents, PutUsers or PutItems streamed into it goes with it.
        shown: adjusts Describe's answer from the document (``(store, doc, answer)``).
    """

    name: str
    member: str
    arn_member: str
    fields: tuple[str, ...]
    list_key: str
    summary_fields: tuple[str, ...]
    parent: str | None = None
    parent_member: str | None = None
    parent_must_exist: bool = False
    work: Callable[[Store, str], None] | None = None
    parent_waits: bool = True
    lifecycle: bool = True
    deletable: Check | None = None
    children: tuple[str, ...] = ()
    owns_records: bool = False
    shown: Callable[[Store, dict, dict], None] | None = None


KINDS: dict[str, Kind] = {}
"""Every declared kind, by name."""
_OPERATIONS: dict[str, Callable[[Store, dict], dict]] = {}


def declare(kind: Kind) -> Kind:
    """Declare a kind: register its creation work and its Describe, List and Delete operations."""
    KINDS[kind.name] = kind
    if kind.lifecycle:
        work = kind.work or transition(kind.name, "CREATE", "ACTIVE")
        jobs.register(kind.name, work, settle(kind.name, "CREATE FAILED"), parent_waits=kind.parent_waits)
    noun = xform_name(kind.member)
    _add_operation(f"describe_{noun}", lambda store, params: describe(store, kind, params))
    listed = xform_name(kind.list_key)
    _add_operation(f"list_{listed}", lambda store, params: list_resources(store, kind, params))
    if kind.deletable is not None:
        _add_operation(f"delete_{noun}", lambda store, params: delete(store, kind, params))
    return kind


def _add_operation(name: str, fn: Callable[[Store, dict], dict]) -> None:
    fn.__name__ = fn.__qualname__ = name
    _OPERATIONS[name] = fn


def operation(name: str) -> Callable[[Store, dict], dict] | None:
    """The Describe, List or Delete operation of a declared kind (``describe_recommender``), or None."""
    return _OPERATIONS.get(name)


# --- the operations every kind shares -------------------------------------------------------
def describe(store: Store, kind: Kind, params: dict) -> dict:
    """Describe a resource: its set ``fields``."""
    doc = get(store, params[kind.arn_member], kind.name)
    answer = public_fields(doc, kind.fields)
    if kind.shown is not None:
        kind.shown(store, doc, answer)
    return {kind.member: answer}


def list_resources(store: Store, kind: Kind, params: dict) -> dict:
    """List resources of a kind (under the parent the call names), newest first, paginated."""
    parent = params.get(kind.parent_member) if kind.parent_member else None
    if parent and kind.parent_must_exist:
        get(store, parent, kind.parent)
    return paginate(summaries(store, kind.name, kind.summary_fields, parent), params, kind.list_key)


def delete(store: Store, kind: Kind, params: dict) -> dict:
    """Delete a resource once what deleting needs holds (``Kind.deletable``)."""
    resource_arn = params[kind.arn_member]
    doc = get(store, resource_arn, kind.name)
    if kind.deletable is not None:
        kind.deletable(store, resource_arn, doc)
    if kind.lifecycle:
        start_delete(store, kind.name, resource_arn)
    else:
        store.delete(kind.name, resource_arn)
    return {}


def settled(label: str) -> Check:
    """What deleting needs for most kinds: it is ACTIVE or CREATE FAILED, not changing state."""

    def check(store: Store, resource_arn: str, doc: dict) -> None:
        if doc["status"] not in ("ACTIVE", "CREATE FAILED"):
            raise errors.ResourceInUseException(
                f"{label} {resource_arn} is {doc['status']}; wait until it settles."
            )

    return check


# --- ARNs, documents, lists -----------------------------------------------------------------
def _region() -> str:
    from helpers import config

    return config.REGION


def arn(kind: str, name: str) -> str:
    """Return a Personalize ARN: ``arn:aws:personalize:<region>:<account>:<kind>/<name>``."""
    return f"arn:aws:personalize:{_region()}:{ACCOUNT}:{kind}/{name}"


_ARN = re.compile(r"arn:aws:personalize:[a-z]{2}(-[a-z]+)+-\d:\d{12}:([a-z]+(-[a-z]+)*)/\S+")
"""A Personalize resource ARN: ``arn:aws:personalize:<region>:<12-digit account>:<type>/<name>``."""


def kind_of(resource_arn: str) -> str:
    """Return the resource type of a Personalize ARN (``dataset-group``, ``schema``, …).

    A solution version's ARN is its solution's with ``/<version id>`` added: ``solution-version``.

    Raises:
        InvalidInputException: the ARN is malformed (the service model's pattern lets through
            ARNs without a region, an account or a ``<type>/<name>``; Personalize does not).
    """
    match = _ARN.fullmatch(resource_arn)
    if match is None:
        raise errors.InvalidInputException(
            f"The ARN {resource_arn} is not a valid Personalize ARN: "
            "expected arn:aws:personalize:<region>:<account>:<resource type>/<name>."
        )
    kind = match.group(2)
    return "solution-version" if kind == "solution" and resource_arn.count("/") == 2 else kind


def get(store: Store, resource_arn: str, kind: str | None = None) -> dict:
    """Return a resource's document.

    Raises:
        InvalidInputException: the ARN is malformed.
        ResourceNotFoundException: there is no such resource (of this ``kind``, if given).
    """
    found = kind_of(resource_arn)
    doc = store.get(kind or found, resource_arn)
    if doc is None:
        raise errors.ResourceNotFoundException(f"Could not find resource: {resource_arn}")
    return doc


def _now() -> float:
    return time.time()


def check_tags(params: dict) -> list[dict]:
    """Return a create call's tags; TooManyTagsException above 50."""
    tags = params.get("tags") or []
    if len(tags) > 50:
        raise errors.TooManyTagsException(f"{len(tags)} tags given; at most 50 are allowed.")
    return tags


def set_status(store: Store, kind: str, resource_arn: str, status: str, reason: str | None = None) -> dict:
    """Move a resource to a new status (and failure reason) and stamp lastUpdatedDateTime."""
    changes: dict = {"status": status, "lastUpdatedDateTime": _now()}
    if reason is not None:
        changes["failureReason"] = reason
    with store.transaction():
        return store.update(kind, resource_arn, changes)


def paginate(items: list[dict], params: dict, key: str) -> dict:
    """Page a list by ``nextToken``/``maxResults`` (default 100) as Personalize does.

    Raises:
        InvalidNextTokenException: the token is not one this function gave out.
    """
    size = int(params.get("maxResults") or 100)
    start = 0
    if params.get("nextToken"):
        try:
            start = int(json.loads(base64.b64decode(params["nextToken"]))["offset"])
        except (ValueError, KeyError, TypeError) as exc:
            raise errors.InvalidNextTokenException(f"Invalid next token: {params['nextToken']}") from exc
    answer: dict = {key: items[start : start + size]}
    if start + size < len(items):
        answer["nextToken"] = base64.b64encode(json.dumps({"offset": start + size}).encode()).decode()
    return answer


def summaries(store: Store, kind: str, fields: tuple[str, ...], parent: str | None = None) -> list[dict]:
    """The ``fields`` of every resource of a kind (under ``parent``), newest first, ties by name."""
    if parent is not None:
        kind_of(parent)  # InvalidInputException if malformed
    docs = [d for _, d in store.items(kind, parent=parent)]
    docs.sort(key=lambda d: (-d.get("creationDateTime", 0), d.get("name", d.get("jobName", ""))))
    return [{f: d[f] for f in fields if d.get(f) is not None} for d in docs]


# --- asynchronous lifecycles ----------------------------------------------------------------
def transition(kind: str, via: str, to: str) -> Callable[[Store, str], None]:
    """Work that moves a resource ``<via> PENDING`` → ``<via> IN_PROGRESS`` → ``to``.

    The job key is the resource's ARN, or ``<job kind>|<ARN>`` when one resource has several
    kinds of work (a recommender's stop and start).
    """

    def work(store: Store, key: str) -> None:
        resource_arn = key.rpartition("|")[2]
        doc = store.get(kind, resource_arn)
        if doc is None or doc["status"] not in (f"{via} PENDING", f"{via} IN_PROGRESS"):
            return  # deleted meanwhile, or done by an earlier run
        set_status(store, kind, resource_arn, f"{via} IN_PROGRESS")
        set_status(store, kind, resource_arn, to)

    return work


def settle(kind: str, status: str) -> Callable[[Store, str, str], None]:
    """A job's failure handler: the resource ends in ``status`` with the reason."""

    def fail(store: Store, key: str, reason: str) -> None:
        set_status(store, kind, key.rpartition("|")[2], status, reason)

    return fail


def _delete_work(store: Store, key: str) -> None:
    kind, _, resource_arn = key.partition("|")
    declared = KINDS[kind]
    with store.transaction():
        docs = [store.get(kind, resource_arn)]
        for child_kind in declared.children:
            for child, child_doc in store.items(child_kind, parent=resource_arn):
                docs.append(child_doc)
                store.delete(child_kind, child)
        store.delete(kind, resource_arn)
        if declared.owns_records:
            store.delete_records(resource_arn)
    for doc in filter(None, docs):  # the files they own: a dataset's parts, a recommender's model
        for path in [*doc.get("parts", []), doc.get("modelFile")]:
            store.remove_file(path)


def _delete_fail(store: Store, key: str, reason: str) -> None:
    kind, _, resource_arn = key.partition("|")
    set_status(store, kind, resource_arn, "DELETE FAILED", reason)


jobs.register("delete", _delete_work, _delete_fail, parent_waits=True)


def start_delete(store: Store, kind: str, resource_arn: str) -> None:
    """Mark a resource DELETE PENDING and remove it (and its children) asynchronously."""
    store.update(kind, resource_arn, {"status": "DELETE PENDING", "lastUpdatedDateTime": _now()})
    jobs.start(store, f"{kind}|{resource_arn}", "delete")


def public_fields(doc: dict, fields: tuple[str, ...]) -> dict:
    """The ``fields`` of a document that are set, as the API shows them."""
    return {f: doc[f] for f in fields if doc.get(f) is not None}


def work_on(
    store: Store, named: Iterable[str], listed: str | None = None, reading: bool = False
) -> list[str]:
    """The keys of the recorded work that calls about the ``named`` resources wait for.

    Every kind of work is registered by then: the hooks import every service module first.

    Args:
        store: the state.
        named: the ARNs the call names.
        listed: a resource kind the call lists, or None.
        reading: the call reads through the data plane, which does not wait for ``background``
            work (an update while the resource serves) that another process started.
    """
    named = set(named)
    keys = []
    for key, job_kind, owner in store.jobs():
        if reading and jobs.background(job_kind) and owner != processes.me():
            continue
        resource_arn = key.rpartition("|")[2]
        if not _ARN.fullmatch(resource_arn):
            continue
        resource_kind = kind_of(resource_arn)
        if (
            resource_arn in named
            or resource_kind == listed
            or (jobs.parent_waits(job_kind) and _under(store, resource_kind, resource_arn, named))
        ):
            keys.append(key)
    return keys


def named_arns(params: dict) -> set[str]:
    """The well-formed Personalize resource ARNs among a call's top-level parameters."""
    return {
        value
        for name, value in params.items()
        if name.endswith("Arn") and isinstance(value, str) and _ARN.fullmatch(value)
    }


def _under(store: Store, kind: str, resource_arn: str, ancestors: set[str]) -> bool:
    """Whether a resource lies (at any depth) under one of ``ancestors``."""
    parent = store.parent(kind, resource_arn)
    while parent is not None and parent not in ancestors:
        if not _ARN.fullmatch(parent):
            return False
        parent = store.parent(kind_of(parent), parent)
    return parent is not None


# --- tags -----------------------------------------------------------------------------------
def tag_resource(store: Store, params: dict) -> dict:
    """Add or replace tags on any Personalize resource."""
    resource_arn = params["resourceArn"]
    doc = get(store, resource_arn)
    tags = {t["tagKey"]: t["tagValue"] for t in doc.get("tags", [])}
    tags.update({t["tagKey"]: t["tagValue"] for t in params["tags"]})
    if len(tags) > 50:
        raise errors.TooManyTagsException(
            f"{resource_arn} would have {len(tags)} tags; at most 50 are allowed."
        )
    store.update(
        kind_of(resource_arn), resource_arn, {"tags": [{"tagKey": k, "tagValue": v} for k, v in tags.items()]}
    )
    return {}


def untag_resource(store: Store, params: dict) -> dict:
    """Remove tags by key."""
    resource_arn = params["resourceArn"]
    doc = get(store, resource_arn)
    keep = [t for t in doc.get("tags", []) if t["tagKey"] not in set(params["tagKeys"])]
    store.update(kind_of(resource_arn), resource_arn, {"tags": keep})
    return {}


def list_tags_for_resource(store: Store, params: dict) -> dict:
    """List a resource's tags."""
    return {"tags": get(store, params["resourceArn"]).get("tags", [])}

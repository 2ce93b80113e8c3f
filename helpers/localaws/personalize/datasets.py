"""Amazon Personalize (control plane), locally: dataset groups, schemas, datasets, imports.

Resources are documents in the store keyed by their real ARN; the document kind is the ARN's
resource type (``dataset-group``, ``schema``, ``dataset``, ``dataset-import-job``), so later
modules (recommenders, solutions) plug in the same way. Asynchronous lifecycles
(``CREATE PENDING`` → ``CREATE IN_PROGRESS`` → ``ACTIVE`` / ``CREATE FAILED``,
``DELETE PENDING`` → gone) run through ``jobs``; before a call runs, the
hooks settle the work it depends on (``pending_work``), so a caller sees what AWS answers once
that work has taken its usual time, every run. A malformed ARN parameter is
InvalidInputException (``kind_of``), a well-formed one naming nothing ResourceNotFoundException.
"""

from __future__ import annotations

import base64
import importlib
import json
import re
import time
from collections.abc import Callable, Iterable

from botocore import xform_name

from helpers.localaws.aws.sts import ACCOUNT
from helpers.localaws.engine import errors, jobs, processes
from helpers.localaws.engine.store import Store, dataset_arn
from helpers.localaws.personalize import algorithms, imports

SERVICE = "personalize"

_RECIPE_DATE = 1_546_300_800.0  # 2019-01-01, a fixed creation date for the built-in recipes
ECOMMERCE_RECIPES = (
    "aws-ecomm-customers-who-viewed-x-also-viewed",
    "aws-ecomm-frequently-bought-together",
    "aws-ecomm-popular-items-by-purchases",
    "aws-ecomm-popular-items-by-views",
    "aws-ecomm-recommended-for-you",
)
"""Use cases (recipes) of the ECOMMERCE domain."""

CUSTOM_RECIPES = {
    "aws-user-personalization": "USER_PERSONALIZATION",
    "aws-user-personalization-v2": "USER_PERSONALIZATION",
    "aws-personalized-ranking": "PERSONALIZED_RANKING",
    "aws-personalized-ranking-v2": "PERSONALIZED_RANKING",
    "aws-similar-items": "RELATED_ITEMS",
    "aws-sims": "RELATED_ITEMS",
    "aws-popularity-count": "USER_PERSONALIZATION",
    "aws-trending-now": "USER_PERSONALIZATION",
    "aws-item-attribute-affinity": "USER_SEGMENTATION",
    "aws-item-affinity": "USER_SEGMENTATION",
}
"""Recipes of custom (domain-less) dataset groups and their recipe types."""


_OPERATION_MODULES = (
    "recommenders", "event_trackers", "filters", "solutions", "campaigns", "batch_jobs", "batch_segment_jobs",
    "algorithms",
)  # fmt: skip
"""Modules whose operations (their ``__all__``) this service answers too, to keep this one small."""


def __getattr__(name: str) -> Callable:
    """Find an operation that a module of ``_OPERATION_MODULES`` implements (PEP 562)."""
    for module_name in _OPERATION_MODULES:
        module = importlib.import_module(f"helpers.localaws.personalize.{module_name}")
        if name in module.__all__:
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


_CHILD_KINDS: dict[str, tuple[str, ...]] = {
    "dataset-group": ("dataset",),
    "dataset": ("dataset-import-job",),
    "solution": ("solution-version",),
}
"""Kinds whose documents are deleted along with their parent."""


def _delete_work(store: Store, key: str) -> None:
    kind, _, resource_arn = key.partition("|")
    with store.transaction():
        docs = [store.get(kind, resource_arn)]
        for child_kind in _CHILD_KINDS.get(kind, ()):
            for child, child_doc in store.items(child_kind, parent=resource_arn):
                docs.append(child_doc)
                store.delete(child_kind, child)
        store.delete(kind, resource_arn)
        if kind == "dataset":  # and what PutEvents, PutUsers or PutItems streamed into it
            store.delete_records(resource_arn)
    for doc in filter(None, docs):  # the files they own: a dataset's parts, a recommender's model
        for path in [*doc.get("parts", []), doc.get("modelFile")]:
            store.remove_file(path)


def _delete_fail(store: Store, key: str, reason: str) -> None:
    kind, _, resource_arn = key.partition("|")
    set_status(store, kind, resource_arn, "DELETE FAILED", reason)


for _kind in ("dataset-group", "dataset"):
    jobs.register(
        _kind, transition(_kind, "CREATE", "ACTIVE"), settle(_kind, "CREATE FAILED"), parent_waits=True
    )
jobs.register("delete", _delete_work, _delete_fail, parent_waits=True)
jobs.register(
    "dataset-import-job", imports.run, settle("dataset-import-job", "CREATE FAILED"), parent_waits=True
)


def pending_work(store: Store, operation: str, params: dict) -> list[str]:
    """The work a control-plane call's answer depends on; the hooks settle it first (``jobs``).

    That is the work of every resource the call names (its ``…Arn`` parameters), of the
    resources under them whose kind is ``parent_waits``, and, for a List, of every resource of
    the listed kind.

    Args:
        store: the state.
        operation: the operation's name (``CreateDataset``).
        params: the call's parameters.
    """
    listed = xform_name(operation.removeprefix("List")).replace("_", "-").removesuffix("s")
    return work_on(store, named_arns(params), listed if operation.startswith("List") else None)


def work_on(
    store: Store, named: Iterable[str], listed: str | None = None, reading: bool = False
) -> list[str]:
    """The keys of the recorded work that calls about the ``named`` resources wait for.

    Args:
        store: the state.
        named: the ARNs the call names.
        listed: a resource kind the call lists, or None.
        reading: the call reads through the data plane, which does not wait for ``background``
            work (an update while the resource serves) that another process started.
    """
    for module_name in _OPERATION_MODULES:  # they register their kinds of work on import
        importlib.import_module(f"helpers.localaws.personalize.{module_name}")
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


def start_delete(store: Store, kind: str, resource_arn: str) -> None:
    """Mark a resource DELETE PENDING and remove it (and its children) asynchronously."""
    store.update(kind, resource_arn, {"status": "DELETE PENDING", "lastUpdatedDateTime": _now()})
    jobs.start(store, f"{kind}|{resource_arn}", "delete")


def public_fields(doc: dict, fields: tuple[str, ...]) -> dict:
    """The ``fields`` of a document that are set, as the API shows them."""
    return {f: doc[f] for f in fields if doc.get(f) is not None}


# --- dataset groups -------------------------------------------------------------------------
_GROUP_FIELDS = (
    "name", "datasetGroupArn", "status", "roleArn", "kmsKeyArn",
    "creationDateTime", "lastUpdatedDateTime", "failureReason", "domain",
)  # fmt: skip


def create_dataset_group(store: Store, params: dict) -> dict:
    """Create a dataset group (domain ECOMMERCE or VIDEO_ON_DEMAND, or none for custom)."""
    tags = check_tags(params)
    group_arn = arn("dataset-group", params["name"])
    now = _now()
    doc = {
        "name": params["name"],
        "datasetGroupArn": group_arn,
        "status": "CREATE PENDING",
        "roleArn": params.get("roleArn"),
        "kmsKeyArn": params.get("kmsKeyArn"),
        "domain": params.get("domain"),
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
        "tags": tags,
    }
    if not store.insert("dataset-group", group_arn, doc):
        raise errors.ResourceAlreadyExistsException(
            f"Dataset group {params['name']} already exists: {group_arn}"
        )
    jobs.start(store, group_arn, "dataset-group")
    return public_fields(doc, ("datasetGroupArn", "domain"))


def describe_dataset_group(store: Store, params: dict) -> dict:
    """Describe a dataset group."""
    doc = get(store, params["datasetGroupArn"], "dataset-group")
    return {"datasetGroup": public_fields(doc, _GROUP_FIELDS)}


def list_dataset_groups(store: Store, params: dict) -> dict:
    """List dataset groups, newest first."""
    fields = tuple(f for f in _GROUP_FIELDS if f not in ("roleArn", "kmsKeyArn"))
    return paginate(summaries(store, "dataset-group", fields), params, "datasetGroups")


def delete_dataset_group(store: Store, params: dict) -> dict:
    """Delete a dataset group; ResourceInUseException while it has datasets or other children."""
    group_arn = params["datasetGroupArn"]
    doc = get(store, group_arn, "dataset-group")
    if doc["status"] in ("CREATE PENDING", "CREATE IN_PROGRESS", "DELETE PENDING"):
        raise errors.ResourceInUseException(f"Dataset group {group_arn} is {doc['status']}.")
    for child_kind in ("dataset", "solution", "recommender", "event-tracker", "filter"):
        if store.count(child_kind, parent=group_arn):
            raise errors.ResourceInUseException(
                f"Dataset group {group_arn} still has {child_kind}s; delete them first."
            )
    start_delete(store, "dataset-group", group_arn)
    return {}


# --- schemas --------------------------------------------------------------------------------
def create_schema(store: Store, params: dict) -> dict:
    """Create an Avro schema; its fields and types are checked, and against its domain."""
    imports.parse_schema(params["schema"])
    schema_arn = arn("schema", params["name"])
    now = _now()
    doc = {
        "name": params["name"],
        "schemaArn": schema_arn,
        "schema": params["schema"],
        "domain": params.get("domain"),
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
    }
    if not store.insert("schema", schema_arn, doc):
        raise errors.ResourceAlreadyExistsException(f"Schema {params['name']} already exists: {schema_arn}")
    return {"schemaArn": schema_arn}


def describe_schema(store: Store, params: dict) -> dict:
    """Describe a schema."""
    doc = get(store, params["schemaArn"], "schema")
    return {
        "schema": public_fields(
            doc, ("name", "schemaArn", "schema", "creationDateTime", "lastUpdatedDateTime", "domain")
        )
    }


def list_schemas(store: Store, params: dict) -> dict:
    """List schemas, newest first."""
    fields = ("name", "schemaArn", "creationDateTime", "lastUpdatedDateTime", "domain")
    return paginate(summaries(store, "schema", fields), params, "schemas")


def delete_schema(store: Store, params: dict) -> dict:
    """Delete a schema; ResourceInUseException while a dataset uses it."""
    schema_arn = params["schemaArn"]
    get(store, schema_arn, "schema")
    for ds_arn, ds in store.items("dataset"):
        if ds["schemaArn"] == schema_arn:
            raise errors.ResourceInUseException(f"Schema {schema_arn} is used by dataset {ds_arn}.")
    store.delete("schema", schema_arn)
    return {}


# --- datasets -------------------------------------------------------------------------------
_DATASET_FIELDS = (
    "name", "datasetArn", "datasetGroupArn", "datasetType", "schemaArn", "status",
    "creationDateTime", "lastUpdatedDateTime", "latestDatasetUpdate", "trackingId",
)  # fmt: skip


def create_dataset(store: Store, params: dict) -> dict:
    """Create the Interactions, Items or Users dataset of an ACTIVE dataset group."""
    group_arn, kind = params["datasetGroupArn"], params["datasetType"]
    if kind.upper() not in imports.DATASET_TYPES:
        raise errors.InvalidInputException(
            f"datasetType must be one of {sorted(imports.DATASET_TYPES)} (any case), not {kind!r}."
        )
    group = get(store, group_arn, "dataset-group")
    schema = get(store, params["schemaArn"], "schema")
    if group["status"] != "ACTIVE":
        raise errors.ResourceInUseException(f"Dataset group {group_arn} is {group['status']}, not ACTIVE.")
    if (schema.get("domain") or None) != (group.get("domain") or None):
        raise errors.InvalidInputException(
            f"Schema {params['schemaArn']} has domain {schema.get('domain')} but dataset group "
            f"{group_arn} has domain {group.get('domain')}."
        )
    imports.check_schema_for(imports.parse_schema(schema["schema"]), kind.upper(), group.get("domain"))
    ds_arn = dataset_arn(group_arn, group["name"], kind)
    now = _now()
    doc = {
        "name": params["name"],
        "datasetArn": ds_arn,
        "datasetGroupArn": group_arn,
        "datasetType": kind.upper(),
        "schemaArn": params["schemaArn"],
        "status": "CREATE PENDING",
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
        "tags": check_tags(params),
        "parts": [],
    }
    if not store.insert("dataset", ds_arn, doc, parent=group_arn):
        raise errors.ResourceAlreadyExistsException(
            f"Dataset group {group_arn} already has a {kind} dataset: {ds_arn}"
        )
    jobs.start(store, ds_arn, "dataset")
    return {"datasetArn": ds_arn}


def describe_dataset(store: Store, params: dict) -> dict:
    """Describe a dataset, with its latest import's status."""
    return {"dataset": public_fields(get(store, params["datasetArn"], "dataset"), _DATASET_FIELDS)}


def list_datasets(store: Store, params: dict) -> dict:
    """List datasets (of a dataset group), newest first."""
    fields = ("name", "datasetArn", "datasetType", "status", "creationDateTime", "lastUpdatedDateTime")
    return paginate(summaries(store, "dataset", fields, params.get("datasetGroupArn")), params, "datasets")


def delete_dataset(store: Store, params: dict) -> dict:
    """Delete a dataset and its imported data; ResourceInUseException while an import runs."""
    ds_arn = params["datasetArn"]
    doc = get(store, ds_arn, "dataset")
    if doc["status"] not in ("ACTIVE", "CREATE FAILED"):
        raise errors.ResourceInUseException(f"Dataset {ds_arn} is {doc['status']}.")
    for job_arn, job in store.items("dataset-import-job", parent=ds_arn):
        if job["status"] in ("CREATE PENDING", "CREATE IN_PROGRESS"):
            raise errors.ResourceInUseException(f"Dataset import job {job_arn} of {ds_arn} is still running.")
    start_delete(store, "dataset", ds_arn)
    return {}


# --- dataset import jobs --------------------------------------------------------------------
_JOB_FIELDS = (
    "jobName", "datasetImportJobArn", "datasetArn", "dataSource", "roleArn", "status",
    "creationDateTime", "lastUpdatedDateTime", "failureReason", "importMode", "publishAttributionMetricsToS3",
)  # fmt: skip


def create_dataset_import_job(store: Store, params: dict) -> dict:
    """Start importing a CSV (or every CSV under a prefix) from S3 into an ACTIVE dataset."""
    ds_arn = params["datasetArn"]
    ds = get(store, ds_arn, "dataset")
    if ds["status"] != "ACTIVE":
        raise errors.ResourceInUseException(f"Dataset {ds_arn} is {ds['status']}, not ACTIVE.")
    location = params["dataSource"].get("dataLocation", "")
    if not location.startswith("s3://"):
        raise errors.InvalidInputException(f"dataLocation must be an s3:// path, not {location!r}.")
    job_arn = arn("dataset-import-job", params["jobName"])
    now = _now()
    doc = {
        "jobName": params["jobName"],
        "datasetImportJobArn": job_arn,
        "datasetArn": ds_arn,
        "dataSource": {"dataLocation": location},
        "roleArn": params.get("roleArn"),
        "status": "CREATE PENDING",
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
        "importMode": params.get("importMode") or "FULL",
        "publishAttributionMetricsToS3": bool(params.get("publishAttributionMetricsToS3", False)),
        "tags": check_tags(params),
    }
    if not store.insert("dataset-import-job", job_arn, doc, parent=ds_arn):
        raise errors.ResourceAlreadyExistsException(
            f"Dataset import job {params['jobName']} already exists: {job_arn}"
        )
    store.update("dataset", ds_arn, {"latestDatasetUpdate": _update_of(ds, "CREATE PENDING", now)})
    jobs.start(store, job_arn, "dataset-import-job")
    return {"datasetImportJobArn": job_arn}


def _update_of(ds: dict, status: str, now: float, reason: str | None = None) -> dict:
    update = {
        "schemaArn": ds["schemaArn"],
        "status": status,
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
    }
    if reason:
        update["failureReason"] = reason
    return update


def describe_dataset_import_job(store: Store, params: dict) -> dict:
    """Describe an import job; a job whose process died is resumed here."""
    doc = get(store, params["datasetImportJobArn"], "dataset-import-job")
    return {"datasetImportJob": public_fields(doc, _JOB_FIELDS)}


def list_dataset_import_jobs(store: Store, params: dict) -> dict:
    """List import jobs (of a dataset), newest first."""
    fields = (
        "datasetImportJobArn", "jobName", "status", "creationDateTime",
        "lastUpdatedDateTime", "failureReason", "importMode",
    )  # fmt: skip
    jobs_ = summaries(store, "dataset-import-job", fields, params.get("datasetArn"))
    return paginate(jobs_, params, "datasetImportJobs")


# --- recipes --------------------------------------------------------------------------------
def _recipes(domain: str | None) -> list[dict]:
    out = []
    names = list(ECOMMERCE_RECIPES) if domain == "ECOMMERCE" else []
    if domain is None:
        names = list(ECOMMERCE_RECIPES) + sorted(CUSTOM_RECIPES)
    for name in names:
        out.append(
            {
                "name": name,
                "recipeArn": f"arn:aws:personalize:::recipe/{name}",
                "status": "ACTIVE",
                "creationDateTime": _RECIPE_DATE,
                "lastUpdatedDateTime": _RECIPE_DATE,
                **({"domain": "ECOMMERCE"} if name in ECOMMERCE_RECIPES else {}),
            }
        )
    return out


def list_recipes(store: Store, params: dict) -> dict:
    """List the built-in recipes (all, or one domain's use cases)."""
    return paginate(_recipes(params.get("domain")), params, "recipes")


def describe_recipe(store: Store, params: dict) -> dict:
    """Describe a built-in recipe; a custom one with its algorithm and feature transformation."""
    algorithms.builtin_name(params["recipeArn"], "recipe")  # InvalidInputException if malformed
    for recipe in _recipes(None):
        if recipe["recipeArn"] == params["recipeArn"]:
            name = recipe["name"]
            kind = CUSTOM_RECIPES.get(name, "USER_PERSONALIZATION")
            recipe = dict(recipe, recipeType=kind, description=f"Built-in recipe {name} (local backend).")
            recipe.update(algorithms.recipe_parts(name))
            recipe.pop("domain", None)
            return {"recipe": recipe}
    raise errors.ResourceNotFoundException(f"Could not find resource: {params['recipeArn']}")


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

"""Amazon Personalize's data, locally: dataset groups, schemas, datasets and dataset import jobs.

Each kind is declared once for the resource layer (``resources``), which answers its Describe,
List and Delete; this module creates them. A dataset group and a dataset become ``ACTIVE``
asynchronously; an import job reads, checks and stores its CSVs (``imports``). Deleting a dataset
group needs it to hold nothing; deleting a dataset removes its imported and streamed data.
"""

from __future__ import annotations

import time

from helpers.localaws.engine import errors, jobs
from helpers.localaws.engine.store import Store, dataset_arn
from helpers.localaws.personalize import imports, resources
from helpers.localaws.personalize.resources import Kind, declare

__all__ = ["create_dataset", "create_dataset_group", "create_dataset_import_job", "create_schema"]


# --- dataset groups -------------------------------------------------------------------------
_GROUP_FIELDS = (
    "name", "datasetGroupArn", "status", "roleArn", "kmsKeyArn",
    "creationDateTime", "lastUpdatedDateTime", "failureReason", "domain",
)  # fmt: skip
_GROUP_CHILDREN = ("dataset", "solution", "recommender", "event-tracker", "filter")


def _group_deletable(store: Store, group_arn: str, doc: dict) -> None:
    """ResourceInUseException while it is created or deleted, or still holds resources."""
    if doc["status"] in ("CREATE PENDING", "CREATE IN_PROGRESS", "DELETE PENDING"):
        raise errors.ResourceInUseException(f"Dataset group {group_arn} is {doc['status']}.")
    for child_kind in _GROUP_CHILDREN:
        if store.count(child_kind, parent=group_arn):
            raise errors.ResourceInUseException(
                f"Dataset group {group_arn} still has {child_kind}s; delete them first."
            )


declare(
    Kind(
        name="dataset-group",
        member="datasetGroup",
        arn_member="datasetGroupArn",
        fields=_GROUP_FIELDS,
        list_key="datasetGroups",
        summary_fields=tuple(f for f in _GROUP_FIELDS if f not in ("roleArn", "kmsKeyArn")),
        deletable=_group_deletable,
        children=("dataset",),
    )
)  # fmt: skip


def create_dataset_group(store: Store, params: dict) -> dict:
    """Create a dataset group (domain ECOMMERCE or VIDEO_ON_DEMAND, or none for custom)."""
    tags = resources.check_tags(params)
    group_arn = resources.arn("dataset-group", params["name"])
    now = time.time()
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
    return resources.public_fields(doc, ("datasetGroupArn", "domain"))


# --- schemas --------------------------------------------------------------------------------
def _schema_deletable(store: Store, schema_arn: str, doc: dict) -> None:
    """ResourceInUseException while a dataset uses it."""
    for ds_arn, ds in store.items("dataset"):
        if ds["schemaArn"] == schema_arn:
            raise errors.ResourceInUseException(f"Schema {schema_arn} is used by dataset {ds_arn}.")


declare(
    Kind(
        name="schema",
        member="schema",
        arn_member="schemaArn",
        fields=("name", "schemaArn", "schema", "creationDateTime", "lastUpdatedDateTime", "domain"),
        list_key="schemas",
        summary_fields=("name", "schemaArn", "creationDateTime", "lastUpdatedDateTime", "domain"),
        lifecycle=False,
        deletable=_schema_deletable,
    )
)  # fmt: skip


def create_schema(store: Store, params: dict) -> dict:
    """Create an Avro schema; its fields and types are checked, and against its domain."""
    imports.parse_schema(params["schema"])
    schema_arn = resources.arn("schema", params["name"])
    now = time.time()
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


# --- datasets -------------------------------------------------------------------------------
def _dataset_deletable(store: Store, ds_arn: str, doc: dict) -> None:
    """ResourceInUseException while it is created or deleted, or an import into it runs."""
    if doc["status"] not in ("ACTIVE", "CREATE FAILED"):
        raise errors.ResourceInUseException(f"Dataset {ds_arn} is {doc['status']}.")
    for job_arn, job in store.items("dataset-import-job", parent=ds_arn):
        if job["status"] in ("CREATE PENDING", "CREATE IN_PROGRESS"):
            raise errors.ResourceInUseException(f"Dataset import job {job_arn} of {ds_arn} is still running.")


declare(
    Kind(
        name="dataset",
        member="dataset",
        arn_member="datasetArn",
        fields=(
            "name", "datasetArn", "datasetGroupArn", "datasetType", "schemaArn", "status",
            "creationDateTime", "lastUpdatedDateTime", "latestDatasetUpdate", "trackingId",
        ),
        list_key="datasets",
        summary_fields=(
            "name", "datasetArn", "datasetType", "status", "creationDateTime", "lastUpdatedDateTime",
        ),
        parent="dataset-group",
        parent_member="datasetGroupArn",
        deletable=_dataset_deletable,
        children=("dataset-import-job", "dataset-export-job"),
        owns_records=True,
    )
)  # fmt: skip


ACTION_TYPES = ("ACTIONS", "ACTION_INTERACTIONS")
"""Dataset types of the Next-Best-Action recipe, which a domain dataset group cannot have (the guide)."""


def create_dataset(store: Store, params: dict) -> dict:
    """Create the Interactions, Items, Users, Actions or Action interactions dataset of an ACTIVE
    dataset group."""
    group_arn, kind = params["datasetGroupArn"], params["datasetType"]
    if kind.upper() not in imports.DATASET_TYPES:
        raise errors.InvalidInputException(
            f"datasetType must be one of {sorted(imports.DATASET_TYPES)} (any case), not {kind!r}."
        )
    group = resources.get(store, group_arn, "dataset-group")
    schema = resources.get(store, params["schemaArn"], "schema")
    if group["status"] != "ACTIVE":
        raise errors.ResourceInUseException(f"Dataset group {group_arn} is {group['status']}, not ACTIVE.")
    if kind.upper() in ACTION_TYPES and group.get("domain"):
        raise errors.InvalidInputException(
            f"datasetType {kind}: dataset group {group_arn} is a {group['domain']} domain dataset group, "
            "and Actions and Action interactions datasets exist only in custom dataset groups."
        )
    if (schema.get("domain") or None) != (group.get("domain") or None):
        raise errors.InvalidInputException(
            f"Schema {params['schemaArn']} has domain {schema.get('domain')} but dataset group "
            f"{group_arn} has domain {group.get('domain')}."
        )
    imports.check_schema_for(imports.parse_schema(schema["schema"]), kind.upper(), group.get("domain"))
    ds_arn = dataset_arn(group_arn, group["name"], kind)
    now = time.time()
    doc = {
        "name": params["name"],
        "datasetArn": ds_arn,
        "datasetGroupArn": group_arn,
        "datasetType": kind.upper(),
        "schemaArn": params["schemaArn"],
        "status": "CREATE PENDING",
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
        "tags": resources.check_tags(params),
        "parts": [],
    }
    if not store.insert("dataset", ds_arn, doc, parent=group_arn):
        raise errors.ResourceAlreadyExistsException(
            f"Dataset group {group_arn} already has a {kind} dataset: {ds_arn}"
        )
    jobs.start(store, ds_arn, "dataset")
    return {"datasetArn": ds_arn}


# --- dataset import jobs --------------------------------------------------------------------
declare(
    Kind(
        name="dataset-import-job",
        member="datasetImportJob",
        arn_member="datasetImportJobArn",
        fields=(
            "jobName", "datasetImportJobArn", "datasetArn", "dataSource", "roleArn", "status",
            "creationDateTime", "lastUpdatedDateTime", "failureReason", "importMode",
            "publishAttributionMetricsToS3",
        ),
        list_key="datasetImportJobs",
        summary_fields=(
            "datasetImportJobArn", "jobName", "status", "creationDateTime",
            "lastUpdatedDateTime", "failureReason", "importMode",
        ),
        parent="dataset",
        parent_member="datasetArn",
        work=imports.run,
    )
)  # fmt: skip


def active_dataset(store: Store, ds_arn: str) -> dict:
    """An ACTIVE dataset's document; ResourceInUseException while it is not ACTIVE."""
    ds = resources.get(store, ds_arn, "dataset")
    if ds["status"] != "ACTIVE":
        raise errors.ResourceInUseException(f"Dataset {ds_arn} is {ds['status']}, not ACTIVE.")
    return ds


def create_dataset_import_job(store: Store, params: dict) -> dict:
    """Start importing a CSV (or every CSV under a prefix) from S3 into an ACTIVE dataset."""
    ds_arn = params["datasetArn"]
    ds = active_dataset(store, ds_arn)
    location = params["dataSource"].get("dataLocation", "")
    if not location.startswith("s3://"):
        raise errors.InvalidInputException(f"dataLocation must be an s3:// path, not {location!r}.")
    job_arn = resources.arn("dataset-import-job", params["jobName"])
    now = time.time()
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
        "tags": resources.check_tags(params),
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

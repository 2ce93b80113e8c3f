"""Amazon Personalize's data, locally: dataset groups, schemas, datasets and dataset import jobs.

Each kind is declared once for the resource layer (``resources``), which answers its Describe,
List and Delete; this module creates them. A dataset group and a dataset become ``ACTIVE``
asynchronously; an import job reads, checks and stores its CSVs (``imports``), then hands them to
the metric attribution's report (``metric_attributions``). UpdateDataset replaces an Items or
Users dataset's schema. Deleting a dataset group needs it to hold nothing (its metric attribution
and data deletion jobs go with it); deleting a dataset removes its imported and streamed data.
"""

from __future__ import annotations

import time
import uuid

import pandas as pd

from helpers.localaws.engine import errors, jobs
from helpers.localaws.engine.store import Store, dataset_arn
from helpers.localaws.personalize import imports, metric_attributions, resources
from helpers.localaws.personalize.resources import Kind, declare

__all__ = [
    "create_dataset", "create_dataset_group", "create_dataset_import_job", "create_schema", "update_dataset",
]  # fmt: skip


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
        children=("dataset", "metric-attribution", "data-deletion-job"),
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
    if kind.upper() == "ACTION_INTERACTIONS":  # AWS makes its event tracker with it: PutActionInteractions
        doc["trackingId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ds_arn}|action-interactions"))
    if not store.insert("dataset", ds_arn, doc, parent=group_arn):
        raise errors.ResourceAlreadyExistsException(
            f"Dataset group {group_arn} already has a {kind} dataset: {ds_arn}"
        )
    jobs.start(store, ds_arn, "dataset")
    return {"datasetArn": ds_arn}


_REPLACEABLE = ("ITEMS", "USERS")
"""Dataset types whose schema UpdateDataset may replace."""
_NULL_DTYPES = {
    "int": "Int64",
    "long": "Int64",
    "float": "float64",
    "double": "float64",
    "boolean": "boolean",
}
"""The column type of a field's nulls, as an import stores them (strings: object)."""


def _described(field: imports.Field) -> str:
    """A field's type and attributes in words: ``string, nullable, categorical``."""
    flags = [("nullable", field.nullable), ("categorical", field.categorical), ("textual", field.textual)]
    return ", ".join([field.type, *(word for word, on in flags if on)])


def update_dataset(store: Store, params: dict) -> dict:
    """Replace an ACTIVE Items or Users dataset's schema with one that keeps every field as it was.

    As the developer guide's "Replacing a dataset's schema" says: the new schema keeps every
    field of the old one with its type and attributes, and every field it adds allows null.
    The records imported before get the added fields, null (as AWS treats them until the next
    import).
    """
    ds_arn, schema_arn = params["datasetArn"], params["schemaArn"]
    ds = active_dataset(store, ds_arn)
    schema = resources.get(store, schema_arn, "schema")
    if ds["datasetType"] not in _REPLACEABLE:
        raise errors.InvalidInputException(
            f"Only an Items or Users dataset's schema can be replaced; {ds_arn} is a "
            f"{ds['datasetType'].title()} dataset."
        )
    group = store.get("dataset-group", ds["datasetGroupArn"]) or {}
    if (schema.get("domain") or None) != (group.get("domain") or None):
        raise errors.InvalidInputException(
            f"Schema {schema_arn} has domain {schema.get('domain')} but dataset {ds_arn} has domain "
            f"{group.get('domain')}."
        )
    old = {f.name: f for f in imports.parse_schema(store.get("schema", ds["schemaArn"])["schema"])}
    new = {f.name: f for f in imports.parse_schema(schema["schema"])}
    for name, field in old.items():
        if name not in new:
            raise errors.InvalidInputException(
                f"Schema {schema_arn} has no field {name}; a replacement schema keeps every field of "
                f"{ds['schemaArn']}."
            )
        if new[name] != field:
            raise errors.InvalidInputException(
                f"Field {name} changes from {_described(field)} to {_described(new[name])}; a "
                "replacement schema keeps each field's type and attributes."
            )
    for name, field in new.items():
        if name not in old and not field.nullable:
            raise errors.InvalidInputException(
                f'Field {name} is new in {schema_arn}, so it must allow null (a union with "null").'
            )
    imports.check_schema_for(list(new.values()), ds["datasetType"], group.get("domain"))
    added = [field for name, field in new.items() if name not in old]
    for part in ds.get("parts", []):  # the records imported before have no value in the new fields
        frame = pd.read_parquet(store.absolute(part))
        for field in added:
            frame[field.name] = pd.Series([None] * len(frame), dtype=_NULL_DTYPES.get(field.type, object))
        store.write_table(store.absolute(part), frame)
    now = time.time()
    update = _update_of({**ds, "schemaArn": schema_arn}, "ACTIVE", now)
    store.update(
        "dataset",
        ds_arn,
        {"schemaArn": schema_arn, "latestDatasetUpdate": update, "lastUpdatedDateTime": now},
    )
    return {"datasetArn": ds_arn}


# --- dataset import jobs --------------------------------------------------------------------
def _import(store: Store, job_arn: str) -> None:
    """An import job's work: the import, then the metric attribution's report of it."""
    imports.run(store, job_arn)
    metric_attributions.report_import(store, job_arn)


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
        work=_import,
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
        "publishAttributionMetricsToS3": params.get("publishAttributionMetricsToS3"),
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

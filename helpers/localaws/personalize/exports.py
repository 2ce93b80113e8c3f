"""Amazon Personalize dataset export jobs, locally: a dataset's records written to S3 as CSV.

CreateDatasetExportJob writes the records of an ACTIVE dataset to one CSV file with a header row
of the schema's fields, under ``jobOutput.s3DataDestination.path``. ``ingestionMode`` picks the
records, as the developer guide's "Exporting a dataset" describes: ``BULK`` what dataset import
jobs imported, ``PUT`` (the default) what PutEvents, PutUsers or PutItems streamed, ``ALL``
both — then an Items or Users export keeps the newest record per id, an Interactions export
every interaction. Records equal in every field are written once.

The guide leaves the file's name open; the local backend writes ``<path>/<jobName>.csv``. A
missing output bucket ends the job ``CREATE FAILED`` with the reason.
"""

from __future__ import annotations

import time

import pandas as pd

from helpers.localaws.aws import s3
from helpers.localaws.engine import errors, jobs
from helpers.localaws.engine.store import Store
from helpers.localaws.personalize import datasets, imports, resources, streams
from helpers.localaws.personalize.resources import Kind, declare

__all__ = ["create_dataset_export_job"]

KIND = "dataset-export-job"
_ID_COLUMNS = {"USERS": "USER_ID", "ITEMS": "ITEM_ID"}


class ExportFailed(Exception):
    """The job cannot write its output; the message becomes the failureReason."""


def records(store: Store, ds: dict, mode: str) -> pd.DataFrame:
    """The records of a dataset an export in ``mode`` (BULK, PUT or ALL) writes, in schema columns."""
    columns = [f.name for f in imports.parse_schema(store.get("schema", ds["schemaArn"])["schema"])]
    bulk = [pd.read_parquet(store.absolute(part)) for part in ds.get("parts", [])] if mode != "PUT" else []
    put = []
    if mode != "BULK":
        group_arn, kind = ds["datasetGroupArn"], ds["datasetType"]
        if kind == "INTERACTIONS":
            put = [streams.interactions(store, group_arn, columns)[0]]
        else:
            put = [pd.DataFrame([row for _, _, row in store.records(ds["datasetArn"])])]
    frames = [f.reindex(columns=columns) for f in [*bulk, *put] if f is not None and len(f)]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    frame = frame.drop_duplicates(ignore_index=True)
    key = _ID_COLUMNS.get(ds["datasetType"])
    if mode == "ALL" and key is not None:  # streamed after imported: the newest record per id
        frame = frame.drop_duplicates(subset=key, keep="last", ignore_index=True)
    return frame


def _run(store: Store, arn: str) -> None:
    doc = store.get(KIND, arn)
    if doc is None or doc["status"] not in ("CREATE PENDING", "CREATE IN_PROGRESS"):
        return
    resources.set_status(store, KIND, arn, "CREATE IN_PROGRESS")
    ds = resources.get(store, doc["datasetArn"], "dataset")
    body = records(store, ds, doc["ingestionMode"]).to_csv(index=False).encode()
    bucket, _, prefix = doc["jobOutput"]["s3DataDestination"]["path"].removeprefix("s3://").partition("/")
    key = f"{prefix.rstrip('/')}/{doc['jobName']}.csv".lstrip("/")
    try:
        s3.put_object(store, {"Bucket": bucket, "Key": key, "Body": body})
    except errors.AWSError as err:
        raise ExportFailed(f"Cannot write the output s3://{bucket}/{key}: {err}") from err
    resources.set_status(store, KIND, arn, "ACTIVE")


declare(
    Kind(
        name=KIND,
        member="datasetExportJob",
        arn_member="datasetExportJobArn",
        fields=(
            "jobName", "datasetExportJobArn", "datasetArn", "ingestionMode", "roleArn", "status",
            "jobOutput", "creationDateTime", "lastUpdatedDateTime", "failureReason",
        ),
        list_key="datasetExportJobs",
        summary_fields=(
            "datasetExportJobArn", "jobName", "status", "creationDateTime", "lastUpdatedDateTime",
            "failureReason",
        ),
        parent="dataset",
        parent_member="datasetArn",
        work=_run,
    )
)  # fmt: skip


def create_dataset_export_job(store: Store, params: dict) -> dict:
    """Start exporting an ACTIVE dataset's records to S3 as CSV."""
    ds_arn = params["datasetArn"]
    datasets.active_dataset(store, ds_arn)
    path = params["jobOutput"]["s3DataDestination"]["path"]
    if not path.startswith("s3://") or not path.removeprefix("s3://").split("/")[0]:
        raise errors.InvalidInputException(
            f"jobOutput.s3DataDestination.path must be an s3:// path with a bucket, not {path!r}."
        )
    arn = resources.arn(KIND, params["jobName"])
    now = time.time()
    doc = {
        "jobName": params["jobName"],
        "datasetExportJobArn": arn,
        "datasetArn": ds_arn,
        "ingestionMode": params.get("ingestionMode") or "PUT",
        "roleArn": params["roleArn"],
        "jobOutput": params["jobOutput"],
        "status": "CREATE PENDING",
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
        "tags": resources.check_tags(params),
    }
    if not store.insert(KIND, arn, doc, parent=ds_arn):
        raise errors.ResourceAlreadyExistsException(
            f"Dataset export job {params['jobName']} already exists: {arn}"
        )
    jobs.start(store, arn, KIND)
    return {"datasetExportJobArn": arn}

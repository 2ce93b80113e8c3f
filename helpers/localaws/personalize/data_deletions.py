"""Amazon Personalize data deletion jobs, locally: shoppers who asked to be forgotten.

CreateDataDeletionJob reads a CSV with a ``USER_ID`` column (one file, or every file under a
prefix) from S3 and removes those users' records from every dataset of the dataset group that
has a ``USER_ID`` column, as the developer guide's "Deleting users" describes: imported rows
(Interactions, Users, Action interactions), streamed events (with the anonymous events of the
sessions in which they signed in) and streamed users. ``numDeleted`` counts the records
removed. The next training (a new solution version, a recommender's retraining) no longer sees
them. On AWS the job also removes them from trained models (within up to a day); locally, a
model already trained keeps what it learned from them until its next training.

A job runs ``PENDING`` → ``IN_PROGRESS`` → ``COMPLETED`` (or ``FAILED`` with the reason: no
such file, no ``USER_ID`` column).
"""

from __future__ import annotations

import io
import time

import pandas as pd

from helpers.localaws.engine import errors, jobs
from helpers.localaws.engine.store import Store
from helpers.localaws.personalize import imports, resources, streams
from helpers.localaws.personalize.resources import Kind, declare

__all__ = ["create_data_deletion_job"]

KIND = "data-deletion-job"
_USER_DATASETS = ("Interactions", "Users", "Action_Interactions")
"""Dataset types whose records belong to a user (``USER_ID``)."""


class DeletionFailed(Exception):
    """The job cannot read its list of users; the message becomes the failureReason."""


def _users(store: Store, location: str) -> set[str]:
    """The USER_ID values of the CSV file(s) at an s3:// location."""
    try:
        sources = imports.sources(store, location)
    except imports.ImportFailed as exc:
        raise DeletionFailed(str(exc)) from exc
    users: set[str] = set()
    for name, doc in sources:
        frame = pd.read_csv(io.BytesIO(store.absolute(doc["file"]).read_bytes()), dtype=str)
        if "USER_ID" not in frame.columns:
            raise DeletionFailed(f"{name} has no USER_ID column; its header is {list(frame.columns)}.")
        users.update(frame["USER_ID"].dropna().str.strip())
    return users


def forget(store: Store, group_arn: str, users: set[str]) -> int:
    """Remove the users' imported and streamed records from every dataset of a group; return how many."""
    deleted = 0
    for dataset_type in _USER_DATASETS:
        ds_arn = streams.stream_of(store, group_arn, dataset_type)
        ds = store.get("dataset", ds_arn)
        if ds is None:
            continue
        for part in ds.get("parts", []):
            frame = pd.read_parquet(store.absolute(part))
            leaving = frame["USER_ID"].astype(str).isin(users)
            if leaving.any():
                store.write_table(store.absolute(part), frame[~leaving].reset_index(drop=True))
                deleted += int(leaving.sum())
        deleted += store.delete_records_of(ds_arn, users)
        store.update("dataset", ds_arn, {"lastUpdatedDateTime": time.time()})  # the data changed
    return deleted


def _run(store: Store, arn: str) -> None:
    doc = store.get(KIND, arn)
    if doc is None or doc["status"] not in ("PENDING", "IN_PROGRESS"):
        return
    resources.set_status(store, KIND, arn, "IN_PROGRESS")
    try:
        users = _users(store, doc["dataSource"]["dataLocation"])
    except DeletionFailed as exc:
        resources.set_status(store, KIND, arn, "FAILED", str(exc))
        return
    with store.transaction():
        deleted = forget(store, doc["datasetGroupArn"], users)
        store.update(
            KIND, arn, {"status": "COMPLETED", "numDeleted": deleted, "lastUpdatedDateTime": time.time()}
        )


declare(
    Kind(
        name=KIND,
        member="dataDeletionJob",
        arn_member="dataDeletionJobArn",
        fields=(
            "jobName", "dataDeletionJobArn", "datasetGroupArn", "dataSource", "roleArn", "status",
            "numDeleted", "creationDateTime", "lastUpdatedDateTime", "failureReason",
        ),
        list_key="dataDeletionJobs",
        summary_fields=(
            "dataDeletionJobArn", "datasetGroupArn", "jobName", "status", "creationDateTime",
            "lastUpdatedDateTime", "failureReason",
        ),
        parent="dataset-group",
        parent_member="datasetGroupArn",
        work=_run,
    )
)  # fmt: skip
jobs.register(KIND, _run, resources.settle(KIND, "FAILED"), parent_waits=True)  # its statuses end FAILED


def create_data_deletion_job(store: Store, params: dict) -> dict:
    """Start deleting the users listed in a CSV in S3 from a dataset group's data."""
    group_arn = params["datasetGroupArn"]
    group = resources.get(store, group_arn, "dataset-group")
    if group["status"] != "ACTIVE":
        raise errors.ResourceInUseException(f"Dataset group {group_arn} is {group['status']}, not ACTIVE.")
    location = params["dataSource"].get("dataLocation", "")
    if not location.startswith("s3://"):
        raise errors.InvalidInputException(
            f"dataSource.dataLocation must be an s3:// path, not {location!r}."
        )
    arn = resources.arn(KIND, params["jobName"])
    now = time.time()
    doc = {
        "jobName": params["jobName"],
        "dataDeletionJobArn": arn,
        "datasetGroupArn": group_arn,
        "dataSource": {"dataLocation": location},
        "roleArn": params["roleArn"],
        "status": "PENDING",
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
        "tags": resources.check_tags(params),
    }
    if not store.insert(KIND, arn, doc, parent=group_arn):
        raise errors.ResourceAlreadyExistsException(
            f"Data deletion job {params['jobName']} already exists: {arn}"
        )
    jobs.start(store, arn, KIND)
    return {"dataDeletionJobArn": arn}

"""Amazon Personalize event trackers, locally: the ``trackingId`` through which PutEvents streams.

``personalize`` answers these operations (its ``__getattr__`` finds them here). As in the
CreateEventTracker documentation: one event tracker per dataset group (a second one is
``ResourceAlreadyExistsException``), lifecycle ``CREATE PENDING`` → ``CREATE IN_PROGRESS`` →
``ACTIVE``, and ``DELETE PENDING`` → gone; its ``trackingId`` works once it is ``ACTIVE``.
The events themselves live in the store's stream of the dataset group's Interactions dataset
(``events``), so deleting a tracker keeps what it recorded.
"""

from __future__ import annotations

import time
import uuid

from helpers.localaws.aws.sts import ACCOUNT
from helpers.localaws.engine import errors, jobs
from helpers.localaws.engine.store import Store
from helpers.localaws.personalize import datasets as p

__all__ = [
    "create_event_tracker",
    "delete_event_tracker",
    "describe_event_tracker",
    "list_event_trackers",
]

KIND = "event-tracker"
_FIELDS = (
    "name", "eventTrackerArn", "accountId", "trackingId", "datasetGroupArn", "status",
    "creationDateTime", "lastUpdatedDateTime",
)  # fmt: skip
_SUMMARY_FIELDS = ("name", "eventTrackerArn", "status", "creationDateTime", "lastUpdatedDateTime")

jobs.register(
    KIND, p.transition(KIND, "CREATE", "ACTIVE"), p.settle(KIND, "CREATE FAILED"), parent_waits=True
)


def tracker_of_tracking_id(store: Store, tracking_id: str) -> dict | None:
    """The event tracker whose ``trackingId`` this is, or None."""
    for _, doc in store.items(KIND):
        if doc["trackingId"] == tracking_id:
            return doc
    return None


def create_event_tracker(store: Store, params: dict) -> dict:
    """Create the event tracker of an ACTIVE dataset group; return its ARN and trackingId."""
    group_arn = params["datasetGroupArn"]
    group = p.get(store, group_arn, "dataset-group")
    if group["status"] != "ACTIVE":
        raise errors.ResourceInUseException(f"Dataset group {group_arn} is {group['status']}, not ACTIVE.")
    tags = p.check_tags(params)
    existing = store.items(KIND, parent=group_arn)
    if existing:
        raise errors.ResourceAlreadyExistsException(
            f"Dataset group {group_arn} already has an event tracker ({existing[0][0]}); "
            "only one event tracker can be associated with a dataset group."
        )
    arn = p.arn(KIND, params["name"])
    now = time.time()
    doc = {
        "name": params["name"],
        "eventTrackerArn": arn,
        "accountId": ACCOUNT,
        "trackingId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{arn}|{group_arn}")),
        "datasetGroupArn": group_arn,
        "status": "CREATE PENDING",
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
        "tags": tags,
    }
    if not store.insert(KIND, arn, doc, parent=group_arn):
        raise errors.ResourceAlreadyExistsException(f"Event tracker {params['name']} already exists: {arn}")
    jobs.start(store, arn, KIND)
    return {"eventTrackerArn": arn, "trackingId": doc["trackingId"]}


def describe_event_tracker(store: Store, params: dict) -> dict:
    """Describe an event tracker, with its trackingId."""
    doc = p.get(store, params["eventTrackerArn"], KIND)
    return {"eventTracker": p.public_fields(doc, _FIELDS)}


def list_event_trackers(store: Store, params: dict) -> dict:
    """List event trackers (of a dataset group), newest first."""
    found = p.summaries(store, KIND, _SUMMARY_FIELDS, params.get("datasetGroupArn"))
    return p.paginate(found, params, "eventTrackers")


def delete_event_tracker(store: Store, params: dict) -> dict:
    """Delete an event tracker; ResourceInUseException while it is being created or deleted."""
    arn = params["eventTrackerArn"]
    doc = p.get(store, arn, KIND)
    if doc["status"] not in ("ACTIVE", "CREATE FAILED"):
        raise errors.ResourceInUseException(f"Event tracker {arn} is {doc['status']}; wait until it settles.")
    p.start_delete(store, KIND, arn)
    return {}

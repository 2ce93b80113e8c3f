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
from helpers.localaws.personalize import resources as p

__all__ = ["create_event_tracker"]

KIND = "event-tracker"
p.declare(
    p.Kind(
        name=KIND,
        member="eventTracker",
        arn_member="eventTrackerArn",
        fields=(
            "name", "eventTrackerArn", "accountId", "trackingId", "datasetGroupArn", "status",
            "creationDateTime", "lastUpdatedDateTime",
        ),
        list_key="eventTrackers",
        summary_fields=("name", "eventTrackerArn", "status", "creationDateTime", "lastUpdatedDateTime"),
        parent="dataset-group",
        parent_member="datasetGroupArn",
        deletable=p.settled("Event tracker"),
    )
)  # fmt: skip


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

"""Amazon Personalize Events, locally: PutEvents, PutUsers, PutItems, PutActions and
PutActionInteractions stream records to disk.

Records are appended to the store's stream of their dataset (``Store.add_records``): durable,
shared by every process, read at request time by personalize-runtime (an event changes that
shopper's next Recommended for you at once) and at training time by the recommenders
(``streams``). The checks are Personalize's, from the API reference and
"Importing individual records" in the developer guide:

- 1 to 10 events, users or items per call (botocore checks the minimum, ``validation`` the maximum);
- an event needs ``eventType`` and ``sentAt``, and ``itemId`` when the Interactions schema
  requires ``ITEM_ID``; a user needs ``userId``, an item ``itemId``;
- ``properties`` is a JSON object whose keys are the camel-case names of schema fields
  (``numberOfRatings`` → ``NUMBER_OF_RATINGS``), each value of its field's type; PutUsers and
  PutItems need every field the schema does not allow to be null; an event's ``properties`` may
  also carry its ``itemId`` and ``eventValue``, the older form of an event (``OLDER_FORM``);
- the ``trackingId`` must be an ACTIVE event tracker's (for PutActionInteractions, also the
  Action interactions dataset's own, which AWS creates with the dataset); the dataset must exist
  and be ACTIVE.

Events are credited to their ``metricAttribution.eventAttributionSource`` or ``recommendationId``
and published to CloudWatch when the dataset group has a metric attribution
(``metric_attributions``).
PutActions adds or replaces actions in an Actions dataset as PutItems does items;
PutActionInteractions records action interactions through the Action interactions dataset's
``trackingId`` (``DescribeDataset``) or an event tracker into its dataset group's Action
interactions dataset (an interaction without ``userId`` belongs to its
``sessionId``); the Next-Best-Action recipe trains on them (``training.next_best_action``).

Every check runs before anything is written, so a refused call records nothing.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from helpers.localaws.engine import errors
from helpers.localaws.engine import service_models as models
from helpers.localaws.engine.store import Store
from helpers.localaws.personalize import event_trackers, imports, metric_attributions, streams
from helpers.localaws.personalize import resources as personalize

SERVICE = "personalize-events"

_EVENT_MEMBERS = {"USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "EVENT_VALUE", "IMPRESSION"}
"""Interactions fields that PutEvents fills from its own members, never from ``properties``."""


def _required(shape: str) -> list[str]:
    return list(models.service(SERVICE).shape_for(shape).required_members)


def _check_required(record: dict, shape: str, where: str) -> None:
    for member in _required(shape):
        if record.get(member) in (None, ""):
            raise errors.InvalidInputException(f"{where}: {member} is required.")


def field_name(key: str) -> str:
    """The schema field a camel-case property key names: ``numberOfRatings`` → ``NUMBER_OF_RATINGS``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).upper()


_BOUND = {"int": 2**31, "long": 2**63}
"""Avro's 32- and 64-bit signed integers: a value ``v`` fits when ``-bound <= v < bound``."""


def _value(field: imports.Field, value: object, where: str) -> object:
    """A property value converted to its field's type; InvalidInputException if it is not one."""
    if value is None or value == "":
        if not field.nullable:
            raise errors.InvalidInputException(f"{where}: {field.name} must not be null.")
        return None
    try:
        if field.type == "string":
            if not isinstance(value, str):
                raise ValueError
            if field.categorical and len(value) > imports.MAX_CATEGORICAL_CHARS:
                raise errors.InvalidInputException(
                    f"{where}: {field.name} value is longer than {imports.MAX_CATEGORICAL_CHARS:,} "
                    f"characters ({len(value):,}), the most a categorical value may have."
                )
            return value
        if field.type == "boolean":
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "false"):
                return str(value).lower() == "true"
            raise ValueError
        if isinstance(value, bool):
            raise ValueError
        if field.type in ("int", "long"):
            number = value if isinstance(value, int) else float(value)
            if number != int(number) or not -_BOUND[field.type] <= int(number) < _BOUND[field.type]:
                raise ValueError
            return int(number)
        return float(value)
    except (ValueError, TypeError, OverflowError):
        article = "an" if field.type == "int" else "a"
        raise errors.InvalidInputException(
            f"{where}: {field.name} value {value!r} is not {article} {field.type}."
        ) from None


def _properties(text: str | None, fields: list[imports.Field], reserved: set[str], where: str) -> dict:
    """Parse ``properties`` and map it onto the schema's fields (InvalidInputException if it is off)."""
    if text is None:
        return {}
    try:
        parsed = json.loads(text)
    except ValueError as exc:
        raise errors.InvalidInputException(f"{where}: properties is not valid JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise errors.InvalidInputException(f"{where}: properties must be a JSON object, not {text!r}.")
    by_name = {f.name: f for f in fields if f.name not in reserved}
    row = {}
    for key, value in parsed.items():
        field = by_name.get(field_name(key))
        if field is None:
            raise errors.InvalidInputException(
                f"{where}: property {key!r} matches no field of the schema; "
                f"allowed are the camel-case names of {sorted(by_name)}."
            )
        row[field.name] = _value(field, value, where)
    return row


def _dataset(store: Store, ds_arn: str, dataset_type: str) -> tuple[dict, list[imports.Field]]:
    """An ACTIVE dataset of the type, and its schema's fields."""
    personalize.kind_of(ds_arn)  # InvalidInputException if malformed
    ds = store.get("dataset", ds_arn)
    if ds is None:
        raise errors.ResourceNotFoundException(f"Could not find dataset: {ds_arn}")
    if ds["datasetType"] != dataset_type:
        raise errors.InvalidInputException(
            f"Dataset {ds_arn} is of type {ds['datasetType']}; "
            f"{dataset_type} records go to an {dataset_type} dataset."
        )
    if ds["status"] != "ACTIVE":
        raise errors.ResourceInUseException(f"Dataset {ds_arn} is {ds['status']}, not ACTIVE.")
    return ds, imports.parse_schema(store.get("schema", ds["schemaArn"])["schema"])


def _epoch(value: object, where: str, member: str = "sentAt") -> int:
    """``sentAt`` (or another timestamp ``member``) in Unix seconds (botocore passes what the caller
    gave: datetime, number or text)."""
    try:
        if isinstance(value, datetime):
            return int(value.timestamp())
        if isinstance(value, str):
            try:
                return int(float(value))
            except ValueError:
                return int(datetime.fromisoformat(value).timestamp())
        return int(value)
    except (ValueError, TypeError, OverflowError):
        raise errors.InvalidInputException(f"{where}: {member} {value!r} is not a timestamp.") from None


def pending_work(store: Store, operation: str, params: dict) -> list[str]:
    """The work a call waits for: the creation of its event tracker (by ``trackingId``) or dataset,
    and of the metric attribution that counts its events."""
    named = personalize.named_arns(params)
    dataset = _action_dataset(store, params.get("trackingId", ""))
    if dataset is not None:
        named.add(dataset["datasetArn"])
    tracker = event_trackers.tracker_of_tracking_id(store, params.get("trackingId", ""))
    if tracker is not None:
        named.add(tracker["eventTrackerArn"])
        attribution = metric_attributions.of_group(store, tracker["datasetGroupArn"])
        if attribution is not None:
            named.add(attribution["metricAttributionArn"])
    return personalize.work_on(store, named, reading=True)


def _action_dataset(store: Store, tracking_id: str) -> dict | None:
    """The Action interactions dataset whose own ``trackingId`` this is, or None."""
    if not tracking_id:
        return None
    return next((doc for _, doc in store.items("dataset") if doc.get("trackingId") == tracking_id), None)


def _action_group(store: Store, tracking_id: str) -> str:
    """The dataset group a PutActionInteractions ``trackingId`` writes to: the Action interactions
    dataset's own tracker (AWS creates it with the dataset), or an event tracker of the group."""
    dataset = _action_dataset(store, tracking_id)
    if dataset is None:
        return _tracker(store, tracking_id)["datasetGroupArn"]
    if dataset["status"] != "ACTIVE":
        raise errors.InvalidInputException(
            f"Dataset {dataset['datasetArn']} is {dataset['status']}; its trackingId works once it is ACTIVE."
        )
    return dataset["datasetGroupArn"]


def _tracker(store: Store, tracking_id: str) -> dict:
    tracker = event_trackers.tracker_of_tracking_id(store, tracking_id)
    if tracker is None:
        raise errors.InvalidInputException(f"Could not find an event tracker with trackingId {tracking_id}.")
    if tracker["status"] != "ACTIVE":
        raise errors.InvalidInputException(
            f"Event tracker {tracker['eventTrackerArn']} is {tracker['status']}; "
            "its trackingId works once it is ACTIVE."
        )
    return tracker


OLDER_FORM = ("itemId", "eventValue")
"""``properties`` keys of the older event form that name an ``Event`` member: before ``itemId`` and
``eventValue`` were members, events carried them in ``properties`` (AWS's sample notebooks still
send ``properties={"itemId": …}``, and PutEvents takes it)."""


def _older_form(event: dict) -> dict:
    """The event with ``itemId``/``eventValue`` of its ``properties`` moved to its members (the
    members win when both are given); the event as it is otherwise."""
    text = event.get("properties")
    if not text or not any(f'"{key}"' in text for key in OLDER_FORM):
        return event
    try:
        parsed = json.loads(text)
    except ValueError:
        return event  # _properties names the error
    if not isinstance(parsed, dict):
        return event
    moved = {key: parsed.pop(key) for key in OLDER_FORM if key in parsed}
    return {**moved, **event, "properties": json.dumps(parsed) if parsed else None}


def _event_row(event: dict, user_id: str | None, fields: list[imports.Field], where: str) -> dict:
    event = _older_form(event)
    _check_required(event, "Event", where)
    by_name = {f.name: f for f in fields}
    if event.get("itemId") is None and "ITEM_ID" in by_name and not by_name["ITEM_ID"].nullable:
        raise errors.InvalidInputException(f"{where}: itemId is required by the Interactions schema.")
    row = {
        "USER_ID": user_id,
        "ITEM_ID": event.get("itemId"),
        "TIMESTAMP": _epoch(event["sentAt"], where),
        "EVENT_TYPE": event["eventType"],
        **_properties(event.get("properties"), fields, _EVENT_MEMBERS, where),
    }
    if event.get("eventValue") is not None:
        row["EVENT_VALUE"] = float(event["eventValue"])
    if event.get("impression"):
        row["IMPRESSION"] = "|".join(event["impression"])
    for member in ("eventId", "recommendationId"):
        if event.get(member):
            row[member] = event[member]
    if event.get("metricAttribution"):
        row["EVENT_ATTRIBUTION_SOURCE"] = event["metricAttribution"]["eventAttributionSource"]
    return row


def put_events(store: Store, params: dict) -> dict:
    """Record a shopper's events (1–10) through an event tracker."""
    _check_required(params, "PutEventsRequest", "PutEvents")
    events = params["eventList"]
    tracker = _tracker(store, params["trackingId"])
    ds_arn = streams.stream_of(store, tracker["datasetGroupArn"], "Interactions")
    if store.get("dataset", ds_arn) is None:
        raise errors.InvalidInputException(
            f"Dataset group {tracker['datasetGroupArn']} has no Interactions dataset to record events in."
        )
    _, fields = _dataset(store, ds_arn, "INTERACTIONS")
    rows = [
        _event_row(event, params.get("userId"), fields, f"eventList[{i}]") for i, event in enumerate(events)
    ]
    store.add_records(ds_arn, rows, session_id=params["sessionId"])
    metric_attributions.publish_events(store, tracker["datasetGroupArn"], rows)
    return {}


def _put_records(store: Store, params: dict, operation: str, kind: str) -> dict:
    """PutUsers / PutItems: check every record against the dataset's schema, then append them."""
    member, id_member, shape = f"{kind.lower()}s", f"{kind.lower()}Id", kind.title()
    _check_required(params, f"{operation}Request", operation)
    records = params[member]
    ds_arn = params["datasetArn"]
    _, fields = _dataset(store, ds_arn, f"{kind}S")
    id_field = f"{kind}_ID"
    required = [f.name for f in fields if not f.nullable and f.name != id_field]
    rows = []
    for i, record in enumerate(records):
        where = f"{member}[{i}]"
        _check_required(record, shape, where)
        properties = _properties(record.get("properties"), fields, {id_field}, where)
        row = {id_field: record[id_member], **properties}
        missing = [name for name in required if name not in row]
        if missing:
            raise errors.InvalidInputException(
                f"{where}: properties has no value for {missing[0]}, "
                "which the schema does not allow to be null."
            )
        rows.append(row)
    store.add_records(ds_arn, rows)
    return {}


def put_users(store: Store, params: dict) -> dict:
    """Add or replace users (1–10) in a Users dataset."""
    return _put_records(store, params, "PutUsers", "USER")


def put_items(store: Store, params: dict) -> dict:
    """Add or replace items (1–10) in an Items dataset."""
    return _put_records(store, params, "PutItems", "ITEM")


def put_actions(store: Store, params: dict) -> dict:
    """Add or replace actions (1–10) in an Actions dataset."""
    return _put_records(store, params, "PutActions", "ACTION")


def put_action_interactions(store: Store, params: dict) -> dict:
    """Record users' interactions with actions (1–10) through the Action interactions dataset's
    ``trackingId`` or an event tracker of its dataset group."""
    _check_required(params, "PutActionInteractionsRequest", "PutActionInteractions")
    group_arn = _action_group(store, params["trackingId"])
    ds_arn = streams.stream_of(store, group_arn, "Action_Interactions")
    if store.get("dataset", ds_arn) is None:
        raise errors.InvalidInputException(
            f"Dataset group {group_arn} has no Action interactions dataset to record action interactions in."
        )
    _, fields = _dataset(store, ds_arn, "ACTION_INTERACTIONS")
    reserved = {"USER_ID", "ACTION_ID", "TIMESTAMP", "EVENT_TYPE", "IMPRESSION"}
    rows = []
    for i, interaction in enumerate(params["actionInteractions"]):
        where = f"actionInteractions[{i}]"
        _check_required(interaction, "ActionInteraction", where)
        row = {
            "USER_ID": interaction.get("userId") or interaction["sessionId"],
            "ACTION_ID": interaction["actionId"],
            "TIMESTAMP": _epoch(interaction["timestamp"], where, "timestamp"),
            "EVENT_TYPE": interaction["eventType"],
            **_properties(interaction.get("properties"), fields, reserved, where),
        }
        if interaction.get("impression"):
            row["IMPRESSION"] = "|".join(interaction["impression"])
        for member in ("eventId", "recommendationId"):
            if interaction.get(member):
                row[member] = interaction[member]
        rows.append((interaction["sessionId"], row))
    for session, row in rows:
        store.add_records(ds_arn, [row], session_id=session)
    return {}

"""Streamed records (PutEvents, PutUsers, PutItems) read back for serving and for training.

``personalize_events`` appends records to the stream of their dataset; this module reads them:

- ``events_of``: one shopper's events newer than a model, joined at request time to the history
  the model was trained on (an anonymous session's events belong to the user who later sent a
  ``userId`` in that session);
- ``interactions``: every streamed event as Interactions rows for the next training, each
  anonymous event attributed to the user its session later named (or to its sessionId, which
  is how Personalize identifies a shopper who never signed in);
- ``catalogue``: the newest record per id of the Users or Items stream (a repeated id replaces
  the earlier record, as Personalize does).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.localaws.engine.store import Store, dataset_arn
from helpers.localaws.personalize import imports
from helpers.localaws.personalize.training import usecases
from helpers.recsys import content


def stream_of(store: Store, group_arn: str, dataset_type: str) -> str:
    """The ARN of a dataset group's dataset whose stream holds that type's records."""
    return dataset_arn(group_arn, group_arn.rsplit("/", 1)[-1], dataset_type)  # the ARN ends in the name


def events_of(store: Store, group_arn: str, user_id: str, after: int = 0) -> list[dict]:
    """A shopper's streamed events with sequence number above ``after``, oldest first.

    Args:
        store: the state.
        group_arn: the dataset group.
        user_id: the ``userId`` (or, for an anonymous shopper, the ``sessionId``) asked about.
        after: the newest sequence number the model already trained on.

    Returns:
        Interactions rows (``ITEM_ID``, ``TIMESTAMP``, ``EVENT_TYPE``, …).
    """
    ds = stream_of(store, group_arn, "Interactions")
    return [row for _, row in store.records_of(ds, user_id, after)]


def last_event(store: Store, group_arn: str) -> int:
    """The sequence number of a dataset group's newest streamed event (0 if none)."""
    return store.last_record(stream_of(store, group_arn, "Interactions"))


def interactions(store: Store, group_arn: str, columns: list[str]) -> tuple[pd.DataFrame | None, int]:
    """Every streamed event of a dataset group as Interactions rows, and the last sequence number.

    Events with the same ``eventId`` count once (the first), and so do events identical in
    every column, as Personalize keeps them.

    Args:
        store: the state.
        group_arn: the dataset group.
        columns: the Interactions dataset's columns (the schema's fields).

    Returns:
        ``(frame or None if nothing streamed, sequence number of the newest event read)``.
    """
    records = store.records(stream_of(store, group_arn, "Interactions"))
    if not records:
        return None, 0
    named = {session: row["USER_ID"] for _, session, row in records if row.get("USER_ID")}
    rows = []
    for _, session, row in records:
        user = row.get("USER_ID") or named.get(session) or session
        rows.append({**row, "USER_ID": user})
    frame = pd.DataFrame(rows)
    if "eventId" in frame:
        frame = frame[frame["eventId"].isna() | ~frame["eventId"].duplicated()]
    frame = frame.reindex(columns=columns).drop_duplicates(ignore_index=True)
    return frame, records[-1][0]


def catalogue(store: Store, group_arn: str, dataset_type: str, columns: list[str]) -> pd.DataFrame | None:
    """The newest streamed record per id of a Users or Items stream (None if nothing streamed).

    Args:
        store: the state.
        group_arn: the dataset group.
        dataset_type: ``Users`` or ``Items``.
        columns: the dataset's columns.
    """
    records = store.records(stream_of(store, group_arn, dataset_type))
    if not records:
        return None
    key = "USER_ID" if dataset_type.upper() == "USERS" else "ITEM_ID"
    frame = pd.DataFrame([row for _, _, row in records]).reindex(columns=columns)
    return frame.drop_duplicates(subset=key, keep="last", ignore_index=True)


@dataclass(frozen=True)
class ItemFields:
    """The fields of a dataset group's Items schema that training reads.

    Attributes:
        columns: every field, in schema order.
        categorical: the categorical string fields.
        textual: the textual fields (descriptions).
        names: the item name fields (``"itemName": true``), read as text too.
    """

    columns: list[str]
    categorical: tuple[str, ...]
    textual: tuple[str, ...]
    names: tuple[str, ...] = ()

    @property
    def text(self) -> tuple[str, ...]:
        """The fields whose words describe an item: the textual fields and the item name."""
        return self.textual + self.names


def item_fields(store: Store, group_arn: str) -> ItemFields | None:
    """The Items schema's fields of a dataset group, or None if it has no Items dataset."""
    return store.cached(("item_fields", group_arn), lambda: _item_fields(store, group_arn))


def _item_fields(store: Store, group_arn: str) -> ItemFields | None:
    ds = store.get("dataset", stream_of(store, group_arn, "Items"))
    if ds is None:
        return None
    fields = imports.parse_schema(store.get("schema", ds["schemaArn"])["schema"])
    return ItemFields(
        [f.name for f in fields],
        tuple(f.name for f in fields if f.categorical),
        tuple(f.name for f in fields if f.textual),
        tuple(f.name for f in fields if f.item_name),
    )


def new_items(store: Store, group_arn: str, model: usecases.Model) -> usecases.NewItems | None:
    """The items streamed with PutItems that ``model`` has not seen (None if there are none),
    kept until the database changes (``_per_model``)."""
    return _per_model(store, "new items", group_arn, model, lambda: _new_items(store, group_arn, model))


def explorable(
    store: Store, group_arn: str, model: usecases.Model, cutoff_days: float
) -> usecases.Explorable:
    """``usecases.explorable`` of ``model`` and its new items (``new_items``), kept until the database
    changes."""
    return _per_model(
        store,
        f"explorable {cutoff_days}",
        group_arn,
        model,
        lambda: usecases.explorable(model, cutoff_days, new_items(store, group_arn, model)),
    )


def served_ids(store: Store, group_arn: str, model: usecases.Model) -> np.ndarray:
    """The ids of ``model``'s items, then of the new ones (``new_items``): what it may recommend.

    The same array until the database changes, so that what is derived from it can be kept by its
    identity; it must not be changed in place."""

    def join() -> np.ndarray:
        new = new_items(store, group_arn, model)
        return model.item_ids if new is None else np.concatenate([model.item_ids, new.item_ids])

    return _per_model(store, "served ids", group_arn, model, join)


def _per_model(store: Store, name: str, group_arn: str, model: usecases.Model, compute):
    """``compute()`` for ``model``, memoised until the database changes. The memo holds the model
    weakly: it keeps no retired model alive, and an ``id`` reused by another model is told apart."""
    held, value = store.cached((name, group_arn, id(model)), lambda: (weakref.ref(model), compute()))
    return value if held() is model else compute()


def _new_items(store: Store, group_arn: str, model: usecases.Model) -> usecases.NewItems | None:
    fields = item_fields(store, group_arn)
    if fields is None:
        return None
    key = ("catalogue", group_arn, "Items", tuple(fields.columns))
    streamed = store.cached(key, lambda: catalogue(store, group_arn, "Items", fields.columns))
    if streamed is None:
        return None
    ids = np.asarray([i for i in streamed["ITEM_ID"].astype(str) if model.item_index(i) is None], dtype=str)
    if not len(ids):
        return None
    created, tokens = usecases.item_metadata(streamed, ids, fields.categorical, fields.text)
    vectors = content.transform(model.catalogue.content, tokens) if model.catalogue is not None else None
    return usecases.NewItems(ids, created, vectors)

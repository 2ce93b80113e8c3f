"""Amazon Personalize filters, locally: Create/Describe/List/DeleteFilter, and applying a filter.

``personalize`` answers these operations (its ``__getattr__`` finds them here). A filter is a
``filter`` document under its dataset group, with the lifecycle ``CREATE PENDING`` →
``CREATE IN_PROGRESS`` → ``ACTIVE`` and ``DELETE PENDING`` → gone. CreateFilter parses the
expression (``filter_expressions``) and checks its fields against the schemas
of the group's datasets; a malformed one is refused with InvalidInputException saying what is
wrong and at which character.

GetRecommendations applies a filter through ``excluded_items``: it reads the group's Items (and
Users, Interactions) data, imported and streamed (PutItems, PutUsers, PutEvents), once per change
and cached per process, binds the request's ``filterValues`` and returns the items the filter
leaves out. The same path serves a promotion's filter, GetPersonalizedRanking's ``inputList`` and
the lines of a batch inference job (``check_item_filter`` checks the job's filter when it is
created); ``items_table`` also gives the runtime the item metadata it returns. A batch segment
job leaves out the users a ``UserID`` filter excludes (``excluded_users``).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from helpers.localaws.engine import errors, jobs
from helpers.localaws.engine.store import Store, dataset_arn
from helpers.localaws.personalize import filter_expressions as fx
from helpers.localaws.personalize import imports, streams
from helpers.localaws.personalize import resources as p

__all__ = ["create_filter"]

KIND = "filter"
_FIELDS = (
    "name", "filterArn", "creationDateTime", "lastUpdatedDateTime", "datasetGroupArn",
    "failureReason", "filterExpression", "status",
)  # fmt: skip
_DATASET_TYPES = ("Interactions", "Items", "Users")
MAX_INTERACTIONS_PER_TYPE = 100
"""Most recent interactions per user and event type a filter considers (Personalize's quota)."""

p.declare(
    p.Kind(
        name=KIND,
        member="filter",
        arn_member="filterArn",
        fields=_FIELDS,
        list_key="Filters",
        summary_fields=tuple(f for f in _FIELDS if f != "filterExpression"),
        parent="dataset-group",
        parent_member="datasetGroupArn",
        deletable=p.settled("Filter"),
    )
)  # fmt: skip


# --- schemas --------------------------------------------------------------------------------
def _kind(field: imports.Field) -> str:
    if field.textual:
        return fx.TEXTUAL
    if field.type == "boolean":
        return fx.BOOLEAN
    return fx.STRING if field.type == "string" else fx.NUMBER


def _schemas(store: Store, group_arn: str) -> tuple[dict[str, dict[str, str]], dict[str, set[str]]]:
    """Field kinds (``check_fields``'s input) and categorical fields of the group's datasets."""
    group = p.get(store, group_arn, "dataset-group")
    kinds: dict[str, dict[str, str]] = {}
    categorical: dict[str, set[str]] = {}
    for dataset_type in _DATASET_TYPES:
        ds = store.get("dataset", dataset_arn(group_arn, group["name"], dataset_type))
        if ds is None:
            continue
        fields = imports.parse_schema(p.get(store, ds["schemaArn"], "schema")["schema"])
        kinds[dataset_type] = {f.name: _kind(f) for f in fields}
        categorical[dataset_type] = {f.name for f in fields if f.categorical}
    return kinds, categorical


def _compile(expression: str, kinds: Mapping[str, Mapping[str, str]]) -> fx.Filter:
    """Parse an expression and check it against the schemas' field kinds; InvalidInputException if not."""
    try:
        return fx.check_fields(fx.parse(expression), kinds)
    except fx.FilterExpressionError as exc:
        raise errors.InvalidInputException(f"{exc}. Expression: {expression}") from exc


def _check_group_fields(store: Store, group_arn: str, parsed: fx.Filter) -> None:
    """InvalidInputException if the group's filters would use more than ``MAX_GROUP_FIELDS`` fields."""
    used = set(parsed.distinct_fields())
    for _, doc in store.items(KIND, parent=group_arn):
        used |= fx.parse(doc["filterExpression"]).distinct_fields()
    if len(used) > fx.MAX_GROUP_FIELDS:
        raise errors.InvalidInputException(
            f"The filters of dataset group {group_arn} would use {len(used)} distinct dataset fields; "
            f"at most {fx.MAX_GROUP_FIELDS} are allowed per dataset group."
        )


# --- operations -----------------------------------------------------------------------------
def create_filter(store: Store, params: dict) -> dict:
    """Create a filter on a dataset group from a filter expression."""
    group_arn = params["datasetGroupArn"]
    group = p.get(store, group_arn, "dataset-group")
    if group["status"] != "ACTIVE":
        raise errors.InvalidInputException(f"Dataset group {group_arn} is {group['status']}, not ACTIVE.")
    parsed = _compile(params["filterExpression"], _schemas(store, group_arn)[0])
    _check_group_fields(store, group_arn, parsed)
    arn = p.arn(KIND, params["name"])
    now = time.time()
    doc = {
        "name": params["name"],
        "filterArn": arn,
        "datasetGroupArn": group_arn,
        "filterExpression": params["filterExpression"],
        "status": "CREATE PENDING",
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
        "tags": p.check_tags(params),
    }
    if not store.insert(KIND, arn, doc, parent=group_arn):
        raise errors.ResourceAlreadyExistsException(f"Filter {params['name']} already exists: {arn}")
    jobs.start(store, arn, KIND)
    return {"filterArn": arn}


# --- applying a filter ----------------------------------------------------------------------
_cache: dict[tuple, Any] = {}
_cache_lock = threading.Lock()
T = TypeVar("T")


def _cached(key: tuple, build: Callable[[], T]) -> T:
    """``build()`` once per key; a new key of the same kind and group drops the old entry."""
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    value = build()
    with _cache_lock:
        for stale in [k for k in _cache if k[:3] == key[:3]]:
            del _cache[stale]
        _cache[key] = value
    return value


def _version(store: Store, group_arn: str, dataset_type: str) -> tuple:
    """What changes when a dataset's data does: its imports and its newest streamed record."""
    ds = store.get("dataset", streams.stream_of(store, group_arn, dataset_type)) or {}
    return (
        ds.get("creationDateTime"),
        ds.get("lastUpdatedDateTime"),
        *ds.get("parts", []),
        store.last_record(streams.stream_of(store, group_arn, dataset_type)),
    )


def _table(store: Store, group_arn: str, dataset_type: str, id_column: str) -> pd.DataFrame:
    """A dataset's imported and streamed rows (PutItems, PutUsers) indexed by id, the newest
    row of an id winning; built once per change of the data, looked up once per change of the
    database."""

    def build() -> pd.DataFrame:
        frames = [store.read_dataset(group_arn, dataset_type)]
        ds = store.get("dataset", streams.stream_of(store, group_arn, dataset_type))
        if ds is not None:
            fields = imports.parse_schema(p.get(store, ds["schemaArn"], "schema")["schema"])
            frames.append(streams.catalogue(store, group_arn, dataset_type, [f.name for f in fields]))
        frames = [f for f in frames if f is not None]
        if not frames:
            return pd.DataFrame(index=pd.Index([], name=id_column, dtype=object))
        frame = pd.concat(frames, ignore_index=True)
        frame[id_column] = frame[id_column].astype(str)
        return frame.drop_duplicates(id_column, keep="last").set_index(id_column)

    def current() -> pd.DataFrame:
        key = (str(store.root), group_arn, dataset_type, *_version(store, group_arn, dataset_type))
        return _cached(key, build)

    return store.cached(("table", group_arn, dataset_type), current)


def items_table(store: Store, group_arn: str) -> pd.DataFrame:
    """The group's items, imported and streamed (PutItems), indexed by ``ITEM_ID``, the newest
    row of an item winning (empty without an Items dataset); what filters and metadata read."""
    return _table(store, group_arn, "Items", "ITEM_ID")


_EVENT_COLUMNS = ["ITEM_ID", "EVENT_TYPE", "TIMESTAMP"]


def _imported_events(store: Store, group_arn: str) -> tuple[tuple[np.ndarray, ...], dict]:
    """The imported interactions as arrays (``_EVENT_COLUMNS``: item, event type, time) and each
    user's row numbers, read once per import, looked up once per change of the database."""

    def build() -> tuple[tuple[np.ndarray, ...], dict]:
        frame = store.read_dataset(group_arn, "Interactions")
        if frame is None:
            return _no_events(), {}
        events = frame.reindex(columns=_EVENT_COLUMNS).astype({"ITEM_ID": str, "EVENT_TYPE": str})
        columns = (
            events["ITEM_ID"].to_numpy(),
            events["EVENT_TYPE"].to_numpy(),
            events["TIMESTAMP"].to_numpy(),
        )
        return columns, frame.groupby(frame["USER_ID"].astype(str)).indices

    def current() -> tuple[tuple[np.ndarray, ...], dict]:
        key = (str(store.root), group_arn, "events", *_version(store, group_arn, "Interactions")[:-1])
        return _cached(key, build)

    return store.cached(("imported events", group_arn), current)


def _no_events() -> tuple[np.ndarray, ...]:
    return np.empty(0, dtype=object), np.empty(0, dtype=object), np.empty(0, dtype=np.float64)


def user_events(store: Store, group_arn: str, user_id: str | None) -> pd.DataFrame:
    """A user's interactions that filters consider: ``ID`` (the item) and ``EVENT_TYPE``.

    The imported ones and those streamed with PutEvents (an anonymous session's included, once
    it sent the ``userId``); of each event type the ``MAX_INTERACTIONS_PER_TYPE`` most recent.
    """
    if not user_id:
        return pd.DataFrame(columns=["ID", "EVENT_TYPE"])
    data = store.cached(
        ("interactions version", group_arn), lambda: _version(store, group_arn, "Interactions")
    )
    key = (str(store.root), group_arn, user_id, *data)
    return _kept(_users_events, _USERS_KEPT, key, lambda: _read_user_events(store, group_arn, user_id))


_USERS_KEPT = 2048
"""How many users' events ``user_events`` keeps, by the version of the group's interactions:
notebook 09 asks five recommenders, one after the other, for the same 1,000 shoppers through one
filter."""
_users_events: OrderedDict[tuple, pd.DataFrame] = OrderedDict()


def _read_user_events(store: Store, group_arn: str, user_id: str) -> pd.DataFrame:
    (items, types, times), rows = _imported_events(store, group_arn)
    mine = rows.get(user_id, np.empty(0, dtype=np.int64))
    streamed = streams.events_of(store, group_arn, user_id)
    items = np.concatenate([items[mine], np.asarray([str(e["ITEM_ID"]) for e in streamed], dtype=object)])
    types = np.concatenate(
        [types[mine], np.asarray([str(e.get("EVENT_TYPE", np.nan)) for e in streamed], dtype=object)]
    )
    times = np.concatenate(
        [times[mine].astype(np.float64), np.asarray([e["TIMESTAMP"] for e in streamed], float)]
    )
    order = np.argsort(times, kind="stable")
    items, types = items[order], types[order]
    keep = np.zeros(len(items), dtype=bool)
    for kind in set(types.tolist()):
        keep[np.flatnonzero(types == kind)[-MAX_INTERACTIONS_PER_TYPE:]] = True
    return pd.DataFrame({"ID": items[keep], "EVENT_TYPE": types[keep]})


_REINDEXED = 8
"""How many tables reindexed to candidates ``_candidates`` keeps (a few models serve at once)."""
_reindexed: OrderedDict[tuple[int, int], tuple[pd.DataFrame, np.ndarray, pd.DataFrame]] = OrderedDict()


def _candidates(table: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    """``table``'s rows for ``ids``, one per id (all NaN for an id it lacks).

    The last few are kept by the identity of the table and of the id array, which the cache
    holds so that neither identity is reused meanwhile: a model's items are reindexed once per
    change of the table, not once per request. The id arrays must not be changed in place.
    """
    reindex = lambda: (table, ids, table.reindex(pd.Index(ids.astype(str))))  # noqa: E731
    return _kept(_reindexed, _REINDEXED, (id(table), id(ids)), reindex)[2]


def _kept(cache: OrderedDict, size: int, key: Hashable, build: Callable[[], T]) -> T:
    """``build()``, kept in ``cache`` under ``key`` among the ``size`` most recently used."""
    with _cache_lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    value = build()
    with _cache_lock:
        cache[key] = value
        while len(cache) > size:
            cache.popitem(last=False)
    return value


def _row(table: pd.DataFrame, key: str | None) -> dict | None:
    if key is None or key not in table.index:
        return None
    return table.loc[key].to_dict()


def _active_filter(store: Store, filter_arn: str, group_arn: str) -> dict:
    doc = store.get(KIND, filter_arn)
    if doc is None:
        raise errors.ResourceNotFoundException(f"Could not find filter: {filter_arn}")
    if doc["status"] != "ACTIVE":
        raise errors.InvalidInputException(f"Filter {filter_arn} is {doc['status']}, not ACTIVE.")
    if doc["datasetGroupArn"] != group_arn:
        raise errors.InvalidInputException(
            f"Filter {filter_arn} belongs to dataset group {doc['datasetGroupArn']}, "
            f"not to {group_arn}, the dataset group of the request."
        )
    return doc


_TARGET_USE = {"ItemID": ("items", "recommendations"), "UserID": ("users", "user segments")}
"""What a filter of each target filters, and what it applies to."""


def _filter_of(
    store: Store, filter_arn: str, group_arn: str, target: str = "ItemID"
) -> tuple[fx.Filter, dict[str, set[str]]]:
    """An ACTIVE filter of the group with this target (``ItemID`` or ``UserID``), parsed, and the
    categorical fields of the group's datasets; read and parsed again only when the database changed."""

    def read() -> tuple[fx.Filter, dict[str, set[str]]]:
        doc = _active_filter(store, filter_arn, group_arn)
        kinds, categorical = _schemas(store, group_arn)
        return _compile(doc["filterExpression"], kinds), categorical

    parsed, categorical = store.cached(("filter", filter_arn, group_arn), read)
    if parsed.target != target:
        what, use = _TARGET_USE[parsed.target]
        raise errors.InvalidInputException(
            f"Filter {filter_arn} filters {what} ({parsed.target}), which applies to {use}, "
            f"not to {_TARGET_USE[target][1]}."
        )
    return parsed, categorical


def check_item_filter(store: Store, filter_arn: str, group_arn: str) -> None:
    """Check that a filter can filter the items of a dataset group (a batch inference job's, say).

    Raises:
        ResourceNotFoundException: no filter has this ARN.
        InvalidInputException: the filter is not ACTIVE, is of another dataset group, or filters users.
    """
    _filter_of(store, filter_arn, group_arn)


def excluded_items(
    store: Store,
    filter_arn: str,
    filter_values: Mapping[str, str] | None,
    *,
    group_arn: str,
    item_ids: np.ndarray,
    user_id: str | None,
    item_id: str | None,
) -> np.ndarray:
    """The indices of ``item_ids`` that a filter leaves out of one recommendation request.

    Args:
        store: the state.
        filter_arn: the request's ``filterArn``.
        filter_values: the request's ``filterValues``.
        group_arn: the dataset group of the recommender, campaign or batch job.
        item_ids: the candidate item ids, one per index (a model's items, or an ``inputList``).
        user_id: the request's ``userId`` (its interactions and ``CurrentUser``).
        item_id: the request's ``itemId`` (``CurrentItem``).

    Returns:
        Sorted item indices (int64) never to recommend.

    Raises:
        ResourceNotFoundException: no filter has this ARN.
        InvalidInputException: the filter is not ACTIVE or of another dataset group, filters
            users, needs an itemId the request lacks, or ``filterValues`` are missing or malformed.
    """
    parsed, categorical = _filter_of(store, filter_arn, group_arn)
    if parsed.uses("CurrentItem") and not item_id:
        raise errors.InvalidInputException(
            f"Filter {filter_arn} uses CurrentItem, which needs the itemId of a related-items request."
        )
    try:
        values = fx.bind(parsed, filter_values)
        items = _table(store, group_arn, "Items", "ITEM_ID")
        users = _table(store, group_arn, "Users", "USER_ID") if parsed.uses("CurrentUser") else None
        interactions = (
            user_events(store, group_arn, user_id)
            if parsed.uses("Interactions")
            else pd.DataFrame(columns=["ID", "EVENT_TYPE"])
        )
        context = fx.Context(
            candidates=_candidates(items, item_ids),
            interactions=interactions,
            current_item=_row(items, item_id) if parsed.uses("CurrentItem") else None,
            current_user=_row(users, user_id) if users is not None else None,
            categorical=categorical.get("Items", set()),
        )
        keep = fx.evaluate(parsed, values, context)
    except fx.FilterValuesError as exc:
        raise errors.InvalidInputException(str(exc)) from exc
    return np.flatnonzero(~keep).astype(np.int64)


def item_metadata(store: Store, group_arn: str) -> tuple[pd.DataFrame, dict[str, str], set[str]]:
    """A dataset group's Items metadata, as filters and attribute queries read it.

    Returns:
        ``(table, kinds, categorical)``: the imported and streamed rows indexed by ``ITEM_ID``
        (empty without an Items dataset), each Items field's kind (``filter_expressions.STRING``,
        ``NUMBER``, …) and the categorical fields.
    """
    kinds, categorical = _schemas(store, group_arn)
    return items_table(store, group_arn), kinds.get("Items", {}), categorical.get("Items", set())


def check_user_filter(store: Store, filter_arn: str, group_arn: str, *, interactions: bool = True) -> None:
    """Check that a filter can filter the users of a dataset group (a batch segment job's).

    Args:
        interactions: whether the job's recipe takes item interactions filters (the guide's
            "Guidelines and requirements": Item-Attribute-Affinity does not).

    Raises:
        ResourceNotFoundException: no filter has this ARN.
        InvalidInputException: the filter is not ACTIVE, is of another dataset group, filters
            items, or filters by interactions where they are not allowed.
    """
    parsed, _ = _filter_of(store, filter_arn, group_arn, "UserID")
    if not interactions and parsed.uses("Interactions"):
        raise errors.InvalidInputException(
            f"Filter {filter_arn} filters by item interactions, which the Item-Attribute-Affinity "
            "recipe does not take; filter by Users fields instead."
        )


def excluded_users(
    store: Store,
    filter_arn: str,
    filter_values: Mapping[str, str] | None,
    *,
    group_arn: str,
    user_ids: np.ndarray,
) -> np.ndarray:
    """The indices of ``user_ids`` that a ``UserID`` filter leaves out of a user segment.

    ``Users`` conditions read the Users dataset (imported and streamed), ``Interactions`` ones
    every imported interaction of the user.

    Raises:
        ResourceNotFoundException, InvalidInputException: as ``check_user_filter``; also when
            ``filterValues`` are missing or malformed.
    """
    parsed, categorical = _filter_of(store, filter_arn, group_arn, "UserID")
    interactions = pd.DataFrame(columns=["ID", "EVENT_TYPE"])
    if parsed.uses("Interactions"):
        frame = store.read_dataset(group_arn, "Interactions")
        if frame is not None:
            frame = frame.reindex(columns=["USER_ID", "EVENT_TYPE"]).astype(str)
            interactions = frame.set_axis(["ID", "EVENT_TYPE"], axis=1)
    try:
        context = fx.Context(
            candidates=_table(store, group_arn, "Users", "USER_ID").reindex(pd.Index(user_ids.astype(str))),
            interactions=interactions,
            categorical=categorical.get("Users", set()),
        )
        keep = fx.evaluate(parsed, fx.bind(parsed, filter_values), context)
    except fx.FilterValuesError as exc:
        raise errors.InvalidInputException(str(exc)) from exc
    return np.flatnonzero(~keep).astype(np.int64)

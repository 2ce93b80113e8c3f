"""The five ECOMMERCE use cases as models: fit on imported data, evaluate, save, load and serve.

Each use case maps to ``helpers.recsys``:

============================  =================================================================
use case (recipe)             model
============================  =================================================================
Most viewed                   ``View`` counts over the last ``LOOKBACK_DAYS`` of the data
Best sellers                  ``Purchase`` counts over the last ``LOOKBACK_DAYS`` of the data
Customers who viewed X …      co-view neighbours (``View`` events in one visit, 30-min gaps)
Frequently bought together    co-purchase neighbours (a shopper's ``Purchase`` events)
Recommended for you           a LightGBM ranker over EASE's and favourite-category candidates
                              (settings tuned per dataset) / item-kNN on large catalogues
============================  =================================================================

Recommended for you tunes itself to each dataset (``helpers.recsys.tuning``): EASE's λ, the
half-life of history events and how event types combine are chosen on a validation split of
the data outside the evaluation hold-out; then a ranker (``helpers.recsys.ranker``) learns, on a
temporal split of the same data, to order each shopper's candidates by what shoppers did next,
from EASE's and item-kNN's scores, the shopper's share of each category, popularity, its recent
trend and item age. The models are refitted on all the data; the model file records the choices
and their validation scores (``Model.tuning``). Above
``personalization.DEFAULT_MAX_EASE_ITEMS`` items it fits item-kNN with fixed settings
(``KNN_SETTINGS``): a validation fit there costs as much as the fit itself. The other use cases
keep fixed settings (``LOOKBACK_DAYS``, ``SESSION_GAP_SECONDS``, ``NEIGHBORS``): on the synthetic
shop their plausible values change ``modelMetrics`` by under 0.5% (``bench/README.md``).

A trained model is one ``.npz`` file (``to_bytes``/``load``). Recommended for you keeps no
per-user lists: it scores at request time from the user's history (the events it was trained
on, passed in by the caller, so streamed events can be added), leaves out what the user
purchased (as Personalize does) and answers a user without history with popular items. It also
keeps a ``Catalogue`` of item ages, event counts and content vectors (categorical and textual
metadata, ``recsys.content``), from which ``explore`` merges new, little-seen items related to
the user's history (sharing categories or words of description), most similar first, into the
list from its bottom up, more of them the higher ``explorationWeight``; a user without history
is shown the newest (cold start for items).
Customers who viewed X also leaves out the user's purchases. Item-to-item use cases answer an
unknown item, or fill a short list, with the most viewed (bought) items, as SIMS does.

``modelMetrics`` follow ``bench/README.md``: Personalize's split (seed ``SEED``), models fitted
on the training users, 25 recommendations per test user that leave out the user's input history,
truth = the held-out items new to the user; the query item of the item-to-item use cases is the
user's newest history item. Every use case is scored on the same hold-out, so they compare.
"""

from __future__ import annotations

import io
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from helpers.recsys import (
    actions,
    content,
    interactions,
    metrics,
    personalization,
    popularity,
    ranker,
    similarity,
    split,
    tuning,
)

RECIPE_PREFIX = "arn:aws:personalize:::recipe/"
MOST_VIEWED = "aws-ecomm-popular-items-by-views"
BEST_SELLERS = "aws-ecomm-popular-items-by-purchases"
ALSO_VIEWED = "aws-ecomm-customers-who-viewed-x-also-viewed"
BOUGHT_TOGETHER = "aws-ecomm-frequently-bought-together"
FOR_YOU = "aws-ecomm-recommended-for-you"

LOOKBACK_DAYS = 30
"""Look-back window of the popular-items use cases, ending at the newest interaction."""

SESSION_GAP_SECONDS = 1_800
"""A silence longer than this ends a visit (co-view baskets)."""

NEIGHBORS = 100
"""Neighbours kept per item by the item-to-item use cases."""

KNN_SETTINGS = tuning.Settings(half_life_days=30.0)
"""Settings of Recommended for you when it fits item-kNN (catalogues beyond EASE's size): events
summed by weight, one 30 days older than the user's newest counts half."""

SEED = 42
"""Seed of the evaluation split: every recommender of the same data is scored on the same hold-out."""

EVAL_K = 25

COLD_QUANTILE = 0.1
"""Exploration's "few events": fewer than this quantile of the event counts of items that have any."""


@dataclass(frozen=True)
class UseCase:
    """What a use case needs and answers.

    Attributes:
        name: the use case's name in the Personalize documentation.
        event_type: the event type it requires (``View`` or ``Purchase``).
        min_events: the fewest events of ``event_type`` it trains on.
        needs_user: GetRecommendations requires ``userId``.
        needs_item: GetRecommendations requires ``itemId``.
    """

    name: str
    event_type: str
    min_events: int
    needs_user: bool
    needs_item: bool


USE_CASES = {
    MOST_VIEWED: UseCase("Most viewed", "View", 1_000, needs_user=True, needs_item=False),
    BEST_SELLERS: UseCase("Best sellers", "Purchase", 1_000, needs_user=True, needs_item=False),
    ALSO_VIEWED: UseCase(
        "Customers who viewed X also viewed", "View", 1_000, needs_user=False, needs_item=True
    ),
    BOUGHT_TOGETHER: UseCase(
        "Frequently bought together", "Purchase", 1_000, needs_user=False, needs_item=True
    ),
    FOR_YOU: UseCase("Recommended for you", "View", 1_000, needs_user=True, needs_item=False),
}
"""Recipe name → its requirements: the one table of the use cases' data minimums.

From "ECOMMERCE use cases" in the Amazon Personalize Developer Guide
(https://docs.aws.amazon.com/personalize/latest/dg/ECOMMERCE-use-cases.html), "Required event
types": at minimum 1000 ``View`` events for Most viewed, Customers who viewed X also viewed and
Recommended for you (``Purchase`` events only recommended for the last two), at minimum 1000
``Purchase`` events for Best sellers and Frequently bought together. Events count over the
whole Interactions dataset when the recommender trains (``check_minimums``); a recommender
below a minimum ends ``CREATE FAILED``. The minimums every use case shares (1,000
interactions, 25 users with two or more) are checked by the import jobs
(``imports``).
"""


VIDEO_ON_DEMAND = {
    "aws-vod-because-you-watched-x": UseCase(
        "Because you watched X", "Watch", 1_000, needs_user=True, needs_item=True
    ),
    "aws-vod-more-like-x": UseCase("More like X", "", 1_000, needs_user=True, needs_item=True),
    "aws-vod-most-popular": UseCase("Most popular", "", 1_000, needs_user=False, needs_item=False),
    "aws-vod-trending-now": UseCase("Trending now", "", 1_000, needs_user=False, needs_item=False),
    "aws-vod-top-picks": UseCase("Top picks for you", "", 1_000, needs_user=True, needs_item=False),
}
"""Recipe name → requirements of the VIDEO_ON_DEMAND domain's use cases (``video_on_demand`` trains
them). From "VIDEO_ON_DEMAND use cases" in the developer guide
(https://docs.aws.amazon.com/personalize/latest/dg/VIDEO_ON_DEMAND-use-cases.html): every use case
needs 1,000 interactions from 25 users with two or more each; Because you watched X at minimum
1,000 ``Watch`` events and ``userId`` and ``itemId``; More like X 1,000 events of any type, an
Items dataset, and ``userId`` and ``itemId``. For Most popular, Trending now and Top picks for you
this table asks 1,000 events of any type, and ``userId`` only of Top picks for you: the local
backend's reading, not checked against the guide's sections on them.
"""

TRENDING_NOW = "aws-trending-now"
SERVED_CASES = {
    **USE_CASES,
    TRENDING_NOW: UseCase("Trending now", "", 1_000, needs_user=False, needs_item=False),
    **VIDEO_ON_DEMAND,
}
"""Every way a model is served (``personalize_runtime.recommend``): the use cases of both domains,
and the Trending-Now recipe's list, the same for everyone (no event type required: ``event_type`` "")."""


class TrainingFailed(Exception):
    """The data cannot train this use case; the message becomes the failureReason."""


# --- data -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Events:
    """Imported interactions as dense indices, sorted by user then time.

    Attributes:
        user_ids, item_ids: the id of each index (items: Interactions and Items datasets).
        user_idx, item_idx, ts: per event.
        weights: per event, ``interactions.DEFAULT_EVENT_WEIGHTS`` (1 for other types).
        view, purchase: per event, whether it is a ``View`` / ``Purchase``.
        created: per item, ``CREATION_TIMESTAMP`` of the Items dataset (NaN if unknown).
        tokens: per item, its content tokens (``content.item_tokens``; empty without metadata).
        event_types: per event, its ``EVENT_TYPE`` ("" if the dataset has none); None if unknown.
        values: per event, its ``EVENT_VALUE`` (NaN if missing); None without the column.
    """

    user_ids: np.ndarray
    item_ids: np.ndarray
    user_idx: np.ndarray
    item_idx: np.ndarray
    ts: np.ndarray
    weights: np.ndarray
    view: np.ndarray
    purchase: np.ndarray
    created: np.ndarray | None = None
    tokens: list[list[str]] | None = None
    event_types: np.ndarray | None = None
    values: np.ndarray | None = None

    @property
    def n_items(self) -> int:
        """Catalogue size."""
        return len(self.item_ids)


def _sorted_codes(values: pd.Series, extra: pd.Series | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Dense codes of ``values`` numbered in sorted id order (so ties break the same every time)."""
    both = values if extra is None else pd.concat([values, extra], ignore_index=True)
    codes, uniques = pd.factorize(both.astype(str))
    uniques = np.asarray(uniques, dtype=str)
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes[: len(values)]], uniques[order]


def item_metadata(
    items: pd.DataFrame, item_ids: np.ndarray, categorical: tuple[str, ...], textual: tuple[str, ...]
) -> tuple[np.ndarray, list[list[str]]]:
    """``CREATION_TIMESTAMP`` (NaN if unknown) and content tokens of the items ``item_ids``.

    Only categorical and textual fields (and item names) make tokens: Personalize ignores other
    string fields.
    """
    meta = items.drop_duplicates("ITEM_ID", keep="last")
    meta = meta.set_index(meta["ITEM_ID"].astype(str)).reindex(item_ids)
    created = np.full(len(item_ids), np.nan)
    if "CREATION_TIMESTAMP" in meta:
        created = pd.to_numeric(meta["CREATION_TIMESTAMP"], errors="coerce").to_numpy(dtype=np.float64)
    pick = lambda names: {c: meta[c].tolist() for c in names if c in meta}  # noqa: E731
    return created, content.item_tokens(len(item_ids), pick(categorical), pick(textual))


def prepare(
    frame: pd.DataFrame,
    items: pd.DataFrame | None = None,
    categorical: tuple[str, ...] = (),
    textual: tuple[str, ...] = (),
) -> Events:
    """Index an Interactions frame (and the Items catalogue, if imported) for training.

    Args:
        frame: the interactions (``USER_ID``, ``ITEM_ID``, ``TIMESTAMP``, ``EVENT_TYPE``).
        items: the Items dataset, or None.
        categorical: the Items schema's categorical fields.
        textual: the Items schema's textual fields.
    """
    user_idx, user_ids = _sorted_codes(frame["USER_ID"])
    extra = items["ITEM_ID"] if items is not None else None
    item_idx, item_ids = _sorted_codes(frame["ITEM_ID"], extra)
    ts = frame["TIMESTAMP"].to_numpy(dtype=np.int64)
    # a custom dataset group's Interactions may have no EVENT_TYPE: every event is then untyped
    types = frame["EVENT_TYPE"].astype(str).to_numpy() if "EVENT_TYPE" in frame else np.full(len(frame), "")
    order = np.lexsort((ts, user_idx))
    types = types[order]
    values = None
    if "EVENT_VALUE" in frame:
        values = pd.to_numeric(frame["EVENT_VALUE"], errors="coerce").to_numpy(dtype=np.float64)[order]
    created, tokens = None, None
    if items is not None:
        created, tokens = item_metadata(items, item_ids, categorical, textual)
    return Events(
        user_ids=user_ids,
        item_ids=item_ids,
        user_idx=user_idx[order],
        item_idx=item_idx[order],
        ts=ts[order],
        weights=interactions.event_weights(types, default=1.0),
        view=types == "View",
        purchase=types == "Purchase",
        created=created,
        tokens=tokens,
        event_types=types,
        values=values,
    )


def select(ev: Events, keep: np.ndarray) -> Events:
    """The events ``keep`` selects (a boolean mask), over the same users and items."""
    per_event = ("user_idx", "item_idx", "ts", "weights", "view", "purchase", "event_types", "values")
    return replace(ev, **{f: getattr(ev, f)[keep] for f in per_event if getattr(ev, f) is not None})


# --- models ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class History:
    """Every user's events, as the recommender saw them at training time (CSR by user)."""

    user_ids: np.ndarray
    indptr: np.ndarray
    items: np.ndarray
    weights: np.ndarray
    ts: np.ndarray
    purchased: np.ndarray

    def of(self, row: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(items, weights, timestamps, purchased)`` of one user row, oldest first."""
        lo, hi = self.indptr[row], self.indptr[row + 1]
        return self.items[lo:hi], self.weights[lo:hi], self.ts[lo:hi], self.purchased[lo:hi]


@dataclass(frozen=True)
class Catalogue:
    """What Recommended for you knows of its items besides their events: for exploration.

    Attributes:
        created: per item, its ``CREATION_TIMESTAMP`` (Unix seconds), or its first event when the
            Items dataset has none; NaN if neither.
        counts: per item, its events in the training data.
        latest: the newest event in the training data (Unix seconds): item age counts from it.
        content: TF-IDF vectors of the items' categorical and textual metadata.
    """

    created: np.ndarray
    counts: np.ndarray
    latest: int
    content: content.ContentModel

    @cached_property
    def few_events(self) -> float:
        """Exploration's "few events": ``COLD_QUANTILE`` of the counts of items that have any (at least 1)."""
        active = self.counts[self.counts > 0]
        return max(float(np.quantile(active, COLD_QUANTILE)), 1.0) if len(active) else 1.0

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays for ``np.savez``; ``from_arrays`` restores it."""
        return {
            "cat_created": self.created,
            "cat_counts": self.counts,
            "cat_latest": np.asarray(self.latest),
            **self.content.to_arrays(),
        }

    @classmethod
    def from_arrays(cls, a) -> Catalogue:
        """Rebuild from ``to_arrays()`` output."""
        vectors = content.ContentModel.from_arrays(a)
        return cls(a["cat_created"], a["cat_counts"], int(a["cat_latest"]), vectors)


@dataclass(frozen=True)
class NewItems:
    """Items a model has not seen (added with PutItems since it trained), for exploration.

    Attributes:
        item_ids: their ids.
        created: their ``CREATION_TIMESTAMP`` (NaN if unknown).
        vectors: their content as the model's content vectors (None: the model has no catalogue).
    """

    item_ids: np.ndarray
    created: np.ndarray
    vectors: sp.csr_matrix | None


@dataclass(frozen=True)
class Explorable:
    """The items exploration may show a shopper, before their own exclusions (``explorable``).

    Attributes:
        items: their indices (``item_ids.size + j`` for the ``j``-th of ``NewItems``).
        vectors: their content vectors, one row per item.
        created: their creation times (NaN if unknown).
    """

    items: np.ndarray
    vectors: sp.csr_matrix
    created: np.ndarray


@dataclass
class Model:
    """A trained use case, ready to serve.

    Attributes:
        recipe: the recipe name (a key of ``USE_CASES``).
        item_ids: id of each item index.
        fallback: popularity that fills short lists and answers cold starts.
        popular: scores of the popular-items use cases.
        similar: neighbours of the item-to-item use cases.
        personal: the model of Recommended for you (EASE, or item-kNN on large catalogues).
        ranking: the base models its ranker reads (``personal`` is their EASE), when it has one.
        history: user histories (Recommended for you, Customers who viewed X).
        catalogue: item ages, counts and content (Recommended for you's exploration).
        tuning: Recommended for you's settings, how they were chosen and their validation score.
        actions: Next-Best-Action's propensities (``item_ids`` then holds the action ids).
        action_users: the user id of each row of ``actions``.
    """

    recipe: str
    item_ids: np.ndarray
    fallback: np.ndarray
    popular: np.ndarray | None = None
    similar: similarity.ItemSimilarity | None = None
    personal: personalization.PersonalizationModel | None = None
    ranking: ranker.Base | None = None
    history: History | None = None
    catalogue: Catalogue | None = None
    tuning: tuning.Tuning | None = None
    actions: actions.ActionModel | None = None
    action_users: np.ndarray | None = None
    _items: dict[str, int] = field(init=False, repr=False)
    _users: dict[str, int] = field(init=False, repr=False)
    _booster: object = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        self._items = {s: i for i, s in enumerate(self.item_ids.tolist())}
        users = self.history.user_ids if self.history is not None else self.action_users
        users = users.tolist() if users is not None else []
        self._users = {s: i for i, s in enumerate(users)}

    def booster(self):
        """The ranker's ``lightgbm.Booster``, built once; None without a ranker."""
        if self._booster is None and self.ranking is not None and self.tuning.ranker.kept:
            self._booster = self.tuning.ranker.booster()
        return self._booster

    def item_index(self, item_id: str) -> int | None:
        """Index of an item id, or None if the model does not know it."""
        return self._items.get(item_id)

    def user_row(self, user_id: str) -> int | None:
        """Row of a user id in the model's histories or propensities, or None if it does not know it."""
        return self._users.get(user_id)

    def user_history(self, user_id: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(items, weights, timestamps, purchased)`` the model holds for a user (empty if unknown)."""
        row = self._users.get(user_id)
        if row is None or self.history is None:
            return (
                np.empty(0, dtype=np.int64),
                np.empty(0, dtype=np.float32),
                np.empty(0, dtype=np.int64),
                np.empty(0, dtype=bool),
            )
        return self.history.of(row)


def _history(ev: Events) -> History:
    indptr = np.searchsorted(ev.user_idx, np.arange(len(ev.user_ids) + 1)).astype(np.int64)
    return History(ev.user_ids, indptr, ev.item_idx.astype(np.int32), ev.weights, ev.ts, ev.purchase)


def check_minimums(ev: Events, recipe: str) -> None:
    """Check the use case's required event type and minimum (``USE_CASES``) over all events.

    Raises:
        TrainingFailed: fewer events of the type than the minimum; the message names the use
            case, the event type, the count found and the minimum.
    """
    case = USE_CASES[recipe]
    found = int(np.count_nonzero(ev.view if case.event_type == "View" else ev.purchase))
    if found < case.min_events:
        raise TrainingFailed(
            f"The {case.name} use case ({recipe}) needs at minimum {case.min_events} "
            f"{case.event_type} events; the Interactions dataset has {found}."
        )


def fit(ev: Events, recipe: str, mask: np.ndarray | None = None, tuned: tuning.Tuning | None = None) -> Model:
    """Fit the model of a use case on the events selected by ``mask`` (all by default).

    The service's minimums are ``check_minimums``'s job, over all events, before training; the
    evaluation fits on its training users only and needs at least one event of the type.
    Recommended for you uses the settings ``tuned`` gives, or tunes them (``tune``).

    Raises:
        TrainingFailed: the selected events hold none of the event type the use case needs.
    """
    mask = np.ones(len(ev.item_idx), dtype=bool) if mask is None else mask
    case = USE_CASES[recipe]
    typed = mask & (ev.view if case.event_type == "View" else ev.purchase)
    if not typed.any():
        raise TrainingFailed(
            f"The {recipe} use case needs {case.event_type} events, and the Interactions dataset has none."
        )
    n = ev.n_items
    if recipe in (MOST_VIEWED, BEST_SELLERS):
        scores = popularity.fit_popularity(
            ev.item_idx[typed], n, timestamps=ev.ts[typed], window_days=LOOKBACK_DAYS
        ).scores
        return Model(recipe, ev.item_ids, fallback=scores, popular=scores)
    if recipe == ALSO_VIEWED:
        return fit_co_view(ev, typed)
    if recipe == BOUGHT_TOGETHER:
        sims = similarity.fit_co_purchase(
            ev.user_idx[mask],
            ev.item_idx[mask],
            n,
            event_codes=ev.purchase[mask],
            event_code=True,
            neighbors=NEIGHBORS,
        )
        counts = popularity.count_events(ev.item_idx[typed], n)
        return Model(recipe, ev.item_ids, fallback=counts, similar=sims)
    tuned = tuned or tune(ev)
    x = tuning.user_item_matrix(
        ev.user_idx[mask],
        ev.item_idx[mask],
        ev.weights[mask],
        len(ev.user_ids),
        n,
        tuned.settings.combination,
    )
    ranking = None
    if n > personalization.DEFAULT_MAX_EASE_ITEMS:
        personal = personalization.fit_item_knn(x)
    elif tuned.ranker is not None and tuned.ranker.kept:
        tuned = replace(tuned, l2=round(tuned.settings.l2(x), 3))
        ranking = ranker.fit_base(
            ev.user_idx[mask], ev.item_idx[mask], ev.ts[mask], ev.weights[mask], len(ev.user_ids), n,
            ease_matrix=x, l2=tuned.l2, fields=_fields(ev), created=ev.created,
        )  # fmt: skip
        personal = ranking.ease
    else:
        tuned = replace(tuned, l2=round(tuned.settings.l2(x), 3))
        personal = personalization.fit_ease(x, l2=tuned.l2)
    return Model(
        recipe,
        ev.item_ids,
        fallback=personal.popularity,
        personal=personal,
        ranking=ranking,
        history=_history(ev),
        catalogue=item_catalogue(ev, mask),
        tuning=tuned,
    )


def _fields(ev: Events) -> np.ndarray:
    """The catalogue's categorical field codes (``ranker.field_codes``; none without metadata)."""
    return ranker.field_codes(ev.tokens if ev.tokens is not None else [[] for _ in range(ev.n_items)])


def update(model: Model, ev: Events) -> Model:
    """Bring a trained Recommended-for-you model to the data ``ev`` without refitting it
    (``trainingMode`` UPDATE of a solution version).

    The item×item weights and the tuned settings stay the model's. Items it has not seen are
    appended with no weights, so exploration is what shows them until the next full training;
    the histories and the catalogue (ages, counts, content) are rebuilt from ``ev``.
    """
    known = set(model.item_ids.tolist())
    added = np.asarray(sorted(set(ev.item_ids.tolist()) - known), dtype=str)
    item_ids = np.concatenate([model.item_ids, added])
    position = {item: k for k, item in enumerate(item_ids.tolist())}
    to_model = np.asarray([position[item] for item in ev.item_ids.tolist()], dtype=np.int64)
    source = np.full(len(item_ids), -1, dtype=np.int64)  # model index → ``ev`` index (-1: none)
    source[to_model] = np.arange(len(ev.item_ids))
    created = None if ev.created is None else np.where(source >= 0, ev.created[source], np.nan)
    tokens = None if ev.tokens is None else [ev.tokens[k] if k >= 0 else [] for k in source.tolist()]
    now = replace(ev, item_ids=item_ids, item_idx=to_model[ev.item_idx], created=created, tokens=tokens)
    personal = model.personal.extended(len(item_ids))
    ranking = None
    if model.ranking is not None:
        base = model.ranking
        ranking = ranker.Base(personal, base.knn.extended(len(item_ids)), base.stats.extended(len(item_ids)))
    everything = np.ones(len(now.item_idx), dtype=bool)
    return replace(
        model,
        item_ids=item_ids,
        fallback=personal.popularity,
        personal=personal,
        ranking=ranking,
        history=_history(now),
        catalogue=item_catalogue(now, everything),
    )


def fit_co_view(ev: Events, typed: np.ndarray, recipe: str = ALSO_VIEWED, **options) -> Model:
    """Customers who viewed X's model: co-views in one visit of the events ``typed`` selects.

    Args:
        ev: the events.
        typed: the events to count (a boolean mask).
        recipe: the model's recipe name.
        **options: ``min_count``, ``popularity_discount`` of ``similarity.fit_co_view``.
    """
    sims = similarity.fit_co_view(
        ev.user_idx[typed],
        ev.item_idx[typed],
        ev.n_items,
        timestamps=ev.ts[typed],
        session_gap_seconds=SESSION_GAP_SECONDS,
        neighbors=NEIGHBORS,
        **options,
    )
    counts = popularity.count_events(ev.item_idx[typed], ev.n_items)
    return Model(recipe, ev.item_ids, fallback=counts, similar=sims, history=_history(ev))


def item_catalogue(ev: Events, mask: np.ndarray) -> Catalogue:
    """Item ages (creation, else first event), event counts and content vectors of the training data."""
    n = ev.n_items
    first = np.full(n, np.nan)
    np.fmin.at(first, ev.item_idx[mask], ev.ts[mask].astype(np.float64))
    created = first if ev.created is None else np.where(np.isnan(ev.created), first, ev.created)
    tokens = ev.tokens if ev.tokens is not None else [[] for _ in range(n)]
    return Catalogue(
        created=created,
        counts=np.bincount(ev.item_idx[mask], minlength=n).astype(np.int64),
        latest=int(ev.ts[mask].max()),
        content=content.fit_content(tokens),
    )


def tune(
    ev: Events, mask: np.ndarray | None = None, half_lives: tuple = tuning.HALF_LIFE_GRID
) -> tuning.Tuning:
    """Recommended for you's settings and ranker for these events, chosen outside the evaluation hold-out.

    EASE's settings are tuned, and the ranker learned (``ranker.learn``; none where LightGBM
    cannot load), on the events (of ``mask``, all by default) that ``evaluate`` does not hold
    out, so its metrics stay honest; item-kNN catalogues get ``KNN_SETTINGS`` and no ranker.

    Args:
        ev: the events.
        mask: the events the model may train on; all by default.
        half_lives: the half-lives the search may choose (``tuning.tune_ease``).
    """
    if ev.n_items > personalization.DEFAULT_MAX_EASE_ITEMS:
        fixed = KNN_SETTINGS if KNN_SETTINGS.half_life_days in half_lives else None
        return tuning.Tuning(fixed or replace(KNN_SETTINGS, half_life_days=half_lives[0]), None, (), 0)
    keep = ~_evaluation_split(ev).holdout
    if mask is not None:
        keep &= mask
    args = (ev.user_idx[keep], ev.item_idx[keep], ev.ts[keep], ev.weights[keep], len(ev.user_ids), ev.n_items)
    tuned = tuning.tune_ease(*args, rng=np.random.default_rng(SEED), half_lives=half_lives)
    if ranker.unavailable():
        return tuned
    learned = ranker.learn(
        *args, combination=tuned.settings.combination, relative_l2=tuned.settings.relative_l2,
        fields=_fields(ev), created=ev.created, rng=np.random.default_rng(SEED),
    )  # fmt: skip
    return replace(tuned, ranker=learned)


def influenced(model: Model, candidates: np.ndarray, influence: dict[str, float]) -> np.ndarray:
    """Re-rank an item-to-item list by ``rankingInfluence``: popularity and freshness.

    Each candidate scores its relevance (1 for the first of the list, falling evenly to 1/len)
    plus ``POPULARITY`` times its event count over the catalogue's largest, plus ``FRESHNESS``
    times its freshness: 1 for the newest ``CREATION_TIMESTAMP`` (else first event) of the
    catalogue, 0 for the oldest or unknown. Ties keep the list's order.

    Args:
        model: a model with a ``catalogue`` (Semantic-Similarity's).
        candidates: item indices, most similar first.
        influence: ``POPULARITY`` and ``FRESHNESS`` weights, each in [0, 1] (0 if absent).

    Returns:
        The candidates, best first.
    """
    cat = model.catalogue
    if cat is None or not len(candidates):
        return candidates
    relevance = 1.0 - np.arange(len(candidates)) / len(candidates)
    counts = cat.counts.astype(np.float64)
    popular = counts[candidates] / counts.max() if counts.max() > 0 else np.zeros(len(candidates))
    created = cat.created
    known = created[~np.isnan(created)]
    span = float(known.max() - known.min()) if len(known) else 0.0
    fresh = (
        np.nan_to_num((created[candidates] - known.min()) / span, nan=0.0) if span > 0 else 0.0 * relevance
    )
    score = relevance + influence.get("POPULARITY", 0.0) * popular + influence.get("FRESHNESS", 0.0) * fresh
    return candidates[np.lexsort((np.arange(len(candidates)), -score))]


def rank(
    model: Model,
    k: int,
    *,
    history: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    query: int | None = None,
    exclude: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The ``k`` best item indices for a request, and their scores if the use case gives scores.

    Args:
        model: a trained use case.
        k: number of items, > 0.
        history: ``(items, event weights, timestamps)`` of the user's events (Recommended for
            you); they combine and age as the model's tuned settings say (``tuning.history_weights``).
        query: the item of an item-to-item request; None if unknown to the model.
        exclude: item indices never to return.

    Returns:
        ``(indices, scores)``; scores (Recommended for you only) are the user's share of the
        model's positive scores over the whole catalogue, so they sum to at most 1.
    """
    exclude = np.empty(0, dtype=np.int64) if exclude is None else np.asarray(exclude, dtype=np.int64)
    if model.popular is not None:
        return popularity.top_k(model.popular, k, exclude=exclude)[0], None
    if model.similar is not None:
        found = np.empty(0, dtype=np.int64)
        skip = exclude
        if query is not None:
            found, _ = similarity.similar_items(model.similar, query, k, exclude=exclude)
            skip = np.concatenate([exclude, found, [query]])
        if len(found) < k:
            more, _ = popularity.top_k(model.fallback, k - len(found), exclude=skip)
            found = np.concatenate([found, more])
        return found, None
    scores = personal_scores(model, history)
    if model.booster() is not None and history is not None and len(history[0]):
        chosen = _ranked(model, history, scores, k, exclude)
    else:
        chosen, _ = personalization.rank_scores(model.personal, scores, k, exclude=exclude)
    share = np.maximum(scores, 0.0)
    if share.sum() <= 0:
        share = model.fallback
    total = float(share.sum())
    return chosen, (share[chosen] / total if total > 0 else np.zeros(len(chosen)))


def _ranked(
    model: Model, history: tuple[np.ndarray, np.ndarray, np.ndarray], scores, k: int, exclude
) -> np.ndarray:
    """The ranker's order of a shopper's candidates, then EASE's order (``scores``) of the rest."""
    excluded = np.zeros(model.personal.n_items, dtype=bool)
    excluded[exclude] = True
    weighed = tuning.history_weights(*history, model.tuning.settings)
    cands, ranked = ranker.score_one(model.ranking, model.booster(), scores, weighed, history[0], excluded)
    order = cands[np.argsort(-ranked, kind="stable")]
    order = order[order >= 0][:k]
    if len(order) < k:
        rest, _ = personalization.rank_scores(model.personal, scores, k, exclude=np.union1d(exclude, order))
        order = np.concatenate([order, rest[: k - len(order)]])
    return order


def personal_scores(model: Model, history: tuple[np.ndarray, np.ndarray, np.ndarray] | None) -> np.ndarray:
    """Recommended for you's score of every item for a user's history (see ``rank``).

    Args:
        model: a Recommended for you model (``model.personal`` set).
        history: ``(items, event weights, timestamps)`` of the user's events, or None.

    Returns:
        ``float`` array of length ``model.item_ids.size``; higher is better.
    """
    items, weights = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    if history is not None and len(history[0]):
        items, weights = tuning.history_weights(*history, model.tuning.settings)
    return personalization.score_items(model.personal, items, weights)


def explorable(model: Model, cutoff_days: float, new_items: NewItems | None = None) -> Explorable:
    """The items exploration may show: created at most ``cutoff_days`` before the newest training
    event (or of unknown age, or added since: ``new_items``) and with fewer events than
    ``Catalogue.few_events``. The same for every request until the data changes: the backend keeps it.

    Args:
        model: a Recommended for you model with a ``catalogue``.
        cutoff_days: ``explorationItemAgeCutOff``, > 0.
        new_items: items added since the model trained.
    """
    cat = model.catalogue
    vectors, created, counts = cat.content.features, cat.created, cat.counts
    if new_items is not None and len(new_items.item_ids):
        vectors = sp.vstack([vectors, new_items.vectors], format="csr")
        created = np.concatenate([created, new_items.created])
        counts = np.concatenate([counts, np.zeros(len(new_items.item_ids), dtype=np.int64)])
    with np.errstate(invalid="ignore"):
        old = cat.latest - created > cutoff_days * interactions.SECONDS_PER_DAY
    found = np.flatnonzero(~old & (counts < cat.few_events))
    return Explorable(found, vectors[found], created[found])


def explore(
    model: Model,
    chosen: np.ndarray,
    k: int,
    *,
    weight: float,
    pool: Explorable,
    history: tuple[np.ndarray, np.ndarray],
    exclude: np.ndarray | None,
) -> np.ndarray:
    """Recommended for you's list with exploration: new items merged in by ``explorationWeight``.

    Two queues merge into the list. The model's ranking (``chosen``) gives its ``p``-th item the
    priority ``1 - p/k``; the **explorable** items (``pool``, from ``explorable``: new, and with
    fewer events than ``COLD_QUANTILE`` of the items that have any) are ranked by content
    similarity to the shopper's history (categories and description; newest first for a shopper
    without history), and the ``j``-th gets ``weight × (1 - j/k)``. The higher priority takes each
    slot (ties: the model's). At weight 0 nothing explores; at 0.3 new items take some of the last
    slots of a list; at 1 every other slot from the top. A shopper with history is shown only new
    items related to what they did (similarity above 0): without item metadata nothing relates,
    and their list is the model's. The same request always gets the same list.

    Args:
        model: a Recommended for you model.
        chosen: its ranking for the request (item indices, best first).
        k: list length.
        weight: ``explorationWeight``, in [0, 1].
        pool: the explorable items (``explorable``).
        history: ``(items, weights)`` of the shopper's events.
        exclude: item indices never to return.

    Returns:
        Item indices, best first; an index ``model.item_ids.size + j`` is ``new_items.item_ids[j]``.
    """
    if model.catalogue is None or weight <= 0:
        return chosen[:k]
    explored = _explorable_ranked(model, pool, chosen, k, history, exclude)
    kept = [int(i) for i in chosen.tolist()]
    out: list[int] = []
    p = j = 0
    while len(out) < k and (p < len(kept) or j < len(explored)):
        model_first = j >= len(explored) or (p < len(kept) and 1 - p / k >= weight * (1 - j / k))
        pick = kept[p] if model_first else explored[j]
        p, j = (p + 1, j) if model_first else (p, j + 1)
        if pick not in out:
            out.append(pick)
    return np.asarray(out, dtype=np.int64)


def _explorable_ranked(
    model: Model,
    pool: Explorable,
    chosen: np.ndarray,
    k: int,
    history: tuple[np.ndarray, np.ndarray],
    exclude: np.ndarray | None,
) -> list[int]:
    """The explorable items most related to the history first (see ``explore``), at most ``k``."""
    keep = ~np.isin(pool.items, chosen[:k])
    if exclude is not None and len(exclude):
        keep &= ~np.isin(pool.items, exclude)
    similar = content.profile_scores(model.catalogue.content.features, history[0], history[1], pool.vectors)
    if len(history[0]):  # a known shopper is shown only new items related to what they did
        keep &= similar > 0
    found, similar = pool.items[keep], similar[keep]
    newest = np.nan_to_num(pool.created[keep], nan=np.inf)
    return found[np.lexsort((found, -newest, -similar))][:k].tolist()


def _evaluation_split(ev: Events) -> split.PersonalizeSplit:
    return split.personalize_split(ev.user_idx, ev.ts, np.random.default_rng(SEED))


def evaluate(
    ev: Events,
    recipe: str,
    tuned: tuning.Tuning | None = None,
    fitter: Callable[[Events, np.ndarray], Model] | None = None,
) -> dict[str, float]:
    """Personalize's offline metrics of a use case on the evaluation split (see module doc).

    Args:
        ev: the events.
        recipe: the use case.
        tuned: Recommended for you's settings (the trained model's ``tuning``); tuned here if None.
        fitter: how to fit the model on the events a mask selects; ``fit(ev, recipe, mask, tuned)``
            by default (a solution version passes its recipe's model).

    Returns:
        ``metrics.PERSONALIZE_METRIC_KEYS`` → value; empty if no test user has new held-out items.
    """
    s = _evaluation_split(ev)
    try:
        model = fitter(ev, s.train) if fitter is not None else fit(ev, recipe, s.train, tuned)
    except TrainingFailed:  # the needed events all belong to test users: nothing to measure
        return {}
    truths, recs = [], []
    for _, rows, truth in split.test_cases(s, ev.user_idx, ev.item_idx):
        if not len(truth):
            continue
        idx, _ = rank(
            model,
            EVAL_K,
            history=(ev.item_idx[rows], ev.weights[rows], ev.ts[rows]),
            query=int(ev.item_idx[rows[-1]]),  # events are sorted by user then time: the newest
            exclude=np.unique(ev.item_idx[rows]),
        )
        truths.append(truth)
        recs.append(np.pad(idx, (0, EVAL_K - len(idx)), constant_values=-1))
    if not truths:
        return {}
    return {k: round(float(v), 4) for k, v in metrics.evaluate(truths, recs, ev.n_items).items()}


def validation_ndcg(ev: Events, fitter: Callable[[Events, np.ndarray], Model]) -> float:
    """NDCG@10 of a model on a validation split of the events that ``evaluate`` does not hold out.

    For hyperparameter search: the evaluation hold-out stays unseen, so the metrics of the model
    finally chosen stay honest.

    Args:
        ev: the events.
        fitter: how to fit the model on the events a mask selects.

    Returns:
        NDCG@10 in [0, 1]; 0 if no validation user has new held-out items.
    """
    inner = select(ev, ~_evaluation_split(ev).holdout)
    return evaluate(inner, ALSO_VIEWED, fitter=fitter).get("normalized_discounted_cumulative_gain_at_10", 0.0)


# --- files ----------------------------------------------------------------------------------
def to_bytes(model: Model) -> bytes:
    """The model as ``.npz`` bytes (no pickles): ``recipe``, ``item_ids``, ``fallback`` and
    ``popular`` | ``sim_*`` | the personalisation arrays, plus ``user_ids`` and ``hist_*`` and
    ``tuning`` (the ``Tuning`` record as JSON text)."""
    arrays: dict[str, np.ndarray] = {
        "recipe": np.asarray(model.recipe),
        "item_ids": model.item_ids,
        "fallback": model.fallback,
    }
    if model.popular is not None:
        arrays["popular"] = model.popular
    if model.similar is not None:
        arrays.update(model.similar.to_arrays())
    if model.personal is not None:
        arrays.update(model.personal.to_arrays())
    if model.ranking is not None:
        arrays.update({f"rk_{k}": v for k, v in model.ranking.knn.to_arrays().items()})
        arrays.update(model.ranking.stats.to_arrays("rk_stats_"))
    if model.catalogue is not None:
        arrays.update(model.catalogue.to_arrays())
    if model.actions is not None:
        arrays.update(model.actions.to_arrays(), action_users=model.action_users)
    if model.tuning is not None:
        arrays["tuning"] = np.asarray(json.dumps(model.tuning.to_dict()))
    if model.history is not None:
        h = model.history
        arrays.update(
            user_ids=h.user_ids,
            hist_indptr=h.indptr,
            hist_items=h.items,
            hist_weights=h.weights,
            hist_ts=h.ts,
            hist_purchased=h.purchased,
        )
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _from_file(path: Path) -> Model:
    with np.load(path) as npz:
        a = {key: npz[key] for key in npz.files}
    history = None
    if "user_ids" in a:
        history = History(
            a["user_ids"],
            a["hist_indptr"],
            a["hist_items"],
            a["hist_weights"],
            a["hist_ts"],
            a["hist_purchased"],
        )
    personal = personalization.PersonalizationModel.from_arrays(a) if "method" in a else None
    ranking = None
    if "rk_method" in a:
        knn = personalization.PersonalizationModel.from_arrays(
            {k[3:]: v for k, v in a.items() if k.startswith("rk_")}
        )
        ranking = ranker.Base(personal, knn, ranker.ItemStats.from_arrays(a, "rk_stats_"))
    return Model(
        recipe=str(a["recipe"]),
        item_ids=a["item_ids"],
        fallback=a["fallback"],
        popular=a.get("popular"),
        similar=similarity.ItemSimilarity.from_arrays(a) if "sim_data" in a else None,
        personal=personal,
        ranking=ranking,
        history=history,
        catalogue=Catalogue.from_arrays(a) if "cat_latest" in a else None,
        tuning=tuning.Tuning.from_dict(json.loads(str(a["tuning"]))) if "tuning" in a else None,
        actions=actions.ActionModel.from_arrays(a) if "act_taken" in a else None,
        action_users=a.get("action_users"),
    )


_CACHE_SIZE = 8
_cache: OrderedDict[tuple[str, int, int], Model] = OrderedDict()
_cache_lock = threading.Lock()


def load(path: Path) -> Model:
    """Load a model file, cached per process by (path, mtime, size): a new file is read once.

    Models whose file is gone (replaced by a retraining, or deleted) leave the cache then.
    """
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        model = _cache.get(key)
        if model is not None:
            _cache.move_to_end(key)
            return model
    model = _from_file(path)
    with _cache_lock:
        for stale in [k for k in _cache if not os.path.exists(k[0])]:
            del _cache[stale]
        _cache[key] = model
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return model

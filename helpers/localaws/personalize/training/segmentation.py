"""The USER_SEGMENTATION recipes, locally: Item-Affinity and Item-Attribute-Affinity.

Both train the model of User-Personalization (Recommended for you's EASE / item-kNN on event-
and age-weighted history, ``usecases.FOR_YOU``, with the default settings: Personalize offers no
HPO for these recipes) on every interaction, and score each shopper's affinity to every item from
the history the model trained on: the shopper's share of the model's positive scores (how likely
their next interaction is with the item, however busy they are). A segment ranks users, best
first (ties by user id):

- **Item-Affinity** (``aws-item-affinity``): by their affinity to the item;
- **Item-Attribute-Affinity** (``aws-item-attribute-affinity``): by their mean affinity to the
  items that match the attribute query (``segment_queries``), so a shopper who likes many
  products of the kind ranks above one who likes a single one.

Training needs what the guide's recipe pages require: Item-Attribute-Affinity an Items dataset
with at least one non-textual field besides ``ITEM_ID`` and ``CREATION_TIMESTAMP``. The metrics
(``recsys.segments``) are measured as Personalize does for USER_SEGMENTATION: the model is fitted
on 80% of each user's interactions (locally the oldest) and asked, for each item (Item-Affinity)
or each attribute value (Item-Attribute-Affinity) of the other 20%, for its top 1% of users. The guide
calls them *hit* and *recall* at K; GetSolutionMetrics answers ``hit_at_1_percent``,
``recall_at_1_percent`` and ``coverage``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from helpers.localaws.engine import errors
from helpers.localaws.engine.store import Store
from helpers.localaws.personalize import filter_expressions as fx
from helpers.localaws.personalize import filters
from helpers.localaws.personalize.training import usecases
from helpers.recsys import personalization, segments, tuning

ITEM_AFFINITY = "aws-item-affinity"
ATTRIBUTE_AFFINITY = "aws-item-attribute-affinity"
RECIPES = (ITEM_AFFINITY, ATTRIBUTE_AFFINITY)
MODEL_RECIPE = "aws-user-personalization"
"""The recipe whose model (with its default settings) the segmentation recipes train."""
RESERVED_ITEM_FIELDS = ("ITEM_ID", "CREATION_TIMESTAMP")
TEST_SHARE = 0.2
"""Share of each user's newest interactions the metrics hold out (80% train, 20% test)."""


def refuse(version: dict, what: str) -> None:
    """Refuse a solution version of a USER_SEGMENTATION recipe where only batch segment jobs take it.

    Args:
        version: the solution version's document.
        what: what was asked of it, in words (``campaigns``, ``batch inference jobs``).

    Raises:
        InvalidInputException: the version is of ``RECIPES``.
    """
    recipe = version["recipeArn"].removeprefix(usecases.RECIPE_PREFIX)
    if recipe in RECIPES:
        raise errors.InvalidInputException(
            f"Solution version {version['solutionVersionArn']} is of the USER_SEGMENTATION recipe "
            f"{recipe}, which has no {what}: create a batch segment job with it."
        )


def attribute_fields(store: Store, group_arn: str) -> dict[str, str]:
    """The Items fields an attribute query can name: non-textual, not reserved (name → kind)."""
    _, kinds, _ = filters.item_metadata(store, group_arn)
    return {n: k for n, k in kinds.items() if n not in RESERVED_ITEM_FIELDS and k in (fx.STRING, fx.NUMBER)}


def _affinities(model: usecases.Model, n_rows: int, rows, items, weights, ts) -> np.ndarray:
    """Each row's affinity to every item from its events, given row by row, oldest first in a row.

    A user's affinity is their share of the model's positive scores, in [0, 1]. Shares rather
    than raw scores: a raw EASE score grows with the length of the history, so a busy shopper
    would top every segment; a share is how likely the user's next interaction is with the item,
    whatever their activity. The events are weighed for every user at once, as
    ``tuning.history_weights`` weighs one user's (recency counts from the user's newest event).

    Returns:
        ``float32`` array ``(n_rows, model.item_ids.size)``; a row without events scores 0.
    """
    n_items = model.item_ids.size
    out = np.zeros((n_rows, n_items), dtype=np.float32)
    if not len(rows):
        return out
    settings = model.tuning.settings
    starts = np.flatnonzero(np.diff(rows, prepend=-1))
    newest = np.repeat(np.maximum.reduceat(ts, starts), np.diff(np.append(starts, len(rows))))
    strength = tuning.event_strengths(weights, ts, settings, newest=newest)
    pairs, inverse = np.unique(rows.astype(np.int64) * n_items + items, return_inverse=True)
    if settings.combination == "binary":
        summed = np.zeros(len(pairs))
        np.maximum.at(summed, inverse, strength)
    else:
        summed = np.bincount(inverse, weights=strength, minlength=len(pairs))
    pair_rows, pair_items, summed = pairs // n_items, pairs % n_items, summed.astype(np.float32)
    bounds = np.append(np.flatnonzero(np.diff(pair_rows, prepend=-1)), len(pairs))
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        scores = personalization.score_items(model.personal, pair_items[lo:hi], summed[lo:hi])
        scores = np.maximum(scores, 0.0)
        total = float(scores.sum())
        out[pair_rows[lo]] = scores / total if total > 0 else scores
    return out


def user_scores(model: usecases.Model, ev: usecases.Events, mask: np.ndarray) -> np.ndarray:
    """Every user's affinity to every item (``_affinities``), from the user's events ``mask`` selects.

    Returns:
        ``float32`` array ``(len(ev.user_ids), ev.n_items)``; a user without events scores 0.
    """
    rows = np.flatnonzero(mask)  # events are sorted by user then time
    events = (ev.user_idx[rows], ev.item_idx[rows], ev.weights[rows], ev.ts[rows])
    return _affinities(model, len(ev.user_ids), *events)


def trained_scores(model: usecases.Model) -> np.ndarray:
    """Every trained user's affinity to every item (``_affinities``), from the history the model trained on.

    Returns:
        ``float32`` array ``(len(model.history.user_ids), model.item_ids.size)``, rows in user id order.
    """
    h = model.history
    rows = np.repeat(np.arange(len(h.user_ids)), np.diff(h.indptr))
    return _affinities(model, len(h.user_ids), rows, h.items, h.weights, h.ts)


def _attribute_queries(store: Store, group_arn: str, item_ids: np.ndarray) -> list[np.ndarray]:
    """Item indices of each value of each attribute field (a categorical ``a|b`` counts for both)."""
    table, _, categorical = filters.item_metadata(store, group_arn)
    table = table.reindex(item_ids.astype(str))
    queries = []
    for name in sorted(attribute_fields(store, group_arn)):
        column = table[name].dropna()
        if name in categorical:
            column = column.astype(str).str.split("|").explode()
        for _, rows in sorted(column.groupby(column.astype(str)).groups.items()):
            queries.append(np.sort(table.index.get_indexer(rows.unique())))
    return queries


def train(
    store: Store,
    group_arn: str,
    ev: usecases.Events,
    recipe: str,
    fitter: Callable[[usecases.Events, np.ndarray | None], usecases.Model],
) -> tuple[usecases.Model, dict]:
    """Fit a segmentation recipe on all events and measure it on Personalize's split.

    Args:
        store: the state.
        group_arn: the dataset group (its Items metadata).
        ev: the training data.
        recipe: one of ``RECIPES``.
        fitter: how to fit User-Personalization's model on the events a mask selects (all if None).

    Returns:
        ``(model, metrics)``.

    Raises:
        TrainingFailed: Item-Attribute-Affinity without an Items field it can segment by.
    """
    queries = None
    if recipe == ATTRIBUTE_AFFINITY:
        if not attribute_fields(store, group_arn):
            raise usecases.TrainingFailed(
                f"{recipe} needs an Items dataset with at least one non-textual field besides "
                f"{' and '.join(RESERVED_ITEM_FIELDS)}; found none."
            )
        queries = _attribute_queries(store, group_arn, ev.item_ids)
    model = fitter(ev, None)
    test = tuning.newest_events(ev.user_idx, ev.ts, fraction=TEST_SHARE, min_user_events=2)
    scores = user_scores(fitter(ev, ~test), ev, ~test)
    if queries is None:
        queries = [np.asarray([i]) for i in np.unique(ev.item_idx[test])]
    return model, segments.evaluate_segments(scores, queries, _actual_users(ev, test, queries))


def _actual_users(ev: usecases.Events, test: np.ndarray, queries: list[np.ndarray]) -> list[np.ndarray]:
    """Per query, the users with a test event on one of its items (sorted user indices)."""
    pairs = np.unique(np.stack([ev.item_idx[test], ev.user_idx[test]], axis=1), axis=0)
    starts = np.flatnonzero(np.diff(pairs[:, 0], prepend=-1))
    users_of = dict(zip(pairs[starts, 0].tolist(), np.split(pairs[:, 1], starts[1:]), strict=True))
    none = np.empty(0, dtype=np.int64)
    return [np.unique(np.concatenate([users_of.get(int(i), none) for i in q] or [none])) for q in queries]

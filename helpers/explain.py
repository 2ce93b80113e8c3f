"""Why this item: "Because you viewed Trail runners and 2 more", from the shop's own data.

A recommender on Amazon Personalize is a black box: it answers item ids (and, for Recommended
for you, scores), never its reasons. So the shop explains a recommendation *after the fact*,
from what it knows itself: the shopper's own events, and how often the shop's shoppers looked
at two products in the same visit (**co-occurrence**). For each recommended product we find the
products of this shopper's history that share most visits with it, and name the strongest.
It runs the same locally and on AWS, because it never looks inside the model.

What it can claim: "shoppers who looked at what you did also looked at this, in the same visit". What
it cannot: that this is why the model chose it. The model may weigh recency, item metadata or
exploration that co-occurrence does not see.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

EVENT_RANK = {"View": 0, "AddToCart": 1, "Purchase": 2}
"""How much an event says about a shopper's taste: a purchase more than a view."""

MIN_SHARE = 0.8
"""A history item "also explains" a recommendation if its similarity is at least this share of the best."""

SESSION_GAP_S = 1_800.0
"""A pause longer than this (30 minutes) between two events of a shopper starts a new visit."""


@dataclass(frozen=True)
class CoOccurrence:
    """Item-to-item similarity from who interacted with what.

    Attributes:
        item_ids: the item ids, in the matrix's order.
        index: item id → row (and column) of ``matrix``.
        matrix: ``(n_items, n_items)`` CSR cosine similarity of the items' sets of shoppers, in
            [0, 1], with a zero diagonal.
    """

    item_ids: np.ndarray
    index: dict[str, int]
    matrix: sparse.csr_matrix


@dataclass(frozen=True)
class Reason:
    """Why one product is on a shopper's list.

    Attributes:
        text: the line shown on the card; it always begins "Because you".
        item_id: the history item that explains it most, or None when none does.
        event_type: what the shopper did with ``item_id`` (its strongest event), or None.
        more: how many other history items also explain it (see ``MIN_SHARE``).
        similarity: cosine similarity of ``item_id`` and the product, in [0, 1] (0 without one).
    """

    text: str
    item_id: str | None = None
    event_type: str | None = None
    more: int = 0
    similarity: float = 0.0


def co_occurrence(interactions: pd.DataFrame, session_gap_s: float = SESSION_GAP_S) -> CoOccurrence:
    """Count how many visits two items share, normalised to a cosine similarity.

    A **visit** is a run of one shopper's events with gaps shorter than ``session_gap_s``:
    products looked at in the same visit are alternatives or companions, which says more than
    two products the same shopper touched weeks apart.

    Args:
        interactions: one row per event, with ``USER_ID``, ``ITEM_ID`` and ``TIMESTAMP`` (seconds).
        session_gap_s: the longest pause within one visit, in seconds.

    Returns:
        The similarity of every pair of items that appear in ``interactions``.
    """
    events = interactions.sort_values(["USER_ID", "TIMESTAMP"], kind="stable")
    items = pd.Categorical(events["ITEM_ID"].astype(str))
    return co_occurrence_in_order(
        events["USER_ID"].astype(str).to_numpy(),
        events["TIMESTAMP"].to_numpy(float),
        items.codes,
        np.asarray(items.categories, dtype=object),
        session_gap_s,
    )


def co_occurrence_in_order(
    users: np.ndarray,
    times: np.ndarray,
    items: np.ndarray,
    item_ids: np.ndarray,
    session_gap_s: float = SESSION_GAP_S,
) -> CoOccurrence:
    """``co_occurrence`` of events given as arrays, already in order of shopper, then time.

    Args:
        users: each event's shopper (any values that are equal for the same shopper).
        times: each event's time, in seconds.
        items: each event's item, as its position in ``item_ids``.
        item_ids: the item ids (every one is a row of the matrix, seen or not).
        session_gap_s: the longest pause within one visit, in seconds.
    """
    starts = np.ones(len(users), bool)
    starts[1:] = (users[1:] != users[:-1]) | (np.diff(times) > session_gap_s)
    visits = np.cumsum(starts) - 1
    shape = (int(visits[-1]) + 1 if len(visits) else 0, len(item_ids))
    seen = sparse.csr_matrix((np.ones(len(users), np.float32), (visits, items)), shape=shape)
    seen.data[:] = 1.0  # duplicates were summed: a visit counts once per item
    shared = (seen.T @ seen).tocsr()
    norms = np.sqrt(shared.diagonal())
    norms[norms == 0] = 1.0
    scale = sparse.diags(1.0 / norms)
    cosine = (scale @ shared @ scale).tocsr()
    cosine.setdiag(0.0)
    cosine.eliminate_zeros()
    item_ids = np.asarray(item_ids, dtype=object)
    return CoOccurrence(item_ids, {item: k for k, item in enumerate(item_ids)}, cosine.astype(np.float32))


@dataclass(frozen=True)
class Past:
    """One item of a shopper's history, reduced to what explains best.

    Attributes:
        item_id: the item.
        event_type: the shopper's strongest event with it (``EVENT_RANK``).
        last: the time of the shopper's latest event with it, seconds since the epoch.
    """

    item_id: str
    event_type: str
    last: float


def strongest_events(history: Iterable[tuple[str, str, float]]) -> list[Past]:
    """Reduce a shopper's events to one per item: its strongest event type and latest time.

    Args:
        history: ``(item_id, event_type, timestamp)`` triples, in any order.

    Returns:
        One ``Past`` per item, strongest event first, then latest, then by id.
    """
    best: dict[str, list] = {}
    for item, event, when in history:
        seen = best.get(item)
        if seen is None:
            best[item] = [event, when]
            continue
        if EVENT_RANK.get(event, 0) > EVENT_RANK.get(seen[0], 0):
            seen[0] = event
        seen[1] = max(seen[1], when)
    rows = [Past(item, event, float(when)) for item, (event, when) in best.items()]
    rows.sort(key=lambda p: (-EVENT_RANK.get(p.event_type, 0), -p.last, p.item_id))
    return rows


def because(
    history: list[Past],
    recommended: list[str],
    co: CoOccurrence,
    names: Mapping[str, str],
    categories: Mapping[str, str],
) -> dict[str, Reason]:
    """Explain each recommended item by the shopper's own history items most similar to it.

    Args:
        history: the shopper's items from ``strongest_events``.
        recommended: the recommended item ids, in list order.
        co: the shop's co-occurrence similarity.
        names: item id → product name, for the text.
        categories: item id → category, for the fallback when no history item is similar.

    Returns:
        item id → its ``Reason``; every recommended item has one.
    """
    known = [past for past in history if past.item_id in co.index]
    rows = [co.index[past.item_id] for past in known]
    cols = [co.index.get(item, -1) for item in recommended]
    present = [j for j, c in enumerate(cols) if c >= 0]
    similar = np.zeros((len(rows), len(cols)), np.float32)
    if rows and present:  # the matrix is symmetric: slice the few recommended rows, then the history
        similar[:, present] = co.matrix[[cols[j] for j in present]].toarray()[:, rows].T
    liked = {categories.get(past.item_id) for past in history} - {None}
    best = similar.argmax(axis=0) if rows else np.zeros(len(cols), int)  # ties: the stronger, newer event
    top = similar.max(axis=0) if rows else np.zeros(len(cols), np.float32)
    more = (similar >= MIN_SHARE * top).sum(axis=0) - 1 if rows else np.zeros(len(cols), int)
    reasons = {}
    for j, item in enumerate(recommended):
        if top[j] > 0:
            anchor = known[best[j]]
            text = _text(anchor.event_type, names.get(anchor.item_id, anchor.item_id), int(more[j]))
            reasons[item] = Reason(text, anchor.item_id, anchor.event_type, int(more[j]), float(top[j]))
        elif categories.get(item) in liked:
            reasons[item] = Reason(f"Because you like {categories[item]}")
        else:
            reasons[item] = Reason("Because you might like something new")
    return reasons


def _text(event_type: str, name: str, more: int) -> str:
    rest = f" and {more} more" if more else ""
    if event_type == "Purchase":
        return f"Because you bought {name}{rest}"
    if event_type == "AddToCart":
        return f"Because you added {name} to your cart{rest}"
    return f"Because you viewed {name}{rest}"

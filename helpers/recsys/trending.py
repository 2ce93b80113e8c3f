"""Trending items: a recency-weighted rate of change of each item's interactions.

This is what Personalize's *Trending-Now* recipe serves: the items whose interactions grow
fastest, the same list for everyone. The data is cut into intervals of ``interval_seconds``
(the recipe's trend discovery frequency) that end at the reference time (the newest event by
default): interval 0 is the newest, ``(ref - interval, ref]``. For each item ``i`` and each of
the ``n_intervals`` newest intervals ``b`` the **growth** is its change in events against the
interval before, relative to that interval's count::

    growth[i, b] = (c[i, b] - c[i, b + 1]) / (c[i, b + 1] + s)

where ``c[i, b]`` counts item ``i``'s events in interval ``b`` and ``s`` (at least 1) is the mean
count of the items that have any event in the window, per interval: the smoothing keeps an item
that goes from 0 to 1 event from outranking one that goes from 50 to 90. The **trend** of an item
is the mean of its growths weighted by recency, ``w_b = 0.5 ** (b / half_life_intervals)``
(normalised to sum 1), so a rise in the last interval counts most. An item whose events double
beats a steady item with more events: its growth is positive, the steady item's is 0.

Items rank by trend, then by their events in the window (the popular ones), then by index. With
no events in the two newest intervals there is no trend to see, and the ranking is by
popularity alone, as Personalize then recommends popular items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .interactions import as_index_array, check_positive_int

N_INTERVALS = 8
"""Interval-to-interval changes a trend averages."""

HALF_LIFE_INTERVALS = 1.0
"""A change ``HALF_LIFE_INTERVALS`` intervals older than the newest counts half."""


@dataclass(frozen=True)
class TrendingModel:
    """Per-item trend and popularity.

    Attributes:
        trend: ``float64`` array of shape ``(n_items,)``: the recency-weighted growth (0 for items
            without events in the window; negative for falling ones).
        counts: ``float64`` array of shape ``(n_items,)``, >= 0: events in the window.
    """

    trend: np.ndarray
    counts: np.ndarray

    def order(self) -> np.ndarray:
        """Item indices best first: by trend, then events in the window, then index."""
        n = len(self.trend)
        return np.lexsort((np.arange(n), -self.counts, -self.trend))

    def rank_scores(self) -> np.ndarray:
        """Scores whose descending order (ties by lower index) is ``order()``: ``n - position``.

        Returns:
            ``float32`` array of shape ``(n_items,)``, in ``[1, n_items]``, all distinct.
        """
        n = len(self.trend)
        scores = np.empty(n, dtype=np.float32)
        scores[self.order()] = np.arange(n, 0, -1, dtype=np.float32)
        return scores


def fit_trending(
    item_idx,
    timestamps,
    n_items: int,
    *,
    interval_seconds: int,
    n_intervals: int = N_INTERVALS,
    half_life_intervals: float = HALF_LIFE_INTERVALS,
    reference_time: int | None = None,
) -> TrendingModel:
    """Fit the trend of every item (see the module doc).

    Args:
        item_idx: Item index per event, in ``[0, n_items)``.
        timestamps: Event times in int seconds, one per event.
        n_items: Catalogue size, > 0.
        interval_seconds: Length of one interval (the trend discovery frequency), > 0.
        n_intervals: Changes averaged, > 0 (the window is ``n_intervals + 1`` intervals).
        half_life_intervals: Recency half-life of a change, in intervals, > 0.
        reference_time: End of the newest interval ("now"); the newest timestamp by default.
            Later events are ignored.

    Returns:
        The ``TrendingModel``.

    Raises:
        ValueError: On bad sizes, mismatched lengths or non-positive settings.
    """
    n_items = check_positive_int(n_items, "n_items")
    interval_seconds = check_positive_int(interval_seconds, "interval_seconds")
    n_intervals = check_positive_int(n_intervals, "n_intervals")
    if not half_life_intervals > 0:
        raise ValueError(f"half_life_intervals must be > 0, got {half_life_intervals!r}")
    items = as_index_array(item_idx, "item_idx", n_items)
    ts = np.asarray(timestamps, dtype=np.int64)
    if ts.shape != items.shape:
        raise ValueError(f"timestamps must have the length of item_idx ({len(items)}), got {ts.shape}")
    if not len(ts):
        return TrendingModel(np.zeros(n_items), np.zeros(n_items))
    ref = int(ts.max()) if reference_time is None else int(reference_time)
    age = ref - ts
    bins = age // interval_seconds
    keep = (age >= 0) & (bins <= n_intervals)
    counts = np.zeros((n_items, n_intervals + 1))
    np.add.at(counts, (items[keep], bins[keep]), 1.0)
    total = counts.sum(axis=1)
    if not counts[:, :2].any():  # nothing in the two newest intervals: popularity only
        return TrendingModel(np.zeros(n_items), total)
    active = total > 0
    smoothing = max(1.0, float(counts[active].mean()))
    growth = (counts[:, :-1] - counts[:, 1:]) / (counts[:, 1:] + smoothing)
    weights = np.power(0.5, np.arange(n_intervals) / half_life_intervals)
    return TrendingModel(growth @ (weights / weights.sum()), total)

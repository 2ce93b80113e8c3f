"""Popularity: counts of one event type over a look-back window.

This is what Personalize's *Best sellers* (Purchase events) and *Most viewed*
(View events) recommenders and the Popularity-Count recipe serve: the same list
for everyone, minus what a user should not see again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .interactions import SECONDS_PER_DAY, as_index_array, check_positive_int, event_mask, top_k


@dataclass(frozen=True)
class PopularityModel:
    """Per-item popularity scores.

    Attributes:
        scores: ``float32`` array of shape ``(n_items,)``, >= 0: the (weighted)
            number of counted events per item.
    """

    scores: np.ndarray

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays for ``np.savez``; ``from_arrays`` restores the model."""
        return {"scores": self.scores}

    @classmethod
    def from_arrays(cls, arrays) -> PopularityModel:
        """Rebuild a model from ``to_arrays()`` output (or an ``np.load`` result)."""
        return cls(scores=np.asarray(arrays["scores"], dtype=np.float32))


def count_events(
    item_idx,
    n_items: int,
    *,
    timestamps=None,
    reference_time: int | None = None,
    window_days: float | None = None,
    event_codes=None,
    event_code: int | None = None,
    weights=None,
) -> np.ndarray:
    """Count events per item, optionally only one event type inside a time window.

    Args:
        item_idx: Item index per event, in ``[0, n_items)``.
        n_items: Catalogue size, > 0.
        timestamps: Event times in int seconds; needed with ``window_days``.
        reference_time: End of the window ("now") in int seconds; events after it
            are ignored. Defaults to the newest timestamp.
        window_days: Look-back length in days, > 0; None counts all time.
        event_codes: Event-type code per event; needed with ``event_code``.
        event_code: Count only events with this code (e.g. the Purchase code).
        weights: Optional weight per event (1 when None).

    Returns:
        ``float32`` array of shape ``(n_items,)``, >= 0.

    Raises:
        ValueError: On missing companions (``window_days`` without ``timestamps``,
            ``event_code`` without ``event_codes``), bad sizes or mismatched lengths.
    """
    n_items = check_positive_int(n_items, "n_items")
    items = as_index_array(item_idx, "item_idx", n_items)
    keep = np.ones(len(items), dtype=bool)
    if window_days is not None or reference_time is not None:
        if timestamps is None:
            raise ValueError("timestamps is required when window_days or reference_time is given")
        ts = np.asarray(timestamps, dtype=np.int64)
        if ts.shape != items.shape:
            raise ValueError(f"timestamps must have the length of item_idx ({len(items)}), got {ts.shape}")
        ref = int(ts.max()) if reference_time is None and len(ts) else reference_time
        if ref is not None:
            keep &= ts <= ref
            if window_days is not None:
                if not window_days > 0:
                    raise ValueError(f"window_days must be > 0, got {window_days!r}")
                keep &= ts > ref - window_days * SECONDS_PER_DAY
    keep &= event_mask(event_codes, event_code, items, "item_idx")
    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != items.shape:
            raise ValueError(f"weights must have the length of item_idx ({len(items)}), got {w.shape}")
        w = w[keep]
    return np.bincount(items[keep], weights=w, minlength=n_items).astype(np.float32)


def fit_popularity(item_idx, n_items: int, **count_kwargs) -> PopularityModel:
    """Fit a popularity model: ``count_events`` wrapped in a ``PopularityModel``.

    Args:
        item_idx: Item index per event.
        n_items: Catalogue size.
        **count_kwargs: ``timestamps``, ``reference_time``, ``window_days``,
            ``event_codes``, ``event_code``, ``weights`` as in ``count_events``.

    Returns:
        The fitted ``PopularityModel``.
    """
    return PopularityModel(scores=count_events(item_idx, n_items, **count_kwargs))


def recommend_popular(model: PopularityModel, k: int, exclude=None) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` most popular items, ties broken by lower item index.

    Args:
        model: A fitted ``PopularityModel``.
        k: Number of items, > 0.
        exclude: Item indices to leave out (e.g. the user's purchases).

    Returns:
        ``(item_indices, scores)`` of length ``<= k``, most popular first.
    """
    return top_k(model.scores, k, exclude=exclude)

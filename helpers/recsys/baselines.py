"""Baselines a recommender must beat: random, most popular, and the favourite categories' best sellers.

Each function ranks items for many users at once and returns what
``personalization.recommend_batch`` returns: an ``int64`` array ``(n_users, k)`` of item
indices, best first, padded with -1, never an item of the user's history. The item-kNN baseline
is ``personalization.fit_item_knn`` + ``recommend_batch`` itself.

The favourite-category baseline is the strong one on persona data: it knows which categories a
shopper browses (from their own history) and shows each category's best sellers, in
proportion. It is not personal within a category, so what a personalised model adds is what it
finds beyond it.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .interactions import as_index_array, check_positive_int


def _histories(histories) -> sp.csr_matrix:
    if not sp.issparse(histories):
        raise TypeError(
            f"histories must be a scipy.sparse users×items matrix, got {type(histories).__name__}"
        )
    return sp.csr_matrix(histories, dtype=np.float32)


def rank_rows(scores, exclude, k: int) -> np.ndarray:
    """Top-``k`` of each row of dense ``scores``, leaving out the non-zeros of ``exclude``.

    Args:
        scores: ``(n_users, n_items)`` scores; ``-inf`` entries are never chosen.
        exclude: ``(n_users, n_items)`` sparse matrix; a non-zero entry is never chosen.
        k: Items per row, > 0.

    Returns:
        ``int64`` array ``(n_users, k)`` of item indices, best first, ties broken by lower
        index, padded with -1.
    """
    k = check_positive_int(k, "k")
    h = _histories(exclude)
    scores = np.array(scores, dtype=np.float64)
    if scores.shape != h.shape:
        raise ValueError(f"scores must have the shape of exclude {h.shape}, got {scores.shape}")
    rows, cols = h.nonzero()
    scores[rows, cols] = -np.inf
    k_eff = min(k, scores.shape[1])
    order = top_columns(-scores, k_eff)
    chosen = np.take_along_axis(scores, order, axis=1)
    out = np.full((scores.shape[0], k), -1, dtype=np.int64)
    out[:, :k_eff] = np.where(np.isfinite(chosen), order, -1)
    return out


def top_columns(keys: np.ndarray, k: int) -> np.ndarray:
    """``np.argsort(keys, axis=1, kind="stable")[:, :k]`` without sorting whole rows.

    Each row's ``k``-th smallest key is found by partition; only the keys up to it (ties included)
    are sorted, by key then column, which is exactly the stable order's first ``k``.
    """
    n_rows, n_cols = keys.shape
    if k == 0 or n_rows == 0:
        return np.empty((n_rows, k), dtype=np.int64)
    if k >= n_cols or np.isnan(keys).any():  # NaN sorts last in argsort; keep its exact order
        return np.argsort(keys, axis=1, kind="stable")[:, :k]
    kth = np.partition(keys, k - 1, axis=1)[:, k - 1]
    row, col = np.nonzero(keys <= kth[:, None])  # at least k per row: the k smallest and ties
    order = np.lexsort((col, keys[row, col], row))
    starts = np.searchsorted(row[order], np.arange(n_rows))
    return col[order[starts[:, None] + np.arange(k)]].astype(np.int64)


def random_batch(rng: np.random.Generator, histories, k: int) -> np.ndarray:
    """``k`` items drawn uniformly without replacement per user, outside the user's history.

    Args:
        rng: Source of randomness, e.g. ``np.random.default_rng(seed)``.
        histories: ``(n_users, n_items)`` sparse matrix; a non-zero entry marks a seen item.
        k: Items per user, > 0.

    Returns:
        ``int64`` array ``(n_users, k)``, padded with -1 when fewer items are left.

    Raises:
        TypeError: If ``rng`` is not a ``numpy.random.Generator`` or ``histories`` not sparse.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    k = check_positive_int(k, "k")
    h = _histories(histories)
    return rank_rows(rng.random(h.shape), h, k)


def popular_batch(item_scores, histories, k: int) -> np.ndarray:
    """The ``k`` items with the highest ``item_scores`` that each user has not seen.

    Args:
        item_scores: ``(n_items,)`` popularity, e.g. ``popularity.count_events``.
        histories: ``(n_users, n_items)`` sparse matrix of seen items.
        k: Items per user, > 0.

    Returns:
        ``int64`` array ``(n_users, k)``; ties broken by lower item index.
    """
    k = check_positive_int(k, "k")
    h = _histories(histories)
    scores = np.asarray(item_scores, dtype=np.float64).reshape(-1)
    if scores.shape != (h.shape[1],):
        raise ValueError(f"item_scores must have shape ({h.shape[1]},), got {scores.shape}")
    return rank_rows(np.broadcast_to(scores, h.shape), h, k)


def category_popular_batch(
    item_scores, item_category, histories, k: int, *, batch_size: int = 1024
) -> np.ndarray:
    """Best sellers of each user's favourite categories, in proportion to how the user shops them.

    An item's score for a user is ``P(category | user) × P(item | category)``: the share of the
    user's history weight in the item's category, times the item's share of its category's
    ``item_scores``. A user who spends 60% of their clicks on books sees mostly the top books.

    Args:
        item_scores: ``(n_items,)`` sales or popularity per item, >= 0.
        item_category: ``(n_items,)`` category index per item, ints in ``[0, n_categories)``.
        histories: ``(n_users, n_items)`` sparse matrix of history weights (e.g. event-weighted).
        k: Items per user, > 0.
        batch_size: Users scored per dense block.

    Returns:
        ``int64`` array ``(n_users, k)``; a user without history gets the overall best sellers.

    Raises:
        ValueError: On mismatched shapes or negative scores.
    """
    k = check_positive_int(k, "k")
    h = _histories(histories)
    n_items = h.shape[1]
    scores = np.asarray(item_scores, dtype=np.float64).reshape(-1)
    cats = as_index_array(np.asarray(item_category).reshape(-1), "item_category")
    if scores.shape != (n_items,) or cats.shape != (n_items,):
        raise ValueError(f"item_scores and item_category must have shape ({n_items},)")
    if scores.size and scores.min() < 0:
        raise ValueError("item_scores must be >= 0")
    n_cats = int(cats.max()) + 1 if cats.size else 0
    per_cat = np.bincount(cats, weights=scores, minlength=n_cats)
    within = np.divide(scores, per_cat[cats], out=np.zeros_like(scores), where=per_cat[cats] > 0)
    to_cat = sp.csr_matrix((np.ones(n_items), (np.arange(n_items), cats)), shape=(n_items, n_cats))
    fallback = scores / scores.sum() if scores.sum() > 0 else scores
    out = np.empty((h.shape[0], k), dtype=np.int64)
    for start in range(0, h.shape[0], batch_size):
        block = h[start : start + batch_size]
        mix = np.asarray((block @ to_cat).todense(), dtype=np.float64)
        totals = mix.sum(axis=1, keepdims=True)
        mix = np.divide(mix, totals, out=np.zeros_like(mix), where=totals > 0)
        dense = mix[:, cats] * within[None, :]
        dense[totals.ravel() == 0] = fallback
        # a tiny share of overall popularity orders items the user's categories leave at 0
        dense += 1e-9 * fallback[None, :]
        out[start : start + batch_size] = rank_rows(dense, block, k)
    return out

"""User segments: the users most likely to interact with an item or a set of items, and their metrics.

Pure numpy: a matrix of user × item scores in, ranked users and metrics out. A **segment** for a
query (one item, or every item matching an attribute) ranks users by their mean score over the
query's items, best first, ties broken by user index (so the same scores give the same segment).
The metrics follow "Evaluating a solution version with metrics" in the Amazon Personalize
Developer Guide for USER_SEGMENTATION recipes: *hit* and *recall* at K, where K is the top 1% of
users and the actual users of a query are those who interacted with its items in the test set.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from helpers.recsys import baselines
from helpers.recsys.metrics import recall_at_k

TOP_SHARE = 0.01
"""The share of users a segment's metrics look at (K = the top 1% of users)."""
BLOCK_USERS = 256
"""Users whose scores ``segment_scores`` gathers at once: small temporaries instead of one of
every user × every item of the query (each row's mean is the same either way)."""


def segment_scores(scores: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Each user's affinity to a set of items: the mean of their scores over those items.

    Args:
        scores: ``(n_users, n_items)`` scores, higher is better.
        items: item indices of the query (one for an item, several for an attribute), non-empty.

    Returns:
        ``float64`` array of shape ``(n_users,)``.

    Raises:
        ValueError: ``items`` is empty.
    """
    items = np.asarray(items, dtype=np.int64).reshape(-1)
    if items.size == 0:
        raise ValueError("items must hold at least one item index")
    out = np.empty(scores.shape[0], dtype=np.float64)
    for start in range(0, scores.shape[0], BLOCK_USERS):
        rows = slice(start, start + BLOCK_USERS)
        out[rows] = scores[rows, items].astype(np.float64).mean(axis=1)
    return out


def top_users(affinity: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` users of highest affinity, best first, ties by user index.

    Args:
        affinity: one score per user (``segment_scores``).
        k: segment size, > 0; at most every user is returned.

    Returns:
        int64 user indices, length ``min(k, n_users)``.
    """
    if k <= 0:
        raise ValueError(f"k must be > 0, got {k}")
    order = np.lexsort((np.arange(len(affinity)), -np.asarray(affinity, dtype=np.float64)))
    return order[:k].astype(np.int64)


def top_k(n_users: int) -> int:
    """K of the segment metrics: the top ``TOP_SHARE`` of ``n_users``, at least one user."""
    return max(1, math.ceil(TOP_SHARE * n_users))


def hit_at_k(truth, ranked, k: int) -> float:
    """1.0 if any of the top ``k`` ranked users is an actual user, else 0.0.

    Example: truth ``{3, 7}``, ranked ``[5, 7, 1]``, k 2 → 1.0; k 1 → 0.0.
    """
    return float(np.isin(np.asarray(ranked, dtype=np.int64)[:k], np.asarray(truth, dtype=np.int64)).any())


def evaluate_segments(
    scores: np.ndarray,
    queries: Sequence[np.ndarray],
    truths: Sequence[np.ndarray],
    block_size: int = 256,
) -> dict[str, float]:
    """Hit and recall at the top 1% of users, and coverage, over a set of queries.

    Args:
        scores: ``(n_users, n_items)`` scores of a model fitted on the training events.
        queries: item indices of each query.
        truths: per query, the user indices that interacted with its items in the test set;
            queries without any are skipped.
        block_size: queries ranked at once (memory ≈ ``3 × block_size × n_users × 8`` bytes).

    Returns:
        ``hit_at_1_percent`` (share of queries whose top K holds an actual user),
        ``recall_at_1_percent`` (mean share of a query's actual users in its top K) and
        ``coverage`` (share of users in at least one top K), each in [0, 1]; empty if no query
        has actual users.
    """
    n_users = scores.shape[0]
    k = top_k(n_users)
    asked = [(items, truth) for items, truth in zip(queries, truths, strict=True) if len(truth)]
    if not asked:
        return {}
    hits, recalls, shown = [], [], np.zeros(n_users, dtype=bool)
    for start in range(0, len(asked), block_size):
        block = asked[start : start + block_size]
        # the block's segments at once: segment_scores' values (one item's mean is its score,
        # exactly) in top_users' order (best first, ties by user index), without sorting every user
        affinity = np.empty((len(block), n_users), dtype=np.float64)
        for row, (items, _) in enumerate(block):
            items = np.asarray(items, dtype=np.int64).reshape(-1)
            affinity[row] = scores[:, items[0]] if items.size == 1 else segment_scores(scores, items)
        ranked = baselines.top_columns(-affinity, min(k, n_users))
        shown[ranked.ravel()] = True
        for users, (_, truth) in zip(ranked, block, strict=True):
            hits.append(hit_at_k(truth, users, k))
            recalls.append(recall_at_k(truth, users, k))
    return {
        "coverage": round(int(shown.sum()) / n_users, 4),
        "hit_at_1_percent": round(float(np.mean(hits)), 4),
        "recall_at_1_percent": round(float(np.mean(recalls)), 4),
    }

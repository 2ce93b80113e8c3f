"""Offline ranking metrics, named and defined as Amazon Personalize reports them.

Per-user functions take ``truth`` (the held-out item indices of one user,
order irrelevant) and ``recs`` (that user's ranked recommendations, best
first; ``-1`` entries are padding and never match) and return a float in
[0, 1]. ``evaluate`` averages them over test users and returns exactly the keys
of Personalize's ``GetSolutionMetrics`` / recommender ``modelMetrics``. ``evaluate`` and
``extra_metrics`` work on all users at once and give exactly (bit for bit) the means of the
per-user functions, which remain the reference.

Definitions (positions are 1-based):

- ``precision_at_k``: relevant items among the top ``k``, divided by ``k``.
- ``recall_at_k``: relevant items among the top ``k``, divided by ``len(truth)``
  (not reported by Personalize; used in our benchmarks).
- ``normalized_discounted_cumulative_gain_at_k``: ``DCG / IDCG`` with a relevant
  item at position ``p`` worth ``1 / log2(1 + p)``; the ideal puts all
  ``min(len(truth), k)`` relevant items first.
- ``reciprocal_rank_at_k``: ``1 / p`` of the first relevant item within the top
  ``k``, 0 if none; its mean over users is ``mean_reciprocal_rank_at_25``.
- ``coverage``: distinct items recommended to any test user, divided by the
  catalogue size.

Beyond Personalize's metrics (``extra_metrics`` returns them under ``EXTRA_METRIC_KEYS``):

- ``average_precision_at_k``: the mean of ``precision_at_p`` over the positions ``p`` of the
  hits in the top ``k``, divided by ``min(len(truth), k)``; its mean over users is MAP@K.
- ``novelty_at_k``: mean self-information ``-log2(share of users who know the item)`` of the
  top ``k``, in bits: a list of best sellers is not news to anyone.
- ``diversity_at_k``: share of pairs of top-``k`` items that fall in different categories
  (intra-list diversity with a 0/1 category distance).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .interactions import check_positive_int

#: Keys of ``extra_metrics``: the metrics a Personalize solution version does not report.
EXTRA_METRIC_KEYS = (
    "recall_at_25",
    "mean_average_precision_at_25",
    "novelty_at_25",
    "diversity_at_25",
)

#: Keys of Personalize's solution-version / recommender metrics, in its order.
PERSONALIZE_METRIC_KEYS = (
    "coverage",
    "mean_reciprocal_rank_at_25",
    "normalized_discounted_cumulative_gain_at_5",
    "normalized_discounted_cumulative_gain_at_10",
    "normalized_discounted_cumulative_gain_at_25",
    "precision_at_5",
    "precision_at_10",
    "precision_at_25",
)


def _hits(truth, recs, k: int) -> np.ndarray:
    """Boolean array: is each of the top-``k`` recommendations relevant (first occurrence only)."""
    k = check_positive_int(k, "k")
    top = np.asarray(recs, dtype=np.int64).reshape(-1)[:k]
    relevant = np.unique(np.asarray(truth, dtype=np.int64).reshape(-1))
    _, first = np.unique(top, return_index=True)
    is_first = np.zeros(len(top), dtype=bool)
    is_first[first] = True
    return np.isin(top, relevant) & is_first & (top >= 0)


def precision_at_k(truth, recs, k: int) -> float:
    """Share of the top ``k`` recommendations that are relevant, in [0, 1].

    Example: truth ``{3, 7}``, recs ``[7, 1, 3, 4, 5]``, k 5 → 2 / 5 = 0.4.
    """
    return float(_hits(truth, recs, k).sum()) / k


def recall_at_k(truth, recs, k: int) -> float:
    """Share of the relevant items found in the top ``k``, in [0, 1]; 0 if ``truth`` is empty.

    Example: truth ``{3, 7, 9}``, recs ``[7, 1, 3]``, k 3 → 2 / 3.
    """
    n_truth = len(np.unique(np.asarray(truth).reshape(-1)))
    hits = _hits(truth, recs, k).sum()
    return float(hits) / n_truth if n_truth else 0.0


def normalized_discounted_cumulative_gain_at_k(truth, recs, k: int) -> float:
    """NDCG of the top ``k`` with binary relevance, in [0, 1]; 0 if ``truth`` is empty.

    Example: truth ``{3, 7}``, recs ``[1, 7, 3]``, k 3 → DCG ``1/log2(3) + 1/log2(4)``
    = 1.1309, IDCG ``1 + 1/log2(3)`` = 1.6309, NDCG 0.6934.
    """
    hits = _hits(truth, recs, k)
    n_truth = len(np.unique(np.asarray(truth).reshape(-1)))
    if n_truth == 0:
        return 0.0
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = float(discounts[: len(hits)][hits].sum())
    idcg = float(discounts[: min(n_truth, k)].sum())
    return dcg / idcg


#: Short alias.
ndcg_at_k = normalized_discounted_cumulative_gain_at_k


def _top_matrix(recs: Sequence, k: int) -> np.ndarray:
    """The top ``k`` of every list as one ``(n_users, width)`` int64 array, short lists padded with -1."""
    if isinstance(recs, np.ndarray) and recs.ndim == 2:
        return recs[:, :k].astype(np.int64)
    rows = [np.asarray(r, dtype=np.int64).reshape(-1)[:k] for r in recs]
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    top = np.full((len(rows), lengths.max(initial=0)), -1, dtype=np.int64)
    top[np.arange(top.shape[1]) < lengths[:, None]] = np.concatenate([*rows, np.empty(0, dtype=np.int64)])
    return top


def _first_items(top: np.ndarray) -> np.ndarray:
    """Which entries of each row are items (not padding) at their first occurrence in the row."""
    order = np.argsort(top, axis=1, kind="stable")
    ranked = np.take_along_axis(top, order, axis=1)
    first = np.ones(top.shape, dtype=bool)
    first[:, 1:] = ranked[:, 1:] != ranked[:, :-1]
    is_first = np.empty_like(first)
    np.put_along_axis(is_first, order, first, axis=1)
    return is_first & (top >= 0)


def _hit_matrix(truths: Sequence, top: np.ndarray, listed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What ``_hits`` says of every row of ``top``, and each user's number of distinct truth items.

    ``listed`` is ``_first_items(top)``.
    """
    n_users = len(top)
    truth = [np.asarray(t, dtype=np.int64).reshape(-1) for t in truths]
    owner = np.repeat(np.arange(n_users), [len(t) for t in truth])
    truth_items = np.concatenate([*truth, np.empty(0, dtype=np.int64)])
    # (user, item) pairs as one key each
    low = min(top.min(initial=0), truth_items.min(initial=0))
    span = max(top.max(initial=0), truth_items.max(initial=0)) - low + 1
    truth_keys = np.unique(owner * span + truth_items - low)
    n_truth = np.bincount(truth_keys // span, minlength=n_users)
    keys = np.arange(n_users)[:, None] * span + top - low
    position = np.searchsorted(truth_keys, keys)
    relevant = position < len(truth_keys)
    relevant[relevant] = truth_keys[position[relevant]] == keys[relevant]
    return relevant & listed, n_truth


def _masked_row_sums(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``values[i][mask[i]].sum()`` for every row ``i``, equal to it bit for bit.

    numpy adds up a contiguous row as it adds up the 1-D array of that row, so the rows with the
    same number of selected values are packed into one matrix and summed along its rows.
    """
    counts = mask.sum(axis=1)
    sums = np.zeros(len(mask))
    for count in np.unique(counts[counts > 0]):
        rows = np.flatnonzero(counts == count)
        sums[rows] = values[rows][mask[rows]].reshape(-1, count).sum(axis=1)
    return sums


def _mean(values: np.ndarray) -> float:
    """``np.mean`` of per-user values as a float, 0.0 without users."""
    return float(np.mean(values)) if len(values) else 0.0


def ndcg_at_k_per_user(truths: Sequence, recs, k: int) -> np.ndarray:
    """``ndcg_at_k`` of every user in one pass, equal to it bit for bit.

    Args:
        truths: Held-out items per user.
        recs: ``(n_users, n_recs)`` ranked items per user, ``-1`` padding.
        k: Cut-off, > 0.

    Returns:
        ``float64`` array, one NDCG per user (0 where the truth is empty).

    Raises:
        ValueError: If ``truths`` and ``recs`` differ in length or ``recs`` is not 2-D.
    """
    k = check_positive_int(k, "k")
    top = np.asarray(recs, dtype=np.int64)
    if top.ndim != 2 or top.shape[0] != len(truths):
        raise ValueError(f"recs must be a 2-D array with one row per truth, got shape {top.shape}")
    top = top[:, :k]
    return _ndcg(*_hit_matrix(truths, top, _first_items(top)), k)


def _ndcg(hits: np.ndarray, n_truth: np.ndarray, k: int) -> np.ndarray:
    """Each row's NDCG at ``k`` from its hits (``_hit_matrix``), summed as ``ndcg_at_k`` sums; 0
    without truth."""
    hits = hits[:, :k]
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = _masked_row_sums(np.broadcast_to(discounts[: hits.shape[1]], hits.shape), hits)
    ideal = np.array([discounts[:n].sum() for n in range(k + 1)])[np.minimum(n_truth, k)]
    return np.divide(dcg, ideal, out=np.zeros(len(hits)), where=n_truth > 0)


def reciprocal_rank_at_k(truth, recs, k: int) -> float:
    """``1 / position`` of the first relevant item in the top ``k``, else 0; in [0, 1].

    Example: truth ``{3}``, recs ``[5, 8, 3]``, k 25 → 1 / 3.
    """
    hits = np.flatnonzero(_hits(truth, recs, k))
    return 1.0 / (hits[0] + 1) if hits.size else 0.0


def average_precision_at_k(truth, recs, k: int) -> float:
    """Average precision of the top ``k``, in [0, 1]; 0 if ``truth`` is empty.

    Example: truth ``{3, 7}``, recs ``[7, 1, 3]``, k 3 → hits at 1 and 3:
    ``(1/1 + 2/3) / min(2, 3)`` = 0.8333.
    """
    hits = _hits(truth, recs, k)
    n_truth = len(np.unique(np.asarray(truth).reshape(-1)))
    if n_truth == 0:
        return 0.0
    positions = np.flatnonzero(hits) + 1
    precisions = np.arange(1, len(positions) + 1) / positions
    return float(precisions.sum()) / min(n_truth, k)


def _top(recs, k: int) -> np.ndarray:
    """The valid (non-padding, first-occurrence) items of the top ``k``, in list order."""
    k = check_positive_int(k, "k")
    top = np.asarray(recs, dtype=np.int64).reshape(-1)[:k]
    top = top[top >= 0]
    _, first = np.unique(top, return_index=True)
    return top[np.sort(first)]


def novelty_at_k(recs, item_users, n_users: int, k: int) -> float:
    """Mean self-information of the top ``k`` items, in bits (>= 0); 0 for an empty list.

    An item known to a share ``p`` of the users carries ``-log2(p)`` bits; an item nobody knows
    counts as known to one user.

    Example: ``item_users`` ``[50, 10, 1, 0]`` of 100 users, recs ``[0, 1, 3]`` →
    ``(1 + 3.3219 + 6.6439) / 3`` = 3.6553 bits.

    Args:
        recs: One user's ranked items (``-1`` padding ignored).
        item_users: Number of training users who interacted with each item, shape ``(n_items,)``.
        n_users: Number of training users, > 0.
        k: Cut-off, > 0.
    """
    n_users = check_positive_int(n_users, "n_users")
    top = _top(recs, k)
    if top.size == 0:
        return 0.0
    known = np.maximum(np.asarray(item_users, dtype=np.float64)[top], 1.0)
    return float(np.mean(-np.log2(np.minimum(known / n_users, 1.0))))


def diversity_at_k(recs, item_category, k: int) -> float:
    """Share of pairs of top-``k`` items in different categories, in [0, 1]; 0 below two items.

    Example: recs ``[0, 1, 2]`` with categories ``["a", "a", "b"]`` → pairs (0, 1) same,
    (0, 2) and (1, 2) different → 2 / 3.

    Args:
        recs: One user's ranked items (``-1`` padding ignored).
        item_category: Category (any hashable code) of each item, shape ``(n_items,)``.
        k: Cut-off, > 0.
    """
    top = _top(recs, k)
    n = top.size
    if n < 2:
        return 0.0
    _, counts = np.unique(np.asarray(item_category)[top], return_counts=True)
    same = float((counts * (counts - 1)).sum()) / 2
    return 1.0 - same / (n * (n - 1) / 2)


def _diversities(top: np.ndarray, listed: np.ndarray, item_category) -> np.ndarray:
    """``diversity_at_k`` of every row of ``top`` whose ``listed`` entries are its valid items."""
    user = np.nonzero(listed)[0]
    _, category = np.unique(np.asarray(item_category)[top[listed]], return_inverse=True)
    n_categories = category.max(initial=0) + 1
    user_category, counts = np.unique(user * n_categories + category, return_counts=True)
    same = np.bincount(user_category // n_categories, weights=counts * (counts - 1), minlength=len(top)) / 2
    n = listed.sum(axis=1)
    pairs = n * (n - 1) / 2
    return np.subtract(1.0, same / np.maximum(pairs, 1), out=np.zeros(len(top)), where=n > 1)


def coverage(recs: Sequence, n_items: int) -> float:
    """Distinct items recommended across users, divided by ``n_items``; in [0, 1].

    Args:
        recs: One ranked list per user (or a 2-D array padded with -1).
        n_items: Catalogue size (items in the Items and Interactions data), > 0.
    """
    n_items = check_positive_int(n_items, "n_items")
    lists = [np.asarray(r, dtype=np.int64).reshape(-1) for r in recs]
    if not lists:
        return 0.0
    flat = np.concatenate(lists)
    flat = flat[flat >= 0]
    if flat.size and flat.max() >= n_items:
        raise ValueError(f"recs holds item index {flat.max()}, not < n_items ({n_items})")
    return len(np.unique(flat)) / n_items


def mean_at_k(metric: Callable[..., float], truths: Sequence, recs: Sequence, k: int) -> float:
    """Mean of a per-user metric over users (users with empty truth are skipped).

    Args:
        metric: A per-user function such as ``precision_at_k``.
        truths: Held-out items per user.
        recs: Ranked recommendations per user, aligned with ``truths``.
        k: Cut-off, > 0.

    Returns:
        The mean in [0, 1]; 0.0 if no user has truth.

    Raises:
        ValueError: If ``truths`` and ``recs`` differ in length.
    """
    if len(truths) != len(recs):
        raise ValueError(f"truths and recs must have the same length, got {len(truths)} and {len(recs)}")
    values = [metric(t, r, k) for t, r in zip(truths, recs, strict=True) if len(t)]
    return float(np.mean(values)) if values else 0.0


def evaluate(truths: Sequence, recs: Sequence, n_items: int) -> dict[str, float]:
    """Personalize's offline metrics for ranked recommendations of test users.

    Args:
        truths: Held-out item indices per test user.
        recs: Ranked recommendations per test user (at least 25 for the ``_25``
            metrics to mean what they say), aligned with ``truths``.
        n_items: Catalogue size, for coverage.

    Returns:
        Dict with exactly ``PERSONALIZE_METRIC_KEYS``, values in [0, 1].

    Raises:
        ValueError: If ``truths`` and ``recs`` differ in length or ``n_items`` is bad.
    """
    if len(truths) != len(recs):
        raise ValueError(f"truths and recs must have the same length, got {len(truths)} and {len(recs)}")
    # All users at once; each value is computed from the same numbers, in the same order, as the
    # per-user functions and ``mean_at_k`` do, so the means are equal bit for bit.
    top = _top_matrix(recs, 25)
    hits, n_truth = _hit_matrix(truths, top, _first_items(top))
    hits, n_truth = hits[n_truth > 0], n_truth[n_truth > 0]
    positions = np.arange(1, hits.shape[1] + 1)
    first_hit = np.where(hits, positions, np.inf).min(axis=1, initial=np.inf)
    per_user = [1.0 / first_hit]  # 0.0 without a hit
    per_user += [_ndcg(hits, n_truth, k) for k in (5, 10, 25)]
    per_user += [hits[:, :k].sum(axis=1) / k for k in (5, 10, 25)]
    means = [_mean(values) for values in per_user]
    return dict(zip(PERSONALIZE_METRIC_KEYS, [coverage(recs, n_items), *means], strict=True))


def extra_metrics(
    truths: Sequence, recs: Sequence, *, item_users, n_users: int, item_category, k: int = 25
) -> dict[str, float]:
    """Recall, MAP, novelty and diversity of ranked recommendations, averaged over users.

    Recall and MAP skip users with empty truth (as ``evaluate`` does); novelty and diversity,
    which need no truth, average over every user.

    Args:
        truths: Held-out item indices per user.
        recs: Ranked recommendations per user, aligned with ``truths``.
        item_users: Training users per item (for novelty).
        n_users: Number of training users, > 0.
        item_category: Category of each item (for diversity).
        k: Cut-off, > 0; the keys say ``_at_25`` only for the default.

    Returns:
        Dict with ``EXTRA_METRIC_KEYS`` (``_25`` replaced by ``_{k}``): recall and MAP in [0, 1],
        novelty in bits, diversity in [0, 1].

    Raises:
        ValueError: If ``truths`` and ``recs`` differ in length, or ``k`` or ``n_users`` is not a
            positive integer.
    """
    if len(truths) != len(recs):
        raise ValueError(f"truths and recs must have the same length, got {len(truths)} and {len(recs)}")
    k = check_positive_int(k, "k")
    n_users = check_positive_int(n_users, "n_users")
    # All users at once, bit for bit as the per-user functions (see ``evaluate``).
    top = _top_matrix(recs, k)
    listed = _first_items(top)
    hits, n_truth = _hit_matrix(truths, top, listed)
    hits, n_truth = hits[n_truth > 0], n_truth[n_truth > 0]
    recall = hits.sum(axis=1) / n_truth
    precisions = np.cumsum(hits, axis=1) / np.arange(1, hits.shape[1] + 1)
    average_precision = _masked_row_sums(precisions, hits) / np.minimum(n_truth, k)
    n_listed = listed.sum(axis=1)
    known = np.maximum(np.asarray(item_users, dtype=np.float64), 1.0)
    information = np.zeros(top.shape)
    information[listed] = -np.log2(np.minimum(known / n_users, 1.0))[top[listed]]
    novelty = np.divide(
        _masked_row_sums(information, listed), n_listed, out=np.zeros(len(top)), where=n_listed > 0
    )
    values = [
        _mean(recall),
        _mean(average_precision),
        _mean(novelty),
        _mean(_diversities(top, listed, item_category)),
    ]
    keys = [key.replace("_25", f"_{k}") for key in EXTRA_METRIC_KEYS]
    return dict(zip(keys, values, strict=True))

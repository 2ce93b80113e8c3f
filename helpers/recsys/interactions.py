"""Integer-indexed interactions: validation, event weights, the user×item matrix, top-k.

Every algorithm in ``helpers.recsys`` works on the same representation: parallel
1-D arrays ``user_idx`` and ``item_idx`` (non-negative ints, dense indices
``0 … n-1`` that the caller maps to and from Personalize ids), ``timestamps``
(int seconds since the epoch) and either event-type codes or per-event weights.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

SECONDS_PER_DAY = 86_400

#: Default strength of each event type when events are summed into one matrix.
DEFAULT_EVENT_WEIGHTS: dict[str, float] = {"View": 1.0, "AddToCart": 2.0, "Purchase": 4.0}


def as_index_array(values, name: str, size: int | None = None) -> np.ndarray:
    """Return ``values`` as a 1-D int64 array of indices in ``[0, size)``.

    Args:
        values: Array-like of non-negative integers.
        name: Argument name used in error messages.
        size: Exclusive upper bound, or None for no bound.

    Returns:
        1-D ``int64`` array.

    Raises:
        ValueError: If ``values`` is not 1-D, not integral, negative or ``>= size``.
    """
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        return arr.astype(np.int64)
    if not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(np.mod(arr, 1) == 0):
            arr = arr.astype(np.int64)
        else:
            raise ValueError(f"{name} must hold integers, got dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=False)
    if arr.min() < 0:
        raise ValueError(f"{name} must be >= 0, got min {arr.min()}")
    if size is not None and arr.max() >= size:
        raise ValueError(f"{name} must be < {size}, got max {arr.max()}")
    return arr


def check_positive_int(value, name: str) -> int:
    """Return ``value`` as int if it is a positive integer, else raise ``ValueError`` naming it."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_same_length(**arrays: np.ndarray) -> None:
    lengths = {name: len(a) for name, a in arrays.items() if a is not None}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"arrays must have the same length, got {lengths}")


def event_mask(event_codes, event_code: int | None, like: np.ndarray, like_name: str) -> np.ndarray:
    """Return which events are of type ``event_code`` (all of them when it is None).

    Args:
        event_codes: Event type code per event; needed when ``event_code`` is given.
        event_code: The code to keep, or None to keep every event.
        like: An array of the events (its length is the number of events).
        like_name: The name of ``like`` in the caller, for error messages.

    Returns:
        Boolean array of the length of ``like``.

    Raises:
        ValueError: ``event_code`` without ``event_codes``, or lengths that differ.
    """
    if event_code is None:
        return np.ones(len(like), dtype=bool)
    if event_codes is None:
        raise ValueError("event_codes is required when event_code is given")
    codes = np.asarray(event_codes)
    if codes.shape != like.shape:
        raise ValueError(f"event_codes must have the length of {like_name} ({len(like)}), got {codes.shape}")
    return codes == event_code


def event_weights(
    event_types: Sequence[str] | np.ndarray,
    weights: Mapping[str, float] | None = None,
    default: float | None = None,
) -> np.ndarray:
    """Map event-type names to per-event weights.

    Args:
        event_types: One event-type name per interaction (e.g. ``"View"``).
        weights: Weight per event type; ``DEFAULT_EVENT_WEIGHTS`` (View 1,
            AddToCart 2, Purchase 4) when None. Weights must be >= 0.
        default: Weight for event types missing from ``weights``; None makes a
            missing type an error.

    Returns:
        ``float32`` array with one weight per event, same length as ``event_types``.

    Raises:
        ValueError: If a weight is negative or an event type has no weight and no default.
    """
    weights = dict(DEFAULT_EVENT_WEIGHTS if weights is None else weights)
    if any(w < 0 for w in weights.values()):
        raise ValueError(f"weights must be >= 0, got {weights}")
    types = np.asarray(event_types, dtype=object).reshape(-1)
    inverse, uniques = pd.factorize(types, use_na_sentinel=False)  # hashing: no sort of the names
    table = np.empty(len(uniques), dtype=np.float32)
    for i, name in enumerate(str(u) for u in uniques):
        if name in weights:
            table[i] = weights[name]
        elif default is not None:
            table[i] = default
        else:
            raise ValueError(
                f"event_types has {str(name)!r}, which has no entry in weights {sorted(weights)}"
            )
    return table[inverse]


def recency_weights(timestamps, reference_time: int, half_life_days: float) -> np.ndarray:
    """Exponential time decay: an event ``half_life_days`` old counts half.

    Args:
        timestamps: Event times, int seconds since the epoch.
        reference_time: "Now" in int seconds; events after it count as age 0.
        half_life_days: Half-life in days, > 0.

    Returns:
        ``float32`` array in ``(0, 1]``, one weight per event.

    Raises:
        ValueError: If ``half_life_days`` is not positive.
    """
    if not half_life_days > 0:
        raise ValueError(f"half_life_days must be > 0, got {half_life_days!r}")
    ts = np.asarray(timestamps, dtype=np.float64)
    age_days = np.maximum(reference_time - ts, 0.0) / SECONDS_PER_DAY
    return np.power(0.5, age_days / half_life_days).astype(np.float32)


def build_user_item_matrix(
    user_idx,
    item_idx,
    n_users: int,
    n_items: int,
    weights=None,
    *,
    binary: bool = False,
    dtype=np.float32,
) -> sp.csr_matrix:
    """Sum interactions into a sparse user×item matrix.

    Repeated (user, item) pairs add up, so a user who viewed an item twice and
    bought it once has ``1 + 1 + 4 = 6`` with the default event weights.

    Args:
        user_idx: User index per event, in ``[0, n_users)``.
        item_idx: Item index per event, in ``[0, n_items)``.
        n_users: Number of users (rows), > 0.
        n_items: Number of items (columns), > 0.
        weights: Weight per event (e.g. ``event_weights(...) * recency_weights(...)``);
            1 per event when None.
        binary: If True, every stored entry becomes 1 (seen / not seen).
        dtype: Value dtype of the result.

    Returns:
        ``csr_matrix`` of shape ``(n_users, n_items)`` with sorted indices and no
        explicit zeros.

    Raises:
        ValueError: On bad sizes, out-of-range indices, mismatched lengths or negative weights.
    """
    n_users = check_positive_int(n_users, "n_users")
    n_items = check_positive_int(n_items, "n_items")
    users = as_index_array(user_idx, "user_idx", n_users)
    items = as_index_array(item_idx, "item_idx", n_items)
    if weights is None:
        values = np.ones(len(users), dtype=dtype)
    else:
        values = np.asarray(weights, dtype=dtype)
        if values.ndim != 1:
            raise ValueError(f"weights must be 1-D, got shape {values.shape}")
        if values.size and values.min() < 0:
            raise ValueError("weights must be >= 0")
    _check_same_length(user_idx=users, item_idx=items, weights=values)
    matrix = sp.csr_matrix((values, (users, items)), shape=(n_users, n_items), dtype=dtype)
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    if binary:
        matrix.data[:] = 1
    matrix.sort_indices()
    return matrix


def sorted_unique(values) -> np.ndarray:
    """``np.unique(values)`` of a 1-D array by sorting: numpy 2's hashing path takes ten times as
    long on hundreds of thousands of distinct keys (the (user, item) pairs of a training set)."""
    ordered = np.sort(np.asarray(values).reshape(-1))
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered


def weighted_row_sum(matrix: sp.csr_matrix, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``matrix[rows].T @ weights``, summed as scipy sums it, without copying the rows out.

    Each product ``value × weight`` is added to its column in the order of ``rows``, then of the
    row's entries, in the operands' common type (as scipy's sparse product does), so the result
    is the same to the bit; a one-shopper request reads a few rows of a large matrix.

    Args:
        matrix: a CSR matrix.
        rows: row indices (repeats allowed).
        weights: one per row index.

    Returns:
        Array of length ``matrix.shape[1]``, of the common type of ``matrix`` and ``weights``.
    """
    matrix = matrix.tocsr()
    weights = np.asarray(weights)
    starts = matrix.indptr[rows]
    lengths = matrix.indptr[np.asarray(rows) + 1] - starts
    ends = np.cumsum(lengths)
    at = np.arange(ends[-1] if len(ends) else 0) + np.repeat(starts - (ends - lengths), lengths)
    out = np.zeros(matrix.shape[1], dtype=np.result_type(matrix.dtype, weights.dtype))
    np.add.at(out, matrix.indices[at], matrix.data[at] * np.repeat(weights, lengths))
    return out


def top_k(scores: np.ndarray, k: int, exclude=None) -> tuple[np.ndarray, np.ndarray]:
    """Indices and scores of the ``k`` highest scores, ties broken by lower index.

    Args:
        scores: 1-D array of item scores; ``-inf`` entries are never returned.
        k: Number of items wanted, > 0; fewer come back if fewer are eligible.
        exclude: Item indices never to return (e.g. items already purchased).

    Returns:
        ``(indices, scores)``: int64 and float arrays of length ``<= k``, best first.

    Raises:
        ValueError: If ``k`` is not a positive integer or ``scores`` is not 1-D.
    """
    k = check_positive_int(k, "k")
    scores = np.asarray(scores)
    if scores.ndim != 1:
        raise ValueError(f"scores must be 1-D, got shape {scores.shape}")
    work = scores.astype(np.float64, copy=True)
    if exclude is not None:
        excl = as_index_array(np.asarray(exclude).reshape(-1), "exclude", len(work))
        work[excl] = -np.inf
    eligible = np.flatnonzero(work > -np.inf)
    if eligible.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=scores.dtype)
    k = min(k, eligible.size)
    vals = work[eligible]
    if k < eligible.size:
        # Keep everything tied with the k-th best so the index tie-break is exact.
        kth = np.partition(vals, eligible.size - k)[eligible.size - k]
        keep = vals >= kth
        eligible, vals = eligible[keep], vals[keep]
    order = np.lexsort((eligible, -vals))[:k]
    chosen = eligible[order]
    return chosen.astype(np.int64), scores[chosen]


def count_percentile_mask(keys, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """Mask of the events whose key (user or item) has an event count within two percentiles.

    Personalize's featurization hyperparameters (``min/max_user_history_length_percentile``,
    ``min/max_item_interaction_count_percentile``) leave out of training the users with the
    shortest and longest histories, or the items with the fewest and most interactions: a key
    is kept if its count lies in ``[quantile(low), quantile(high)]`` of the counts of all keys
    (linear interpolation), bounds included.

    Args:
        keys: User (or item) index per event.
        low: Lower percentile, in [0, 1].
        high: Upper percentile, in [low, 1].

    Returns:
        ``bool`` array, one per event; all True for ``low=0, high=1``.

    Raises:
        ValueError: If the percentiles are outside [0, 1] or ``low > high``.
    """
    if not 0.0 <= low <= high <= 1.0:
        raise ValueError(f"percentiles must satisfy 0 <= low <= high <= 1, got low={low!r}, high={high!r}")
    keys = as_index_array(keys, "keys")
    if not len(keys):
        return np.ones(0, dtype=bool)
    counts = np.bincount(keys)
    present = counts[counts > 0]
    lo, hi = np.quantile(present, [low, high])
    per_event = counts[keys]
    return (per_event >= lo) & (per_event <= hi)

"""Item-to-item similarity: co-view and co-purchase neighbours, kept sparse.

"Customers who viewed X also viewed" and "Frequently bought together" both
count how often two items share a **basket**: a user's whole history, or one
session of it (events no more than ``session_gap_seconds`` apart). The counts
are normalised (cosine or Jaccard) so best sellers do not sit next to
everything, and only the top ``neighbors`` per item are kept, so the model stays
``O(n_items × neighbors)`` however large the catalogue.

The item×item product is computed in row blocks, so memory is bounded by
``block_size × n_items`` floats, never ``n_items²``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .interactions import as_index_array, check_positive_int, event_mask, top_k, weighted_row_sum

NORMALIZATIONS = ("count", "cosine", "jaccard")
DENSE_SHARE = 0.5
"""Above this share of set entries, ``item_similarity_from_baskets`` multiplies dense arrays."""


@dataclass(frozen=True)
class ItemSimilarity:
    """Sparse item×item neighbour scores.

    Attributes:
        matrix: ``csr_matrix`` of shape ``(n_items, n_items)``; row ``i`` holds
            the kept neighbours of item ``i`` and their scores (> 0); the
            diagonal is empty.
    """

    matrix: sp.csr_matrix

    @property
    def n_items(self) -> int:
        """Catalogue size."""
        return self.matrix.shape[0]

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays for ``np.savez``; ``from_arrays`` restores the model."""
        m = self.matrix
        return {
            "sim_data": m.data,
            "sim_indices": m.indices,
            "sim_indptr": m.indptr,
            "sim_shape": np.asarray(m.shape, dtype=np.int64),
        }

    @classmethod
    def from_arrays(cls, arrays) -> ItemSimilarity:
        """Rebuild from ``to_arrays()`` output (or an ``np.load`` result)."""
        shape = tuple(int(x) for x in arrays["sim_shape"])
        m = sp.csr_matrix((arrays["sim_data"], arrays["sim_indices"], arrays["sim_indptr"]), shape=shape)
        return cls(matrix=m)


def sessionize(user_idx, timestamps, gap_seconds: int) -> tuple[np.ndarray, int]:
    """Split each user's events into sessions at gaps longer than ``gap_seconds``.

    Args:
        user_idx: User index per event.
        timestamps: Event times, int seconds.
        gap_seconds: A silence longer than this starts a new session, > 0.

    Returns:
        ``(session_idx, n_sessions)``: an int64 session index per event (in the
        input order, numbered by user then time) and the number of sessions.

    Raises:
        ValueError: On mismatched lengths or a non-positive ``gap_seconds``.
    """
    gap_seconds = check_positive_int(gap_seconds, "gap_seconds")
    users = as_index_array(user_idx, "user_idx")
    ts = np.asarray(timestamps, dtype=np.int64)
    if ts.shape != users.shape:
        raise ValueError(f"timestamps must have the length of user_idx ({len(users)}), got {ts.shape}")
    if users.size == 0:
        return np.empty(0, dtype=np.int64), 0
    order = np.lexsort((ts, users))
    u, t = users[order], ts[order]
    new = np.ones(len(u), dtype=bool)
    new[1:] = (u[1:] != u[:-1]) | (t[1:] - t[:-1] > gap_seconds)
    sessions_sorted = np.cumsum(new) - 1
    session_idx = np.empty_like(sessions_sorted)
    session_idx[order] = sessions_sorted
    return session_idx, int(sessions_sorted[-1]) + 1


def _top_neighbors_block(block: np.ndarray, row_offset: int, neighbors: int):
    """Rows, cols, values of the best ``neighbors`` positive entries per row (ties → lower col)."""
    n_rows, n_cols = block.shape
    if neighbors < n_cols:
        kth = -np.partition(-block, neighbors - 1, axis=1)[:, neighbors - 1]
        kth = np.maximum(kth, np.finfo(block.dtype).tiny)
        mask = block >= kth[:, None]
    else:
        mask = block > 0
    rows, cols = np.nonzero(mask)
    vals = block[rows, cols]
    order = np.lexsort((cols, -vals, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    starts = np.searchsorted(rows, np.arange(n_rows))
    rank = np.arange(len(rows)) - starts[rows]
    keep = rank < neighbors
    return rows[keep] + row_offset, cols[keep], vals[keep]


def item_similarity_from_baskets(
    basket_item: sp.spmatrix,
    *,
    normalize: str = "cosine",
    neighbors: int = 50,
    min_count: int = 1,
    block_size: int = 1024,
    popularity_discount: float = 0.5,
) -> ItemSimilarity:
    """Item×item similarity from a basket×item matrix, top ``neighbors`` per item.

    Args:
        basket_item: Sparse ``(n_baskets, n_items)`` matrix; a basket is a user
            or a session; values are weights (1 for plain co-occurrence).
        normalize: ``"count"`` (raw co-occurrence ``c_ij``), ``"cosine"``
            (``c_ij / (|i| |j|)`` with column L2 norms) or ``"jaccard"``
            (``c_ij / (n_i + n_j - c_ij)`` on binarised baskets).
        neighbors: Neighbours kept per item, > 0.
        min_count: Pairs that share fewer baskets than this are dropped, >= 1.
        block_size: Items per block of the blocked product, > 0; memory is
            about ``block_size × n_items × 8`` bytes.
        popularity_discount: With ``"cosine"``, the exponent ``d`` of
            ``c_ij / (|i| |j|)^(2d)``, in [0, 1]: 0.5 is the cosine, 0 the raw co-occurrence
            (popular neighbours first), 1 discounts popularity most (SIMS's
            ``popularity_discount_factor``).

    Returns:
        An ``ItemSimilarity``; scores are > 0 and, for cosine/Jaccard, in (0, 1].

    Raises:
        ValueError: On an unknown ``normalize`` or bad integer arguments.
    """
    if normalize not in NORMALIZATIONS:
        raise ValueError(f"normalize must be one of {NORMALIZATIONS}, got {normalize!r}")
    neighbors = check_positive_int(neighbors, "neighbors")
    min_count = check_positive_int(min_count, "min_count")
    block_size = check_positive_int(block_size, "block_size")
    if not 0.0 <= popularity_discount <= 1.0:
        raise ValueError(f"popularity_discount must be in [0, 1], got {popularity_discount!r}")
    x = sp.csr_matrix(basket_item, dtype=np.float32)
    x.sum_duplicates()
    x.eliminate_zeros()
    if normalize == "jaccard":
        x.data[:] = 1.0
    if np.all(x.data == 1.0):  # plain co-occurrence: the shared-basket counts are the product itself
        binary = x
    else:
        binary = x.copy()
        binary.data[:] = 1.0
    n_items = x.shape[1]
    xt = x.T.tocsr()
    bt = xt if binary is x else binary.T.tocsr()
    # mostly filled (embeddings): the same sums over baskets in the same order, without sparse bookkeeping
    dense = x.toarray() if x.nnz > DENSE_SHARE * x.shape[0] * x.shape[1] else None
    if normalize == "cosine":
        squares = np.asarray(x.multiply(x).sum(axis=0)).ravel()
        norms = (np.sqrt(squares) if popularity_discount == 0.5 else squares**popularity_discount).astype(
            np.float32
        )
    else:
        norms = np.asarray(binary.sum(axis=0)).ravel().astype(np.float32)
    rows_all, cols_all, vals_all = [], [], []
    for start in range(0, n_items, block_size):
        stop = min(start + block_size, n_items)
        co = (
            (xt[start:stop] @ x).toarray()
            if dense is None
            else np.einsum("bi,bj->ij", dense[:, start:stop], dense)
        )
        if min_count > 1:
            counts = co if binary is x else (bt[start:stop] @ binary).toarray()
            co[counts < min_count] = 0.0
            del counts
        co[np.arange(stop - start), np.arange(start, stop)] = 0.0
        if normalize == "cosine":
            denom = np.outer(norms[start:stop], norms)
            np.divide(co, denom, out=co, where=denom > 0)
        elif normalize == "jaccard":
            denom = norms[start:stop, None] + norms[None, :] - co
            np.divide(co, denom, out=co, where=denom > 0)
        r, c, v = _top_neighbors_block(co, start, neighbors)
        rows_all.append(r)
        cols_all.append(c)
        vals_all.append(v)
    rows = np.concatenate(rows_all) if rows_all else np.empty(0, dtype=np.int64)
    cols = np.concatenate(cols_all) if cols_all else np.empty(0, dtype=np.int64)
    vals = np.concatenate(vals_all) if vals_all else np.empty(0, dtype=np.float32)
    m = sp.csr_matrix((vals.astype(np.float32), (rows, cols)), shape=(n_items, n_items))
    m.sort_indices()
    return ItemSimilarity(matrix=m)


def fit_co_occurrence(
    user_idx,
    item_idx,
    n_items: int,
    *,
    timestamps=None,
    session_gap_seconds: int | None = None,
    event_codes=None,
    event_code: int | None = None,
    normalize: str = "cosine",
    neighbors: int = 50,
    min_count: int = 1,
    block_size: int = 1024,
    popularity_discount: float = 0.5,
) -> ItemSimilarity:
    """Items that share baskets: a user's history, or one session of it.

    Args:
        user_idx: User index per event.
        item_idx: Item index per event, in ``[0, n_items)``.
        n_items: Catalogue size, > 0.
        timestamps: Event times in int seconds; needed with ``session_gap_seconds``.
        session_gap_seconds: If given, baskets are sessions split at gaps longer
            than this; if None, a basket is the user's whole history.
        event_codes: Event-type code per event; needed with ``event_code``.
        event_code: Use only events with this code (e.g. Purchase).
        normalize: ``"count"``, ``"cosine"`` or ``"jaccard"``.
        neighbors: Neighbours kept per item, > 0.
        min_count: Minimum number of shared baskets for a pair, >= 1.
        block_size: Items per block of the blocked product.
        popularity_discount: Exponent of the cosine's norms (see ``item_similarity_from_baskets``).

    Returns:
        An ``ItemSimilarity`` over ``n_items`` items.

    Raises:
        ValueError: On mismatched lengths, missing companions or bad arguments.
    """
    n_items = check_positive_int(n_items, "n_items")
    users = as_index_array(user_idx, "user_idx")
    items = as_index_array(item_idx, "item_idx", n_items)
    if users.shape != items.shape:
        raise ValueError(f"item_idx must have the length of user_idx ({len(users)}), got {items.shape}")
    keep = event_mask(event_codes, event_code, users, "user_idx")
    users, items = users[keep], items[keep]
    if session_gap_seconds is not None:
        if timestamps is None:
            raise ValueError("timestamps is required when session_gap_seconds is given")
        ts = np.asarray(timestamps, dtype=np.int64)
        if ts.shape != keep.shape:
            raise ValueError(f"timestamps must have the length of user_idx ({len(keep)}), got {ts.shape}")
        baskets, n_baskets = sessionize(users, ts[keep], session_gap_seconds)
    else:
        baskets = users
        n_baskets = int(users.max()) + 1 if users.size else 1
    x = sp.csr_matrix(
        (np.ones(len(baskets), dtype=np.float32), (baskets, items)), shape=(max(n_baskets, 1), n_items)
    )
    x.sum_duplicates()
    x.data[:] = 1.0
    return item_similarity_from_baskets(
        x,
        normalize=normalize,
        neighbors=neighbors,
        min_count=min_count,
        block_size=block_size,
        popularity_discount=popularity_discount,
    )


def fit_co_view(user_idx, item_idx, n_items: int, **kwargs) -> ItemSimilarity:
    """Customers who viewed X also viewed: ``fit_co_occurrence`` on all (or View) events.

    Pass ``event_codes``/``event_code`` to restrict to View events and
    ``session_gap_seconds`` (e.g. 1800) to count only views in one visit.
    """
    return fit_co_occurrence(user_idx, item_idx, n_items, **kwargs)


def fit_co_purchase(
    user_idx, item_idx, n_items: int, *, event_codes, event_code: int, **kwargs
) -> ItemSimilarity:
    """Frequently bought together: ``fit_co_occurrence`` on Purchase events only.

    Args:
        user_idx: User index per event.
        item_idx: Item index per event.
        n_items: Catalogue size.
        event_codes: Event-type code per event.
        event_code: The Purchase code.
        **kwargs: As ``fit_co_occurrence`` (e.g. ``timestamps`` and
            ``session_gap_seconds`` to count one order or visit as a basket).
    """
    return fit_co_occurrence(
        user_idx, item_idx, n_items, event_codes=event_codes, event_code=event_code, **kwargs
    )


def similar_items(
    model: ItemSimilarity, items, k: int, *, weights=None, exclude=None
) -> tuple[np.ndarray, np.ndarray]:
    """Items most similar to one item (or a basket of items), ties by lower index.

    The score of a candidate is the (weighted) sum of its similarity to the
    query items. The query items are never returned. Only items with a positive
    score come back, so the result can be shorter than ``k``.

    Args:
        model: A fitted ``ItemSimilarity``.
        items: One item index or an array of them (e.g. the cart).
        k: Number of items, > 0.
        weights: Optional weight per query item.
        exclude: Further item indices to leave out.

    Returns:
        ``(item_indices, scores)`` of length ``<= k``, most similar first.

    Raises:
        ValueError: On out-of-range items, bad ``k`` or mismatched ``weights``.
    """
    query = as_index_array(np.atleast_1d(items), "items", model.n_items)
    w = np.ones(len(query), dtype=np.float32) if weights is None else np.asarray(weights, np.float32)
    if w.shape != query.shape:
        raise ValueError(f"weights must have the length of items ({len(query)}), got {w.shape}")
    scores = weighted_row_sum(model.matrix, query, w).astype(np.float64)
    scores[scores <= 0] = -np.inf
    scores[query] = -np.inf
    return top_k(scores, k, exclude=exclude)

"""Personalised ranking from a user's history: EASE and item-kNN.

Both models are an item×item weight matrix ``B``: a user's score for item
``j`` is ``sum_i h_i B[i, j]`` over the items ``i`` in their (weighted)
history ``h``. So new events change recommendations at once, without
retraining, and users unseen at training time are served from their history.

- **EASE** (Steck, 2019, "Embarrassingly Shallow Autoencoders") learns a dense
  ``B`` in closed form: ``P = (XᵀX + λI)⁻¹``, ``B = I - P / diag(P)``. It is the
  more accurate model but costs ``n_items²`` floats and an ``O(n_items³)``
  inverse, so ``fit_personalization(method="auto")`` uses it only up to
  ``max_ease_items`` items.
- **Item-kNN** keeps the top ``neighbors`` cosine neighbours per item (sparse,
  blocked, linear memory), for catalogues beyond that.

Items the history does not reach (score exactly 0) are filled in by popularity.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import scipy.linalg.lapack as lapack
import scipy.sparse as sp

from .interactions import as_index_array, check_positive_int, top_k, weighted_row_sum
from .similarity import item_similarity_from_baskets

METHODS = ("auto", "ease", "item_knn")

#: Catalogue size up to which ``method="auto"`` picks EASE (dense float32 inverse,
#: ``4 × n²`` bytes per copy; measured on 2 cores: 7 s and 1.0 GB peak at 10,000 items,
#: 99 s and 5.3 GB peak at 24,650 items, where item-kNN fits in 11 s and 0.6 GB).
DEFAULT_MAX_EASE_ITEMS = 10_000


@dataclass(frozen=True)
class PersonalizationModel:
    """A fitted item×item model.

    Attributes:
        method: ``"ease"`` or ``"item_knn"``.
        weights: ``(n_items, n_items)`` item×item weights: dense ``float32``
            for EASE, ``csr_matrix`` for item-kNN.
        popularity: ``float32`` ``(n_items,)`` training popularity, used to fill
            the list when the history reaches fewer than ``k`` items.
    """

    method: str
    weights: np.ndarray | sp.csr_matrix
    popularity: np.ndarray

    @property
    def n_items(self) -> int:
        """Catalogue size."""
        return self.popularity.shape[0]

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays for ``np.savez``; ``from_arrays`` restores the model."""
        arrays = {"method": np.asarray(self.method), "popularity": self.popularity}
        if sp.issparse(self.weights):
            w = sp.csr_matrix(self.weights)
            arrays.update(w_data=w.data, w_indices=w.indices, w_indptr=w.indptr)
        else:
            arrays["w_dense"] = self.weights
        return arrays

    def extended(self, n_items: int) -> PersonalizationModel:
        """The same model over a catalogue grown to ``n_items``: the new items have no weights
        and no popularity, so only something other than this model (exploration) shows them."""
        extra = n_items - self.n_items
        if extra < 0:
            raise ValueError(f"n_items must be at least {self.n_items}, got {n_items}")
        if sp.issparse(self.weights):
            weights = sp.csr_matrix(self.weights, copy=True)
            weights.resize((n_items, n_items))
        else:
            weights = np.pad(self.weights, ((0, extra), (0, extra)))
        return PersonalizationModel(self.method, weights, np.pad(self.popularity, (0, extra)))

    @classmethod
    def from_arrays(cls, arrays) -> PersonalizationModel:
        """Rebuild from ``to_arrays()`` output (or an ``np.load`` result)."""
        popularity = np.asarray(arrays["popularity"], dtype=np.float32)
        n = popularity.shape[0]
        if "w_dense" in arrays:
            weights = np.asarray(arrays["w_dense"], dtype=np.float32)
        else:
            weights = sp.csr_matrix((arrays["w_data"], arrays["w_indices"], arrays["w_indptr"]), shape=(n, n))
        return cls(method=str(arrays["method"]), weights=weights, popularity=popularity)


def _check_matrix(user_item) -> sp.csr_matrix:
    if not sp.issparse(user_item) and not isinstance(user_item, np.ndarray):
        raise TypeError(f"user_item must be a scipy.sparse matrix or ndarray, got {type(user_item).__name__}")
    x = sp.csr_matrix(user_item, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] == 0:
        raise ValueError(f"user_item must be a 2-D users×items matrix with items, got shape {x.shape}")
    if x.nnz and x.data.min() < 0:
        raise ValueError("user_item must be >= 0")
    return x


def _popularity(x: sp.csr_matrix) -> np.ndarray:
    return np.asarray((x > 0).sum(axis=0), dtype=np.float32).ravel()


def _dense_gram(x: sp.csr_matrix, block_size: int = 2048) -> np.ndarray:
    """``XᵀX`` as a dense float32 array, built in row blocks (no dense-sized sparse temporary)."""
    n = x.shape[1]
    xt = x.T.tocsr()
    gram = np.empty((n, n), dtype=np.float32)
    for start in range(0, n, block_size):
        stop = min(start + block_size, n)
        gram[start:stop] = (xt[start:stop] @ x).toarray()
    return gram


def _mirror_lower(a: np.ndarray, block_size: int = 2048) -> None:
    """Copy the lower triangle of square ``a`` onto its upper triangle, in place and in blocks."""
    n = a.shape[0]
    for start in range(0, n, block_size):
        stop = min(start + block_size, n)
        a[start:stop, stop:] = a[stop:, start:stop].T
        block = a[start:stop, start:stop]
        np.copyto(block, block.T.copy(), where=np.triu(np.ones(block.shape, dtype=bool), 1))


def fit_ease(user_item, l2: float = 500.0) -> PersonalizationModel:
    """Fit EASE in closed form with a float32 Cholesky inverse.

    Args:
        user_item: ``(n_users, n_items)`` sparse matrix of interaction weights
            (binary or event-weighted), e.g. from ``build_user_item_matrix``.
        l2: L2 regularisation λ added to the Gram diagonal, > 0; larger favours
            popular items less. 100–1000 suits 10⁴–10⁶ interactions.

    Returns:
        A ``PersonalizationModel`` with a dense ``float32`` ``(n_items, n_items)``
        ``weights`` whose diagonal is 0.

    Raises:
        ValueError: If ``l2`` is not positive or the matrix is malformed.
        TypeError: If ``user_item`` is not a matrix.
    """
    _check_l2(l2)
    x = _check_matrix(user_item)
    return _ease(_dense_gram(x), _popularity(x), l2)


def fit_ease_growing(user_items: Iterable, l2: float = 500.0) -> Iterator[PersonalizationModel]:
    """``fit_ease`` of each of a series of matrices that only gain weight, e.g. the events up to each week.

    The models equal ``fit_ease``'s bit for bit. While the weights are integers (event weights
    without recency decay) and no Gram entry reaches 2**24, each Gram ``XᵀX`` is the previous one
    plus the terms of the weight gained (``XᵀD + DᵀX + DᵀD``), not rebuilt: its entries are sums
    of integers below 2**24, which float32 adds exactly in any order. Otherwise it is rebuilt.

    Args:
        user_items: ``(n_users, n_items)`` sparse matrices of interaction weights.
        l2: L2 regularisation, as for ``fit_ease``.

    Yields:
        One EASE ``PersonalizationModel`` per matrix, in order.

    Raises:
        ValueError: If ``l2`` is not positive or a matrix is malformed.
        TypeError: If a matrix is not a matrix.
    """
    _check_l2(l2)
    before, gram = None, None
    for user_item in user_items:
        x = _check_matrix(user_item)
        exact = _gram_is_exact(x)
        added = x - before if exact and before is not None and before.shape == x.shape else None
        if added is not None and added.data.min(initial=0) >= 0:
            _grow_gram(gram, before, added)
        else:
            gram = _dense_gram(x)
        before = x if exact else None
        yield _ease(gram.copy(), _popularity(x), l2)


def _grow_gram(gram: np.ndarray, before: sp.csr_matrix, added: sp.csr_matrix) -> None:
    """Turn ``gram`` = ``XᵀX`` into ``(X + D)ᵀ(X + D)`` in place (``X`` = ``before``, ``D`` = ``added``).

    Adds the sparse ``DᵀX``, its transpose and ``DᵀD`` entry by entry (each without repeated entries).
    """
    added_t = added.T.tocsr()
    cross = (added_t @ before).tocoo()
    gram[cross.row, cross.col] += cross.data
    gram[cross.col, cross.row] += cross.data
    both_new = (added_t @ added).tocoo()
    gram[both_new.row, both_new.col] += both_new.data


def _check_l2(l2: float) -> None:
    if not l2 > 0:
        raise ValueError(f"l2 must be > 0, got {l2!r}")


def _gram_is_exact(x: sp.csr_matrix) -> bool:
    """Whether every entry of ``XᵀX`` is a sum of integers below 2**24 (exact in float32, any order)."""
    data = x.data.astype(np.float64)
    if not np.array_equal(data, np.rint(data)):
        return False
    # weights >= 0, so partial sums only grow, up to at most the largest diagonal entry (Cauchy-Schwarz)
    diagonal = np.bincount(x.indices, weights=data * data, minlength=x.shape[1])
    return bool(diagonal.max(initial=0.0) < 2**24)


def _ease(gram: np.ndarray, popularity: np.ndarray, l2: float) -> PersonalizationModel:
    """EASE from its dense float32 Gram matrix ``XᵀX`` (overwritten) and item popularity."""
    n = gram.shape[0]
    gram[np.diag_indices(n)] += np.float32(l2)
    chol, info = lapack.spotrf(gram, lower=True, overwrite_a=True, clean=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"Cholesky of the Gram matrix failed (info={info})")
    p, info = lapack.spotri(chol, lower=True, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"inverse of the Gram matrix failed (info={info})")
    _mirror_lower(p)
    p = p.T  # LAPACK's result is Fortran-ordered; p is symmetric, so its C-ordered view is the same matrix
    diag = np.diag(p).copy()
    p /= -diag[None, :]
    p[np.diag_indices(n)] = 0.0
    return PersonalizationModel(method="ease", weights=p, popularity=popularity)


def fit_item_knn(user_item, neighbors: int = 300, block_size: int = 1024) -> PersonalizationModel:
    """Fit item-kNN: the top ``neighbors`` cosine neighbours of each item.

    Args:
        user_item: ``(n_users, n_items)`` sparse matrix of interaction weights.
        neighbors: Neighbours kept per item, > 0. 300 measured best of
            {100, 300, 1000} for quality per megabyte (bench/README.md).
        block_size: Items per block of the blocked product (memory ≈
            ``block_size × n_items × 8`` bytes).

    Returns:
        A ``PersonalizationModel`` with sparse ``weights`` (``<= neighbors`` per row).

    Raises:
        ValueError: On bad integers or a malformed matrix.
        TypeError: If ``user_item`` is not a matrix.
    """
    x = _check_matrix(user_item)
    sim = item_similarity_from_baskets(x, normalize="cosine", neighbors=neighbors, block_size=block_size)
    return PersonalizationModel(method="item_knn", weights=sim.matrix, popularity=_popularity(x))


def fit_personalization(
    user_item,
    method: str = "auto",
    *,
    l2: float = 500.0,
    neighbors: int = 300,
    max_ease_items: int = DEFAULT_MAX_EASE_ITEMS,
) -> PersonalizationModel:
    """Fit the personalisation model, choosing EASE or item-kNN by catalogue size.

    Args:
        user_item: ``(n_users, n_items)`` sparse matrix of interaction weights.
        method: ``"ease"``, ``"item_knn"`` or ``"auto"`` (EASE up to
            ``max_ease_items`` items, item-kNN above).
        l2: EASE regularisation.
        neighbors: Item-kNN neighbours per item.
        max_ease_items: Largest catalogue for which ``"auto"`` picks EASE.

    Returns:
        The fitted ``PersonalizationModel``.

    Raises:
        ValueError: On an unknown ``method``.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    x = _check_matrix(user_item)
    if method == "auto":
        method = "ease" if x.shape[1] <= check_positive_int(max_ease_items, "max_ease_items") else "item_knn"
    if method == "ease":
        return fit_ease(x, l2=l2)
    return fit_item_knn(x, neighbors=neighbors)


def _fill(model, scores: np.ndarray, k: int, exclude) -> tuple[np.ndarray, np.ndarray]:
    work = scores.astype(np.float64)
    work[work == 0] = -np.inf
    idx, _ = top_k(work, k, exclude=exclude)
    if len(idx) < k:
        skip = idx if exclude is None else np.concatenate([idx, np.asarray(exclude, dtype=np.int64).ravel()])
        more, _ = top_k(model.popularity, k - len(idx), exclude=skip)
        idx = np.concatenate([idx, more])
    return idx, scores[idx]


def score_items(model: PersonalizationModel, user_history, history_weights=None) -> np.ndarray:
    """Scores of every item for one user history.

    Args:
        model: A fitted ``PersonalizationModel``.
        user_history: Item indices the user interacted with (repeats add up).
        history_weights: Weight per history event (e.g. event weight × recency);
            1 when None.

    Returns:
        ``float32`` array of shape ``(n_items,)``; 0 where the history does not reach.
    """
    hist = as_index_array(np.asarray(user_history).reshape(-1), "user_history", model.n_items)
    if history_weights is None:
        w = np.ones(len(hist), dtype=np.float32)
    else:
        w = np.asarray(history_weights, dtype=np.float32)
        if w.shape != hist.shape:
            raise ValueError(
                f"history_weights must have the length of user_history ({len(hist)}), got {w.shape}"
            )
    if hist.size == 0:
        return np.zeros(model.n_items, dtype=np.float32)
    # repeats add up: sum the weights per item first, so that a long history reads each row once
    items, where = np.unique(hist, return_inverse=True)
    w = np.bincount(where, weights=w, minlength=len(items)).astype(np.float32)
    if sp.issparse(model.weights):
        return weighted_row_sum(model.weights, items, w)
    return np.asarray(w @ model.weights[items], dtype=np.float32)  # row vector × C-ordered rows


def recommend(
    model: PersonalizationModel, user_history, k: int, *, history_weights=None, exclude=None
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` items for one user, ties broken by lower item index.

    Items the history reaches are ranked by score; if fewer than ``k`` remain,
    the most popular others follow (with score 0). An empty history therefore
    gets the popularity ranking (cold start).

    Args:
        model: A fitted ``PersonalizationModel``.
        user_history: Item indices the user interacted with, any order.
        k: Number of items, > 0.
        history_weights: Weight per history event (e.g. ``recency_weights``).
        exclude: Item indices never to return, e.g. the user's purchases or
            their whole history.

    Returns:
        ``(item_indices, scores)``: int64 and float32 arrays of length ``<= k``.

    Raises:
        ValueError: On out-of-range indices, bad ``k`` or mismatched weights.
    """
    return rank_scores(model, score_items(model, user_history, history_weights), k, exclude=exclude)


def rank_scores(
    model: PersonalizationModel, scores, k: int, *, exclude=None
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` items of precomputed ``score_items`` scores, filled by popularity like ``recommend``.

    For callers that need the whole score vector too (e.g. to normalise the scores it returns).

    Args:
        model: The ``PersonalizationModel`` that computed ``scores``.
        scores: ``(n_items,)`` scores from ``score_items``.
        k: Number of items, > 0.
        exclude: Item indices never to return.

    Returns:
        ``(item_indices, scores)``: int64 and float32 arrays of length ``<= k``.

    Raises:
        ValueError: On a bad ``k``, a wrongly sized ``scores`` or out-of-range ``exclude``.
    """
    k = check_positive_int(k, "k")
    scores = np.asarray(scores, dtype=np.float32)
    if scores.shape != (model.n_items,):
        raise ValueError(f"scores must have shape ({model.n_items},), got {scores.shape}")
    if exclude is not None:
        exclude = as_index_array(np.asarray(exclude).reshape(-1), "exclude", model.n_items)
    return _fill(model, scores, k, exclude)


def recommend_batch(
    model: PersonalizationModel,
    histories: sp.spmatrix,
    k: int,
    *,
    exclude_history: bool = True,
    batch_size: int = 512,
) -> np.ndarray:
    """Top-``k`` items for many users at once (for evaluation and batch jobs).

    Args:
        model: A fitted ``PersonalizationModel``.
        histories: ``(n_users, n_items)`` sparse matrix of history weights.
        k: Number of items per user, > 0.
        exclude_history: If True, items in a user's history are not recommended.
        batch_size: Users scored per dense block.

    Returns:
        ``int64`` array ``(n_users, k)`` of item indices, best first, padded with -1.
    """
    k = check_positive_int(k, "k")
    h = sp.csr_matrix(histories, dtype=np.float32)
    if h.shape[1] != model.n_items:
        raise ValueError(f"histories must have {model.n_items} columns, got {h.shape[1]}")
    out = np.full((h.shape[0], k), -1, dtype=np.int64)
    for start in range(0, h.shape[0], batch_size):
        block = h[start : start + batch_size]
        product = block @ model.weights
        scores = product.toarray() if sp.issparse(product) else np.asarray(product, dtype=np.float32)
        for r in range(block.shape[0]):
            row = block.indices[block.indptr[r] : block.indptr[r + 1]]
            idx, _ = _fill(model, scores[r], k, row if exclude_history else None)
            out[start + r, : len(idx)] = idx
    return out

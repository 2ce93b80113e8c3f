"""The three families of recommenders, small enough to compute by hand.

Notebook 00 uses these functions on a toy shop of a dozen items to show *how* content-based,
collaborative and hybrid filtering score items for one shopper. They favour clarity over
speed: dense numpy arrays, no sparse matrices, no I/O. The production algorithms that the
local backend trains live elsewhere in :mod:`helpers.recsys`.

Conventions: an **item-feature matrix** has one row per item and one column per attribute
value (0 or 1); a **user-item matrix** has one row per shopper and one column per item,
holding an interaction weight (0 = no interaction, larger = stronger signal).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

__all__ = [
    "blend_scores",
    "cooccurrence",
    "cosine_similarity",
    "item_similarity_from_cooccurrence",
    "one_hot_attributes",
    "score_collaborative",
    "score_content_based",
    "top_k",
    "user_profile",
]


def _as_matrix(values, name: str) -> np.ndarray:
    """Return ``values`` as a finite, non-negative 2-D float array, or raise."""
    matrix = np.asarray(values, dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array, got {matrix.ndim} dimension(s)")
    if not np.all(np.isfinite(matrix)):
        raise ValueError(f"{name} must hold finite numbers only")
    if np.any(matrix < 0):
        raise ValueError(f"{name} must be non-negative")
    return matrix


def _as_vector(values, name: str, length: int | None = None) -> np.ndarray:
    """Return ``values`` as a finite 1-D float array (of ``length`` if given), or raise."""
    vector = np.asarray(values, dtype=float)
    if vector.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got {vector.ndim} dimension(s)")
    if length is not None and vector.shape[0] != length:
        raise ValueError(f"{name} must have {length} entries, got {vector.shape[0]}")
    if not np.all(np.isfinite(vector)):
        raise ValueError(f"{name} must hold finite numbers only")
    return vector


def one_hot_attributes(
    items: Sequence[Mapping[str, str | Iterable[str]]], columns: Sequence[str]
) -> tuple[np.ndarray, list[str]]:
    """Encode item attributes as a 0/1 item-feature matrix.

    A single-valued attribute (``"colour": "navy"``) becomes one feature ``colour=navy``; a
    multi-valued one (``"tags": ["outdoor", "warm"]``) becomes one feature per value.

    Args:
        items: one mapping per item, e.g. ``DataFrame.to_dict("records")``.
        columns: the attribute names to encode, in the order their features should appear.

    Returns:
        ``(matrix, features)``: a float array of shape ``(n_items, n_features)`` holding 0 or 1,
        and the feature names ``"column=value"``, grouped by column in the given order and
        sorted by value within a column.

    Raises:
        ValueError: ``items`` or ``columns`` is empty, or an item lacks one of ``columns``.
    """
    if len(items) == 0:
        raise ValueError("items must hold at least one item")
    if len(columns) == 0:
        raise ValueError("columns must name at least one attribute")
    tokens: list[set[str]] = []
    vocabulary: dict[str, set[str]] = {column: set() for column in columns}
    for position, item in enumerate(items):
        item_tokens = set()
        for column in columns:
            if column not in item:
                raise ValueError(f"item {position} has no attribute {column!r}")
            value = item[column]
            values = [value] if isinstance(value, str) else list(value)
            vocabulary[column].update(str(v) for v in values)
            item_tokens.update(f"{column}={v}" for v in values)
        tokens.append(item_tokens)
    features = [f"{column}={value}" for column in columns for value in sorted(vocabulary[column])]
    index = {feature: j for j, feature in enumerate(features)}
    matrix = np.zeros((len(items), len(features)))
    for i, item_tokens in enumerate(tokens):
        matrix[i, [index[token] for token in item_tokens]] = 1.0
    return matrix, features


def cosine_similarity(matrix) -> np.ndarray:
    """Return the cosine similarity between every pair of rows.

    Cosine compares directions, not lengths: two items that share all their attributes score
    1, two that share none score 0, whatever the number of attributes each has.

    Args:
        matrix: non-negative array of shape ``(n_rows, n_columns)``, e.g. an item-feature matrix.

    Returns:
        Symmetric float array of shape ``(n_rows, n_rows)`` with values in [0, 1]; the diagonal
        is 1 for every non-zero row. A row of zeros has similarity 0 to every row, itself included.

    Raises:
        ValueError: ``matrix`` is not 2-D, or holds negative or non-finite values.
    """
    matrix = _as_matrix(matrix, "matrix")
    norms = np.linalg.norm(matrix, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    unit = matrix / safe[:, None]
    return np.clip(unit @ unit.T, 0.0, 1.0)


def cooccurrence(user_item) -> np.ndarray:
    """Count, for every pair of items, how many shoppers interacted with both.

    Args:
        user_item: non-negative array of shape ``(n_users, n_items)``; any positive weight
            counts as one interaction.

    Returns:
        Symmetric integer array of shape ``(n_items, n_items)``: entry ``[i, j]`` is the number
        of shoppers who interacted with items ``i`` and ``j``, in [0, n_users]; the diagonal
        holds each item's number of shoppers.

    Raises:
        ValueError: ``user_item`` is not 2-D, or holds negative or non-finite values.
    """
    touched = (_as_matrix(user_item, "user_item") > 0).astype(np.int64)
    return touched.T @ touched


def item_similarity_from_cooccurrence(counts) -> np.ndarray:
    """Turn co-occurrence counts into an item-item similarity (collaborative filtering).

    Raw counts favour popular items, which co-occur with everything. Dividing by the geometric
    mean of both items' shopper counts (cosine normalisation) asks instead: of the shoppers of
    either item, how strongly do they overlap?

    Args:
        counts: square, symmetric, non-negative array of shape ``(n_items, n_items)`` as
            returned by :func:`cooccurrence`.

    Returns:
        Symmetric float array of shape ``(n_items, n_items)`` with values in [0, 1]; the
        diagonal is 1 for items with at least one shopper. An item nobody touched has
        similarity 0 to every item: collaborative filtering knows nothing about it.

    Raises:
        ValueError: ``counts`` is not square and symmetric, or holds negative or non-finite values.
    """
    counts = _as_matrix(counts, "counts")
    if counts.shape[0] != counts.shape[1]:
        raise ValueError(f"counts must be square, got shape {counts.shape}")
    if not np.allclose(counts, counts.T):
        raise ValueError("counts must be symmetric")
    diagonal = np.sqrt(np.diag(counts))
    denominator = np.outer(diagonal, diagonal)
    similarity = np.divide(counts, denominator, out=np.zeros_like(counts), where=denominator > 0)
    return np.clip(similarity, 0.0, 1.0)


def user_profile(user_row, item_features) -> np.ndarray:
    """Summarise a shopper's taste as the weighted mean of the attributes of their items.

    Args:
        user_row: non-negative interaction weights of one shopper, shape ``(n_items,)``.
        item_features: non-negative item-feature matrix, shape ``(n_items, n_features)``.

    Returns:
        Float array of shape ``(n_features,)`` with values in [0, 1]: the weighted share of the
        shopper's interactions that had each attribute. All zeros for a shopper with no history.

    Raises:
        ValueError: the shapes do not match, or an input holds negative or non-finite values.
    """
    features = _as_matrix(item_features, "item_features")
    row = _as_vector(user_row, "user_row", features.shape[0])
    if np.any(row < 0):
        raise ValueError("user_row must be non-negative")
    total = row.sum()
    if total == 0:
        return np.zeros(features.shape[1])
    return row @ features / total


def score_content_based(user_row, item_features) -> np.ndarray:
    """Score every item by how well its attributes match the shopper's profile.

    Args:
        user_row: non-negative interaction weights of one shopper, shape ``(n_items,)``.
        item_features: non-negative item-feature matrix, shape ``(n_items, n_features)``.

    Returns:
        Float array of shape ``(n_items,)`` with values in [0, 1]: the cosine similarity
        between :func:`user_profile` and each item's attributes. All zeros for a shopper with
        no history (the user cold-start problem).

    Raises:
        ValueError: the shapes do not match, or an input holds negative or non-finite values.
    """
    profile = user_profile(user_row, item_features)
    features = np.asarray(item_features, dtype=float)
    return cosine_similarity(np.vstack([profile, features]))[0, 1:]


def score_collaborative(user_row, item_similarity) -> np.ndarray:
    """Score every item by its similarity to the items the shopper interacted with.

    This is item-item collaborative filtering: "shoppers who liked what you liked also liked".

    Args:
        user_row: non-negative interaction weights of one shopper, shape ``(n_items,)``.
        item_similarity: item-item similarity in [0, 1], shape ``(n_items, n_items)``, e.g.
            from :func:`item_similarity_from_cooccurrence`.

    Returns:
        Float array of shape ``(n_items,)`` with values in [0, 1]: for each item, the weighted
        mean of its similarity to the shopper's items. All zeros for a shopper with no history.

    Raises:
        ValueError: the shapes do not match, or an input holds negative or non-finite values.
    """
    similarity = _as_matrix(item_similarity, "item_similarity")
    if similarity.shape[0] != similarity.shape[1]:
        raise ValueError(f"item_similarity must be square, got shape {similarity.shape}")
    row = _as_vector(user_row, "user_row", similarity.shape[0])
    if np.any(row < 0):
        raise ValueError("user_row must be non-negative")
    total = row.sum()
    if total == 0:
        return np.zeros(similarity.shape[0])
    return row @ similarity / total


def blend_scores(a, b, weight: float) -> np.ndarray:
    """Blend two score vectors into a hybrid: ``weight * a + (1 - weight) * b``.

    Both inputs should be on the same scale (e.g. both in [0, 1]); otherwise the larger one
    dominates whatever the weight.

    Args:
        a: scores of the first method, shape ``(n_items,)``.
        b: scores of the second method, same shape as ``a``.
        weight: the share given to ``a``, in [0, 1]; 1 returns ``a``, 0 returns ``b``.

    Returns:
        Float array of shape ``(n_items,)``, between ``a`` and ``b`` item by item.

    Raises:
        ValueError: the shapes differ, an input is not finite, or ``weight`` is outside [0, 1].
    """
    a = _as_vector(a, "a")
    b = _as_vector(b, "b", a.shape[0])
    if not 0.0 <= float(weight) <= 1.0:
        raise ValueError(f"weight must be in [0, 1], got {weight}")
    return float(weight) * a + (1.0 - float(weight)) * b


def top_k(scores, k: int, exclude: Iterable[int] = ()) -> list[int]:
    """Return the indices of the ``k`` highest scores, best first.

    Ties are broken by the lower index, so the result never depends on sort stability.

    Args:
        scores: one score per item, shape ``(n_items,)``.
        k: how many indices to return, at least 1; fewer come back if fewer items remain.
        exclude: item indices never to return, e.g. what the shopper already bought.

    Returns:
        Up to ``k`` distinct item indices in [0, n_items), ordered by score descending.

    Raises:
        ValueError: ``scores`` is not 1-D and finite, ``k`` is below 1, or an index in
            ``exclude`` is outside [0, n_items).
    """
    scores = _as_vector(scores, "scores")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be an integer of at least 1, got {k!r}")
    excluded = {int(i) for i in exclude}
    bad = sorted(i for i in excluded if not 0 <= i < scores.shape[0])
    if bad:
        raise ValueError(f"exclude holds indices outside [0, {scores.shape[0]}): {bad}")
    indices = np.arange(scores.shape[0])
    order = np.lexsort((indices, -scores))
    return [int(i) for i in order if int(i) not in excluded][:k]

"""Semantic similarity of items from their text: latent semantic analysis (LSA) embeddings.

TF-IDF (``content``) counts the words two items share; two descriptions that say the same thing
in other words share none. **Latent semantic analysis** folds words that occur in the same
items into shared directions: the TF-IDF matrix ``X`` (items × tokens) is factorised by a
truncated SVD, ``X ≈ U S Vᵀ``, and each item is embedded as its row of ``U S`` (``dimensions``
numbers), L2-normalised. Words that keep each other's company ("sneaker", "running") end up
near each other, so items are similar when their texts are about the same thing. A new item is
embedded by projecting its TF-IDF vector on ``V`` (``embed``), without refitting.

Worked example: four items, two about running shoes and two about lamps, embedded in two
dimensions; the running shoes are each other's nearest neighbour::

    >>> tokens = [["running", "shoe"], ["running", "sneaker"], ["desk", "lamp"], ["lamp", "light"]]
    >>> model = fit_semantic(tokens, dimensions=2, rng=np.random.default_rng(0))
    >>> sims = semantic_similarity(model, neighbors=1)
    >>> int(sims.matrix[0].indices[0]), int(sims.matrix[2].indices[0])
    (1, 3)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .content import ContentModel, fit_content, transform
from .similarity import ItemSimilarity, item_similarity_from_baskets

DEFAULT_DIMENSIONS = 64
"""Embedding size when none is given: enough for a catalogue's topics, small enough to generalise."""


@dataclass(frozen=True)
class SemanticModel:
    """Item embeddings and what it takes to embed a new item.

    Attributes:
        vectors: the TF-IDF model of the items' tokens (vocabulary, IDF, item vectors).
        basis: ``(n_tokens, dimensions)`` ``float32``, the right singular vectors ``V``.
        embeddings: ``(n_items, dimensions)`` ``float32``, rows L2-normalised (all zero for an
            item without text).
    """

    vectors: ContentModel
    basis: np.ndarray
    embeddings: np.ndarray

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays for ``np.savez``; ``from_arrays`` restores the model."""
        return {
            **self.vectors.to_arrays(),
            "semantic_basis": self.basis,
            "semantic_embeddings": self.embeddings,
        }

    @classmethod
    def from_arrays(cls, arrays) -> SemanticModel:
        """Rebuild from ``to_arrays()`` output (or an ``np.load`` result)."""
        return cls(ContentModel.from_arrays(arrays), arrays["semantic_basis"], arrays["semantic_embeddings"])


def _normalised(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0).astype(np.float32)


def fit_semantic(
    tokens: list[list[str]], dimensions: int = DEFAULT_DIMENSIONS, *, rng: np.random.Generator
) -> SemanticModel:
    """Embed items by LSA of the TF-IDF vectors of their tokens.

    Args:
        tokens: one list of tokens per item (``content.item_tokens``: words, ``FIELD=value``).
        dimensions: embedding size, > 0; at most one less than the smaller side of the
            TF-IDF matrix is used (the full rank when it is smaller than that).
        rng: seeds the SVD's start vector, so the same catalogue gets the same embeddings.

    Returns:
        A ``SemanticModel``.

    Raises:
        ValueError: ``dimensions`` is not positive, or no item has a token.
    """
    if dimensions < 1:
        raise ValueError(f"dimensions must be positive, got {dimensions}")
    vectors = fit_content(tokens)
    matrix = vectors.features.astype(np.float64)
    if matrix.nnz == 0:
        raise ValueError("no item has a token: there is no text to embed")
    k = min(dimensions, min(matrix.shape) - 1)
    if k < 1:  # one item or one token: the TF-IDF vectors are the embeddings
        basis = np.eye(matrix.shape[1], dtype=np.float32)
        return SemanticModel(vectors, basis, _normalised(matrix.toarray()))
    start = rng.standard_normal(min(matrix.shape))
    u, s, vt = spla.svds(matrix, k=k, v0=start)
    order = np.argsort(-s, kind="stable")
    u, s, vt = u[:, order], s[order], vt[order]
    signs = np.where(vt[np.arange(k), np.abs(vt).argmax(axis=1)] < 0, -1.0, 1.0)  # a fixed sign per axis
    basis = (vt.T * signs).astype(np.float32)
    return SemanticModel(vectors, basis, _normalised(u * s * signs))


def embed(model: SemanticModel, tokens: list[list[str]]) -> np.ndarray:
    """Embeddings of other items (new ones) in a fitted model's space; unknown words count nothing.

    Returns:
        ``(len(tokens), dimensions)`` ``float32``, rows L2-normalised (zero without a known token).
    """
    return _normalised(np.asarray(transform(model.vectors, tokens) @ model.basis, dtype=np.float64))


def semantic_similarity(model: SemanticModel, neighbors: int = 100) -> ItemSimilarity:
    """Item×item cosine of the embeddings, the ``neighbors`` most similar (positive) per item.

    Returns:
        An ``ItemSimilarity`` with scores in (0, 1]; an item without text has no neighbours.
    """
    return item_similarity_from_baskets(
        sp.csr_matrix(model.embeddings.T), normalize="count", neighbors=neighbors
    )

"""Content similarity from item metadata: categories and description text, for items without events.

Collaborative models know nothing of an item nobody interacted with. Its metadata does: an item
is a bag of **tokens** — one per categorical value (``CATEGORY_L1=shoes``; a ``|`` separates
several values) and one per word of its textual fields — weighted by TF-IDF and L2-normalised,
so two items are as similar as the cosine of their vectors. A shopper's **profile** is the
weighted sum of the vectors of the items in their history; ``profile_scores`` ranks any item,
new or old, against it. That is the content-based half of the hybrid recommender of notebook 00.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .interactions import weighted_row_sum
from .similarity import ItemSimilarity, item_similarity_from_baskets

_WORD = re.compile(r"[a-z0-9]{3,}")
STOP_WORDS = frozenset(
    "and are but for from has have its not our the this that with you your was were will can all any "
    "into out one two more most than then them they their there these those also just very".split()
)
"""Words too common to tell items apart."""


def item_tokens(
    n_items: int,
    categorical: Mapping[str, Sequence[object]],
    textual: Mapping[str, Sequence[object]] | None = None,
) -> list[list[str]]:
    """The tokens of each item.

    Args:
        n_items: number of items (every column has this length).
        categorical: field name → one value per item (a string of ``|``-separated values, or None).
        textual: field name → one text per item (or None).

    Returns:
        One list of tokens per item: ``FIELD=value`` (lower-cased) and words (lower-cased, three
        or more letters or digits, no stop words).

    Raises:
        ValueError: a column does not have ``n_items`` values.
    """
    textual = textual or {}
    for name, column in {**categorical, **textual}.items():
        if len(column) != n_items:
            raise ValueError(f"column {name} has {len(column)} values, not n_items={n_items}")
    tokens: list[list[str]] = [[] for _ in range(n_items)]
    for name, column in categorical.items():
        for i, value in enumerate(column):
            if isinstance(value, str):
                tokens[i] += [f"{name}={v.strip().lower()}" for v in value.split("|") if v.strip()]
    for column in textual.values():
        for i, text in enumerate(column):
            if isinstance(text, str):
                tokens[i] += [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]
    return tokens


@dataclass(frozen=True)
class ContentModel:
    """TF-IDF item vectors.

    Attributes:
        vocabulary: the tokens, one per column.
        idf: ``float32`` inverse document frequency per token, ``log((1 + n) / (1 + df)) + 1``.
        features: ``(n_items, n_tokens)`` CSR matrix, rows L2-normalised (all zero for an item
            without metadata).
    """

    vocabulary: np.ndarray
    idf: np.ndarray
    features: sp.csr_matrix

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays for ``np.savez``; ``from_arrays`` restores the model."""
        f = self.features
        return {
            "content_vocabulary": self.vocabulary,
            "content_idf": self.idf,
            "content_data": f.data,
            "content_indices": f.indices,
            "content_indptr": f.indptr,
            "content_shape": np.asarray(f.shape, dtype=np.int64),
        }

    @classmethod
    def from_arrays(cls, arrays) -> ContentModel:
        """Rebuild from ``to_arrays()`` output (or an ``np.load`` result)."""
        shape = tuple(int(x) for x in arrays["content_shape"])
        features = sp.csr_matrix(
            (arrays["content_data"], arrays["content_indices"], arrays["content_indptr"]), shape=shape
        )
        return cls(np.asarray(arrays["content_vocabulary"], dtype=str), arrays["content_idf"], features)


def _vectors(tokens: list[list[str]], columns: Mapping[str, int], idf: np.ndarray) -> sp.csr_matrix:
    rows, cols = [], []
    for i, item in enumerate(tokens):
        known = [columns[t] for t in item if t in columns]
        rows += [i] * len(known)
        cols += known
    counts = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(tokens), len(idf)), dtype=np.float32
    )
    counts.sum_duplicates()
    weighted = sp.csr_matrix(counts.multiply(idf.reshape(1, -1)), dtype=np.float32)
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(scale.astype(np.float32)) @ weighted, dtype=np.float32)


def fit_content(tokens: list[list[str]]) -> ContentModel:
    """Fit TF-IDF vectors on the items' tokens (``item_tokens``)."""
    vocabulary = np.asarray(sorted({t for item in tokens for t in item}), dtype=str)
    columns = {t: j for j, t in enumerate(vocabulary.tolist())}
    df = np.zeros(len(vocabulary), dtype=np.float64)
    for item in tokens:
        for t in set(item):
            df[columns[t]] += 1
    idf = (np.log((1 + len(tokens)) / (1 + df)) + 1).astype(np.float32)
    return ContentModel(vocabulary, idf, _vectors(tokens, columns, idf))


def transform(model: ContentModel, tokens: list[list[str]]) -> sp.csr_matrix:
    """Vectors of other items (new ones) in a fitted model's vocabulary; unknown tokens count nothing."""
    columns = {t: j for j, t in enumerate(model.vocabulary.tolist())}
    return _vectors(tokens, columns, model.idf)


def profile_scores(
    features: sp.csr_matrix, history: np.ndarray, weights: np.ndarray, candidates: sp.csr_matrix | None = None
) -> np.ndarray:
    """Cosine similarity of items to a shopper's content profile.

    Args:
        features: the item vectors the history indexes (``ContentModel.features``).
        history: item indices of the shopper's events.
        weights: one weight per event (event type × recency).
        candidates: vectors of the items to score; ``features`` when None.

    Returns:
        ``float32`` array, one score in [0, 1] per candidate; all 0 for an empty history.
    """
    candidates = features if candidates is None else candidates
    if len(history) == 0:
        return np.zeros(candidates.shape[0], dtype=np.float32)
    profile = weighted_row_sum(features, np.asarray(history), np.asarray(weights, dtype=np.float32))
    norm = float(np.linalg.norm(profile))
    if norm == 0:
        return np.zeros(candidates.shape[0], dtype=np.float32)
    return np.asarray(candidates @ (profile / norm), dtype=np.float32).ravel()


def content_similarity(model: ContentModel, neighbors: int = 100) -> ItemSimilarity:
    """Item×item cosine similarity of the items' content vectors, top ``neighbors`` per item.

    The rows of ``model.features`` are L2-normalised, so the token-by-token co-occurrence of two
    items (tokens as "baskets") is the cosine of their vectors.

    Args:
        model: fitted content vectors (``fit_content``).
        neighbors: neighbours kept per item, > 0.

    Returns:
        An ``ItemSimilarity`` with scores in (0, 1]; an item without metadata has no neighbours.
    """
    return item_similarity_from_baskets(model.features.T.tocsr(), normalize="count", neighbors=neighbors)

"""Tests for helpers.recsys.semantic."""

import doctest

import numpy as np
import pytest

from helpers.recsys import semantic

# Six items on two topics; items 0 and 2 share no word, only the words around them ("trail").
TOKENS = [
    ["running", "shoe", "trail"],
    ["running", "sneaker", "trail"],
    ["hiking", "boot", "trail"],
    ["desk", "lamp", "light"],
    ["reading", "lamp", "light"],
    ["ceiling", "light", "bulb"],
]


def _model(dimensions=2):
    return semantic.fit_semantic(TOKENS, dimensions, rng=np.random.default_rng(0))


def test_docstring_example():
    assert doctest.testmod(semantic).failed == 0


def test_fit_semantic__unit_rows_and_shapes():
    model = _model()
    assert model.embeddings.shape == (6, 2) and model.basis.shape[1] == 2
    assert np.allclose(np.linalg.norm(model.embeddings, axis=1), 1.0, atol=1e-5)


def test_semantic_similarity__topics_stay_together():
    sims = semantic.semantic_similarity(_model(), neighbors=2)
    for item, topic in enumerate([0, 0, 0, 1, 1, 1]):
        neighbours = sims.matrix[item].indices
        assert len(neighbours) == 2
        assert all((n >= 3) == bool(topic) for n in neighbours), (item, neighbours)


def test_fit_semantic__deterministic():
    first, second = _model(), _model()
    assert np.array_equal(first.embeddings, second.embeddings)


def test_embed__a_new_item_lands_on_its_topic():
    model = _model()
    new = semantic.embed(model, [["lamp", "bulb"], ["unknown"]])
    assert np.argmax(model.embeddings @ new[0]) >= 3
    assert not new[1].any()  # no known word: a zero vector


def test_fit_semantic__small_catalogue_keeps_full_rank():
    model = semantic.fit_semantic([["a1x"], ["b2y"]], 8, rng=np.random.default_rng(0))
    assert model.embeddings.shape[0] == 2


@pytest.mark.parametrize(("tokens", "dimensions"), [([["x"]], 0), ([[], []], 2)])
def test_fit_semantic__bad_input(tokens, dimensions):
    with pytest.raises(ValueError, match="dimensions|no item has a token"):
        semantic.fit_semantic(tokens, dimensions, rng=np.random.default_rng(0))

"""Worked examples for the toy recommenders of notebook 00 (helpers.recsys.concepts)."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.recsys import concepts

ITEMS = [
    {"colour": "navy", "tags": ["outdoor", "warm"]},
    {"colour": "navy", "tags": ["outdoor"]},
    {"colour": "white", "tags": []},
]

USER_ITEM = np.array(
    [
        [1, 3, 0],  # shopper 0 touched items 0 and 1
        [0, 1, 1],  # shopper 1 touched items 1 and 2
        [3, 0, 0],  # shopper 2 touched item 0
    ]
)


def test_one_hot_attributes():
    matrix, features = concepts.one_hot_attributes(ITEMS, ["colour", "tags"])
    assert features == ["colour=navy", "colour=white", "tags=outdoor", "tags=warm"]
    np.testing.assert_array_equal(matrix, [[1, 0, 1, 1], [1, 0, 1, 0], [0, 1, 0, 0]])


def test_one_hot_attributes__missing_column():
    with pytest.raises(ValueError, match="item 1 has no attribute 'tags'"):
        concepts.one_hot_attributes([{"tags": ["a"]}, {"colour": "red"}], ["tags"])


@pytest.mark.parametrize("items, columns", [([], ["colour"]), (ITEMS, [])])
def test_one_hot_attributes__empty(items, columns):
    with pytest.raises(ValueError):
        concepts.one_hot_attributes(items, columns)


def test_cosine_similarity__known_vectors():
    similarity = concepts.cosine_similarity([[1, 1, 0], [1, 0, 0], [0, 0, 1], [2, 2, 0]])
    assert similarity[0, 1] == pytest.approx(1 / np.sqrt(2))  # one shared of 2 and 1
    assert similarity[0, 2] == 0.0  # nothing shared
    assert similarity[0, 3] == pytest.approx(1.0)  # same direction, different length
    np.testing.assert_allclose(np.diag(similarity), 1.0)
    np.testing.assert_allclose(similarity, similarity.T)


def test_cosine_similarity__zero_row():
    similarity = concepts.cosine_similarity([[1, 0], [0, 0]])
    np.testing.assert_array_equal(similarity[1], [0.0, 0.0])


@pytest.mark.parametrize(
    "matrix, message",
    [([1, 2], "2-D"), ([[1, -1]], "non-negative"), ([[1, np.nan]], "finite")],
)
def test_cosine_similarity__bad_matrix(matrix, message):
    with pytest.raises(ValueError, match=message):
        concepts.cosine_similarity(matrix)


def test_cooccurrence__counts():
    counts = concepts.cooccurrence(USER_ITEM)
    np.testing.assert_array_equal(counts, [[2, 1, 0], [1, 2, 1], [0, 1, 1]])
    assert counts.dtype.kind == "i"


def test_item_similarity_from_cooccurrence():
    similarity = concepts.item_similarity_from_cooccurrence(concepts.cooccurrence(USER_ITEM))
    assert similarity[0, 1] == pytest.approx(1 / 2)  # 1 / sqrt(2 * 2)
    assert similarity[1, 2] == pytest.approx(1 / np.sqrt(2))  # 1 / sqrt(2 * 1)
    assert similarity[0, 2] == 0.0
    np.testing.assert_allclose(np.diag(similarity), 1.0)


def test_item_similarity_from_cooccurrence__untouched_item():
    counts = concepts.cooccurrence([[1, 0], [1, 0]])
    np.testing.assert_array_equal(concepts.item_similarity_from_cooccurrence(counts)[1], [0.0, 0.0])


@pytest.mark.parametrize("counts, message", [([[1, 0, 0]], "square"), ([[1, 2], [0, 1]], "symmetric")])
def test_item_similarity_from_cooccurrence__bad_counts(counts, message):
    with pytest.raises(ValueError, match=message):
        concepts.item_similarity_from_cooccurrence(counts)


def test_user_profile__weighted_mean():
    features = np.array([[1, 0], [0, 1], [1, 1]])
    np.testing.assert_allclose(concepts.user_profile([1, 3, 0], features), [0.25, 0.75])
    np.testing.assert_array_equal(concepts.user_profile([0, 0, 0], features), [0.0, 0.0])


def test_score_content_based():
    features = np.array([[1, 0], [0, 1], [1, 1]])
    scores = concepts.score_content_based([1, 0, 0], features)  # profile [1, 0]
    np.testing.assert_allclose(scores, [1.0, 0.0, 1 / np.sqrt(2)])


def test_score_content_based__no_history():
    np.testing.assert_array_equal(concepts.score_content_based([0, 0], np.eye(2)), [0.0, 0.0])


def test_score_collaborative():
    similarity = np.array([[1.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 1.0]])
    scores = concepts.score_collaborative([1, 3, 0], similarity)
    np.testing.assert_allclose(scores, [(1 + 1.5) / 4, (0.5 + 3) / 4, 0.6 / 4])


@pytest.mark.parametrize(
    "row, message", [([1, 0], "3 entries"), ([1, -1, 0], "non-negative"), ([[1, 0, 0]], "1-D")]
)
def test_score_collaborative__bad_row(row, message):
    with pytest.raises(ValueError, match=message):
        concepts.score_collaborative(row, np.eye(3))


def test_score_content_based__shape_mismatch():
    with pytest.raises(ValueError, match="user_row must have 3 entries"):
        concepts.score_content_based([1, 0], np.eye(3))


def test_blend_scores():
    a, b = np.array([1.0, 0.0]), np.array([0.0, 0.4])
    np.testing.assert_allclose(concepts.blend_scores(a, b, 0.25), [0.25, 0.3])
    np.testing.assert_array_equal(concepts.blend_scores(a, b, 1), a)
    np.testing.assert_array_equal(concepts.blend_scores(a, b, 0), b)


@pytest.mark.parametrize("weight", [-0.1, 1.5])
def test_blend_scores__bad_weight(weight):
    with pytest.raises(ValueError, match="weight must be in"):
        concepts.blend_scores([1.0], [0.0], weight)


def test_blend_scores__shape_mismatch():
    with pytest.raises(ValueError, match="b must have 2 entries"):
        concepts.blend_scores([1.0, 0.0], [0.0], 0.5)


def test_top_k__ties_by_index():
    assert concepts.top_k([0.5, 0.9, 0.5, 0.9, 0.1], 4) == [1, 3, 0, 2]


def test_top_k__exclude_and_short():
    assert concepts.top_k([0.5, 0.9, 0.7], 2, exclude=[1]) == [2, 0]
    assert concepts.top_k([0.5, 0.9, 0.7], 5, exclude=[0, 1]) == [2]


@pytest.mark.parametrize(
    "scores, k, exclude, message",
    [
        ([0.1, 0.2], 0, (), "k must be"),
        ([0.1, 0.2], 1.5, (), "k must be"),
        ([0.1, 0.2], True, (), "k must be"),
        ([0.1, 0.2], 1, [2], "outside"),
        ([[0.1, 0.2]], 1, (), "1-D"),
        ([0.1, np.nan], 1, (), "finite"),
    ],
)
def test_top_k__bad_arguments(scores, k, exclude, message):
    with pytest.raises(ValueError, match=message):
        concepts.top_k(scores, k, exclude=exclude)

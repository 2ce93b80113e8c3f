"""Tests for helpers.recsys.personalization (EASE and item-kNN)."""

import io

import numpy as np
import pytest
import scipy.sparse as sp

from helpers.recsys import interactions, personalization

# Users 0-2 like items {0, 1, 2}; users 3-4 like {3, 4}; item 5 is seen once.
USERS = np.array([0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 4])
ITEMS = np.array([0, 1, 2, 0, 1, 1, 2, 3, 4, 3, 4, 5])


@pytest.fixture
def matrix():
    return interactions.build_user_item_matrix(USERS, ITEMS, 5, 6)


def test_ease_matches_closed_form(matrix):
    model = personalization.fit_ease(matrix, l2=2.0)
    x = matrix.toarray().astype(np.float64)
    p = np.linalg.inv(x.T @ x + 2.0 * np.eye(6))
    b = -p / np.diag(p)
    np.fill_diagonal(b, 0.0)
    np.testing.assert_allclose(model.weights, b, atol=1e-5)
    assert model.method == "ease"


def test_ease_recommends_within_cluster(matrix):
    model = personalization.fit_ease(matrix, l2=1.0)
    idx, _ = personalization.recommend(model, [0], 2, exclude=[0])
    assert set(idx) == {1, 2}


def test_item_knn_neighbours_are_sparse_cosine(matrix):
    model = personalization.fit_item_knn(matrix, neighbors=2)
    w = model.weights.toarray()
    # Items 0 and 1 share users 0 and 1: cosine 2 / (sqrt(2) * sqrt(3)).
    np.testing.assert_allclose(w[0, 1], 2 / np.sqrt(6), rtol=1e-6)
    assert model.weights.getnnz(axis=1).max() <= 2
    assert w[0, 3] == 0  # no shared users across clusters


def test_recommend_excludes_and_fills_with_popularity(matrix):
    model = personalization.fit_item_knn(matrix, neighbors=5)
    # History {3} reaches 4 and 5 only; then popularity fills: item 1 (3 users), 0 and 2 (2 each).
    idx, scores = personalization.recommend(model, [3], 5, exclude=[3])
    np.testing.assert_array_equal(idx, [4, 5, 1, 0, 2])
    np.testing.assert_array_equal(scores[2:], [0, 0, 0])


def test_recommend_cold_user_gets_popularity(matrix):
    model = personalization.fit_ease(matrix)
    idx, _ = personalization.recommend(model, [], 3)
    np.testing.assert_array_equal(idx, [1, 0, 2])  # 3 users, then ties of 2 users broken by index


def test_recommend_ties_broken_by_lower_index():
    # Items 1 and 2 are perfectly symmetric with respect to item 0.
    m = interactions.build_user_item_matrix([0, 0, 1, 1], [0, 1, 0, 2], 2, 3)
    model = personalization.fit_item_knn(m)
    idx, scores = personalization.recommend(model, [0], 2, exclude=[0])
    np.testing.assert_array_equal(idx, [1, 2])
    assert scores[0] == scores[1]


def test_history_weights_change_ranking(matrix):
    model = personalization.fit_item_knn(matrix)
    idx_a, _ = personalization.recommend(model, [0, 3], 1, history_weights=[1.0, 0.1], exclude=[0, 3])
    idx_b, _ = personalization.recommend(model, [0, 3], 1, history_weights=[0.1, 1.0], exclude=[0, 3])
    assert idx_a[0] in (1, 2) and idx_b[0] in (4, 5)


def test_recommend_batch_matches_single(matrix):
    for method in ("ease", "item_knn"):
        model = personalization.fit_personalization(matrix, method=method)
        batch = personalization.recommend_batch(model, matrix, 3, batch_size=2)
        for u in range(5):
            hist = matrix.indices[matrix.indptr[u] : matrix.indptr[u + 1]]
            single, _ = personalization.recommend(model, hist, 3, exclude=hist)
            np.testing.assert_array_equal(batch[u, : len(single)], single)


def test_auto_picks_by_catalogue_size(matrix):
    assert personalization.fit_personalization(matrix).method == "ease"
    assert personalization.fit_personalization(matrix, max_ease_items=5).method == "item_knn"


@pytest.mark.parametrize("method", ["ease", "item_knn"])
def test_save_and_load_round_trip(matrix, method):
    model = personalization.fit_personalization(matrix, method=method)
    buf = io.BytesIO()
    np.savez(buf, **model.to_arrays())
    buf.seek(0)
    loaded = personalization.PersonalizationModel.from_arrays(np.load(buf))
    assert loaded.method == method
    a = personalization.recommend(model, [0, 3], 4)
    b = personalization.recommend(loaded, [0, 3], 4)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1])


def test_deterministic_on_random_data():
    rng = np.random.default_rng(3)
    m = interactions.build_user_item_matrix(rng.integers(0, 60, 900), rng.integers(0, 40, 900), 60, 40)
    for method in ("ease", "item_knn"):
        a = personalization.recommend_batch(personalization.fit_personalization(m, method=method), m, 10)
        b = personalization.recommend_batch(personalization.fit_personalization(m, method=method), m, 10)
        np.testing.assert_array_equal(a, b)


def test_bad_arguments(matrix):
    with pytest.raises(ValueError, match="l2 must be > 0"):
        personalization.fit_ease(matrix, l2=0)
    with pytest.raises(ValueError, match="method must be one of"):
        personalization.fit_personalization(matrix, method="als")
    with pytest.raises(TypeError, match="user_item must be a scipy.sparse matrix"):
        personalization.fit_ease([[1, 0]])
    with pytest.raises(ValueError, match="user_item must be >= 0"):
        personalization.fit_ease(sp.csr_matrix(np.array([[1.0, -1.0]])))
    model = personalization.fit_ease(matrix)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        personalization.recommend(model, [0], 0)
    with pytest.raises(ValueError, match="user_history must be < 6"):
        personalization.recommend(model, [6], 3)
    with pytest.raises(ValueError, match="history_weights must have the length"):
        personalization.recommend(model, [0, 1], 3, history_weights=[1.0])
    with pytest.raises(ValueError, match="exclude must be < 6"):
        personalization.recommend(model, [0], 3, exclude=[10])


def test_rank_scores_is_recommend_from_precomputed_scores(matrix):
    model = personalization.fit_ease(matrix)
    scores = personalization.score_items(model, [3, 3, 0], [1.0, 2.0, 0.5])
    expected = personalization.recommend(model, [3, 3, 0], 4, history_weights=[1.0, 2.0, 0.5], exclude=[3])
    got = personalization.rank_scores(model, scores, 4, exclude=[3])
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])
    assert model.weights.flags["C_CONTIGUOUS"]  # row gathers at serving time read contiguous memory
    with pytest.raises(ValueError, match="scores must have shape"):
        personalization.rank_scores(model, scores[:3], 2)


def test_fit_ease_growing_equals_fitting_each_matrix(monkeypatch):
    rng = np.random.default_rng(5)
    n_events = 6000
    users, items = rng.integers(0, 300, n_events), rng.integers(0, 80, n_events)
    event_weights = rng.choice(np.array([1, 2, 4], dtype=np.float32), n_events)
    decayed = event_weights * rng.uniform(0.1, 1.0, n_events).astype(np.float32)

    def up_to(stop, weights):
        return interactions.build_user_item_matrix(users[:stop], items[:stop], 300, 80, weights[:stop])

    growing = [up_to(stop, event_weights) for stop in (3000, 4000, 4001, 6000)]
    # a shrinking step and non-integer weights have their Gram rebuilt
    mixed = [growing[1], growing[0], up_to(4000, decayed), up_to(6000, decayed), growing[3]]
    gram_builds = []
    dense_gram = personalization._dense_gram
    monkeypatch.setattr(personalization, "_dense_gram", lambda x: gram_builds.append(x) or dense_gram(x))
    for matrices, builds in ((growing, 1), (mixed, 5)):
        gram_builds.clear()
        for grown, x in zip(personalization.fit_ease_growing(matrices, l2=30.0), matrices, strict=True):
            fresh = personalization.fit_ease(x, l2=30.0)
            np.testing.assert_array_equal(grown.weights, fresh.weights)
            np.testing.assert_array_equal(grown.popularity, fresh.popularity)
        assert len(gram_builds) == builds + len(matrices)  # fit_ease builds one each

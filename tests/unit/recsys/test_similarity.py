"""Tests for helpers.recsys.similarity on a hand-counted example.

Baskets (users): u0 = {0, 1}, u1 = {0, 1, 2}, u2 = {2, 3}.
Co-occurrence: c01 = 2, c02 = 1, c12 = 1, c23 = 1; item counts n = (2, 2, 2, 1).
Cosine: s01 = 2/2 = 1, s02 = s12 = 1/2, s23 = 1/sqrt(2).
Jaccard: j01 = 2/(2+2-2) = 1, j02 = j12 = 1/3, j23 = 1/(2+1-1) = 1/2.
"""

import io

import numpy as np
import pytest

from helpers.recsys import similarity

USERS = np.array([0, 0, 1, 1, 1, 2, 2])
ITEMS = np.array([0, 1, 0, 1, 2, 2, 3])


def dense(model):
    return model.matrix.toarray()


def test_co_view_count():
    m = similarity.fit_co_view(USERS, ITEMS, 4, normalize="count")
    expected = np.array([[0, 2, 1, 0], [2, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]])
    np.testing.assert_array_equal(dense(m), expected)


def test_co_view_cosine():
    m = similarity.fit_co_view(USERS, ITEMS, 4)
    r = 1 / np.sqrt(2)
    expected = np.array([[0, 1, 0.5, 0], [1, 0, 0.5, 0], [0.5, 0.5, 0, r], [0, 0, r, 0]])
    np.testing.assert_allclose(dense(m), expected, rtol=1e-6)


def test_popularity_discount_moves_between_counts_and_cosine():
    counts = np.array([[0, 2, 1, 0], [2, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]])
    sizes = np.array([2, 2, 2, 1])  # baskets of each item
    raw = similarity.fit_co_view(USERS, ITEMS, 4, popularity_discount=0.0)
    np.testing.assert_allclose(dense(raw), counts, rtol=1e-6)
    strong = similarity.fit_co_view(USERS, ITEMS, 4, popularity_discount=1.0)
    np.testing.assert_allclose(dense(strong), counts / np.outer(sizes, sizes), rtol=1e-6)
    with pytest.raises(ValueError, match="popularity_discount"):
        similarity.fit_co_view(USERS, ITEMS, 4, popularity_discount=1.5)


def test_co_view_jaccard():
    m = similarity.fit_co_view(USERS, ITEMS, 4, normalize="jaccard")
    expected = np.array([[0, 1, 1 / 3, 0], [1, 0, 1 / 3, 0], [1 / 3, 1 / 3, 0, 0.5], [0, 0, 0.5, 0]])
    np.testing.assert_allclose(dense(m), expected, rtol=1e-6)


def test_neighbors_cap_breaks_ties_by_lower_index():
    m = similarity.fit_co_view(USERS, ITEMS, 4, neighbors=2, block_size=1)
    # Item 2's neighbours: 3 (0.707), then 0 and 1 tie at 0.5: item 0 is kept.
    np.testing.assert_array_equal(np.flatnonzero(dense(m)[2]), [0, 3])
    assert m.matrix.getnnz(axis=1).max() == 2


def test_min_count_drops_rare_pairs():
    m = similarity.fit_co_view(USERS, ITEMS, 4, normalize="count", min_count=2)
    assert m.matrix.nnz == 2  # only the pair (0, 1) shares two baskets


def test_similar_items_ranks_and_excludes_query():
    m = similarity.fit_co_view(USERS, ITEMS, 4)
    idx, scores = similarity.similar_items(m, 2, 5)
    np.testing.assert_array_equal(idx, [3, 0, 1])
    np.testing.assert_allclose(scores, [1 / np.sqrt(2), 0.5, 0.5], rtol=1e-6)
    idx, _ = similarity.similar_items(m, [0, 1], 5)
    np.testing.assert_array_equal(idx, [2])  # 0 and 1 are the query; 3 is unrelated
    idx, _ = similarity.similar_items(m, 2, 5, exclude=[3])
    np.testing.assert_array_equal(idx, [0, 1])


def test_sessions_split_co_occurrence():
    # One user views 0 and 1 together, then 2 a day later: 2 is not co-viewed with them.
    users = np.zeros(3, dtype=int)
    ts = np.array([0, 60, 86_400])
    m = similarity.fit_co_view(
        users, [0, 1, 2], 3, timestamps=ts, session_gap_seconds=1800, normalize="count"
    )
    np.testing.assert_array_equal(dense(m), [[0, 1, 0], [1, 0, 0], [0, 0, 0]])
    sessions, n = similarity.sessionize(users, ts, 1800)
    np.testing.assert_array_equal(sessions, [0, 0, 1])
    assert n == 2


def test_co_purchase_uses_only_purchase_events():
    codes = np.array([1, 1, 0, 0, 1, 1, 1])  # 1 = Purchase
    m = similarity.fit_co_purchase(USERS, ITEMS, 4, event_codes=codes, event_code=1, normalize="count")
    # Purchases: u0 {0, 1}, u1 {2}, u2 {2, 3}.
    expected = np.array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
    np.testing.assert_array_equal(dense(m), expected)


def test_deterministic_and_round_trip():
    rng = np.random.default_rng(7)
    users, items = rng.integers(0, 40, 400), rng.integers(0, 30, 400)
    a = similarity.fit_co_view(users, items, 30, neighbors=5, block_size=7)
    b = similarity.fit_co_view(users, items, 30, neighbors=5, block_size=30)
    np.testing.assert_array_equal(dense(a), dense(b))
    buf = io.BytesIO()
    np.savez(buf, **a.to_arrays())
    buf.seek(0)
    loaded = similarity.ItemSimilarity.from_arrays(np.load(buf))
    np.testing.assert_array_equal(dense(loaded), dense(a))


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"normalize": "lift"}, "normalize must be one of"),
        ({"neighbors": 0}, "neighbors must be a positive integer"),
        ({"session_gap_seconds": 60}, "timestamps is required"),
        ({"event_code": 1}, "event_codes is required"),
    ],
)
def test_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        similarity.fit_co_view(USERS, ITEMS, 4, **kwargs)


def test_similar_items_out_of_range():
    m = similarity.fit_co_view(USERS, ITEMS, 4)
    with pytest.raises(ValueError, match="items must be < 4"):
        similarity.similar_items(m, 9, 3)


def test_one_item_reads_its_row_as_the_sparse_product_would():
    import scipy.sparse as sp

    from helpers.recsys.interactions import top_k

    matrix = sp.random(40, 40, density=0.3, random_state=7, dtype=np.float32, format="csr")
    matrix.setdiag(0)
    matrix.eliminate_zeros()
    model = similarity.ItemSimilarity(matrix)
    for item in range(40):
        scores = np.asarray(matrix[[item]].T @ np.ones(1, dtype=np.float32)).ravel().astype(np.float64)
        scores[scores <= 0] = -np.inf
        scores[item] = -np.inf
        expected = top_k(scores, 12, exclude=[3])
        got = similarity.similar_items(model, item, 12, exclude=[3])
        np.testing.assert_array_equal(got[0], expected[0])
        np.testing.assert_array_equal(got[1], expected[1])


def test_filled_baskets_give_the_sparse_products_neighbours(monkeypatch):
    filled = np.random.default_rng(8).standard_normal((16, 70)).astype(np.float32)
    filled[:, 5] = 0.0  # an item without text: no neighbours either way
    assert filled.size * similarity.DENSE_SHARE < np.count_nonzero(filled)
    dense = similarity.item_similarity_from_baskets(filled, normalize="count", neighbors=9, block_size=32)
    monkeypatch.setattr(similarity, "DENSE_SHARE", 1.0)  # never dense: the sparse product
    sparse = similarity.item_similarity_from_baskets(filled, normalize="count", neighbors=9, block_size=32)
    for part in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(dense.matrix, part), getattr(sparse.matrix, part))

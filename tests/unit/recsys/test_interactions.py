"""Tests for helpers.recsys.interactions: matrix building, weights and top-k."""

import numpy as np
import pytest

from helpers.recsys import interactions


def test_build_user_item_matrix_sums_event_weights():
    weights = interactions.event_weights(["View", "View", "Purchase", "AddToCart"])
    m = interactions.build_user_item_matrix([0, 0, 0, 1], [2, 2, 2, 0], 2, 3, weights)
    # Two views (1 + 1) and a purchase (4) of item 2 by user 0; one add-to-cart (2) by user 1.
    np.testing.assert_array_equal(m.toarray(), [[0, 0, 6], [2, 0, 0]])


def test_build_user_item_matrix_binary():
    m = interactions.build_user_item_matrix([0, 0, 1], [1, 1, 0], 2, 2, binary=True)
    np.testing.assert_array_equal(m.toarray(), [[0, 1], [1, 0]])


def test_event_weights_custom_and_default():
    w = interactions.event_weights(["Click", "Buy"], {"Click": 1, "Buy": 10})
    np.testing.assert_array_equal(w, [1, 10])
    w = interactions.event_weights(["Rate"], {"Click": 1}, default=0.5)
    np.testing.assert_array_equal(w, [0.5])


def test_event_weights_unknown_type_names_argument():
    with pytest.raises(ValueError, match="event_types has 'Rate'"):
        interactions.event_weights(["Rate"])


def test_recency_weights_half_life():
    day = interactions.SECONDS_PER_DAY
    w = interactions.recency_weights([10 * day, 3 * day, 11 * day], reference_time=10 * day, half_life_days=7)
    np.testing.assert_allclose(w, [1.0, 0.5, 1.0])


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"user_idx": [0, 5], "n_users": 2}, "user_idx"),
        ({"item_idx": [-1, 0], "n_items": 3}, "item_idx"),
        ({"n_users": 0}, "n_users"),
        ({"weights": [1.0, -1.0]}, "weights"),
        ({"weights": [1.0]}, "same length"),
    ],
)
def test_build_user_item_matrix_bad_arguments(kwargs, name):
    args = {"user_idx": [0, 1], "item_idx": [0, 1], "n_users": 2, "n_items": 3} | kwargs
    with pytest.raises(ValueError, match=name):
        interactions.build_user_item_matrix(**args)


def test_top_k_breaks_ties_by_lower_index_and_excludes():
    scores = np.array([1.0, 3.0, 3.0, 2.0, 3.0])
    idx, vals = interactions.top_k(scores, 3)
    np.testing.assert_array_equal(idx, [1, 2, 4])
    np.testing.assert_array_equal(vals, [3, 3, 3])
    idx, _ = interactions.top_k(scores, 3, exclude=[2])
    np.testing.assert_array_equal(idx, [1, 4, 3])


def test_top_k_returns_fewer_when_fewer_eligible():
    idx, _ = interactions.top_k(np.array([1.0, -np.inf, 2.0]), 5, exclude=[0])
    np.testing.assert_array_equal(idx, [2])


def test_top_k_bad_k():
    with pytest.raises(ValueError, match="k must be a positive integer"):
        interactions.top_k(np.zeros(3), 0)


def test_count_percentile_mask_keeps_keys_between_the_percentiles():
    # user 0: 1 event, user 1: 2, user 2: 3, user 3: 10
    keys = np.repeat([0, 1, 2, 3], [1, 2, 3, 10])
    assert interactions.count_percentile_mask(keys).all()
    # quantile(0.25) of [1, 2, 3, 10] = 1.75, quantile(0.75) = 4.75: users 1 and 2 stay
    kept = interactions.count_percentile_mask(keys, 0.25, 0.75)
    np.testing.assert_array_equal(np.unique(keys[kept]), [1, 2])


def test_count_percentile_mask_rejects_bad_percentiles():
    with pytest.raises(ValueError, match="percentiles"):
        interactions.count_percentile_mask([0, 1], 0.6, 0.4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_weighted_row_sum_adds_as_the_sparse_product_does(dtype):
    import scipy.sparse as sp

    rng = np.random.default_rng(11)
    matrix = sp.random(300, 80, density=0.2, random_state=4, dtype=np.float32, format="csr")
    for size in (1, 7, 60, 400):  # repeats, in any order, as a shopper's events come
        rows = rng.integers(0, 300, size)
        weights = (rng.random(size) * 1000).astype(dtype)
        expected = np.asarray(matrix[rows].T @ weights).ravel()
        got = interactions.weighted_row_sum(matrix, rows, weights)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)  # to the bit: rankings read these scores
    assert not interactions.weighted_row_sum(matrix, np.empty(0, dtype=np.int64), np.empty(0, dtype)).any()


def test_sorted_unique_is_numpys_unique():
    rng = np.random.default_rng(12)
    for values in (rng.integers(0, 10**9, 5_000), rng.integers(0, 7, 300), np.empty(0, dtype=np.int64)):
        got = interactions.sorted_unique(values)
        assert got.dtype == values.dtype
        np.testing.assert_array_equal(got, np.unique(values))

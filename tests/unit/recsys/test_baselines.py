"""Tests for helpers.recsys.baselines, each against a small worked example."""

import numpy as np
import pytest
import scipy.sparse as sp

from helpers.recsys import baselines

# Two shoppers, five items: shopper 0 saw items 0 and 1, shopper 1 nothing.
HISTORY = sp.csr_matrix(np.array([[3.0, 1.0, 0, 0, 0], [0, 0, 0, 0, 0]]))


def test_rank_rows_leaves_out_history_breaks_ties_and_pads():
    scores = np.array([[9.0, 8.0, 1.0, 1.0, -np.inf], [0.0, 2.0, 2.0, 1.0, 3.0]])
    got = baselines.rank_rows(scores, HISTORY, 4)
    # Shopper 0: items 0, 1 seen, 4 never eligible; 2 and 3 tie (lower index first), then padding.
    assert got.tolist() == [[2, 3, -1, -1], [4, 1, 2, 3]]
    with pytest.raises(ValueError, match="shape"):
        baselines.rank_rows(scores[:1], HISTORY, 2)


def test_random_batch_is_seeded_and_never_repeats_history():
    a = baselines.random_batch(np.random.default_rng(1), HISTORY, 3)
    b = baselines.random_batch(np.random.default_rng(1), HISTORY, 3)
    assert a.tolist() == b.tolist()
    assert not set(a[0]) & {0, 1}
    assert all(len(set(row)) == 3 for row in a)
    with pytest.raises(TypeError, match="rng"):
        baselines.random_batch(1, HISTORY, 3)


def test_popular_batch():
    got = baselines.popular_batch([5, 4, 3, 3, 1], HISTORY, 3)
    assert got.tolist() == [[2, 3, 4], [0, 1, 2]]
    with pytest.raises(ValueError, match="item_scores"):
        baselines.popular_batch([1, 2], HISTORY, 3)


def test_category_popular_batch_follows_the_users_category_mix():
    # Items 0-2 in category 0, items 3-4 in category 1; sales per item below.
    sales = [6.0, 3.0, 1.0, 2.0, 8.0]
    category = [0, 0, 0, 1, 1]
    # Shopper 0 spends 3/4 of their weight on category 0, 1/4 on category 1 (items 0 and 3):
    # scores 3/4 × (6, 3, 1)/10 = (.45, .225, .075) and 1/4 × (2, 8)/10 = (.05, .2).
    history = sp.csr_matrix(np.array([[3.0, 0, 0, 1.0, 0], [0, 0, 0, 0, 0]]))
    got = baselines.category_popular_batch(sales, category, history, 3)
    assert got[0].tolist() == [1, 4, 2]  # 0 and 3 were seen
    # No history: the overall best sellers.
    assert got[1].tolist() == [4, 0, 1]
    with pytest.raises(ValueError, match=">= 0"):
        baselines.category_popular_batch([-1.0, 0, 0, 0, 0], category, history, 3)

"""Unit tests of user segments and their metrics, on worked examples."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.recsys import segments

# 4 users × 3 items
SCORES = np.array(
    [
        [0.9, 0.1, 0.0],
        [0.2, 0.8, 0.4],
        [0.2, 0.3, 0.9],
        [0.0, 0.0, 0.0],
    ],
    dtype=np.float32,
)


def test_segment_scores__mean_over_the_query_items():
    np.testing.assert_allclose(segments.segment_scores(SCORES, [1, 2]), [0.05, 0.6, 0.6, 0.0], rtol=1e-6)
    with pytest.raises(ValueError, match="items"):
        segments.segment_scores(SCORES, [])


def test_top_users__best_first_ties_by_index():
    assert segments.top_users(segments.segment_scores(SCORES, [1, 2]), 3).tolist() == [1, 2, 0]
    assert segments.top_users(np.array([0.5, 0.5]), 5).tolist() == [0, 1]  # at most every user
    with pytest.raises(ValueError, match="k"):
        segments.top_users(SCORES[:, 0], 0)


def test_top_k__one_percent_at_least_one():
    assert (segments.top_k(50), segments.top_k(100), segments.top_k(6_000), segments.top_k(6_001)) == (
        1,
        1,
        60,
        61,
    )


def test_hit_at_k():
    assert segments.hit_at_k([3, 7], [5, 7, 1], 2) == 1.0
    assert segments.hit_at_k([3, 7], [5, 7, 1], 1) == 0.0


def test_evaluate_segments__worked_example():
    # 4 users → K = 1. Item 0: top user 0, actual {0} → hit 1, recall 1.
    # Item 2: top user 2, actual {1, 3} → hit 0, recall 0. Item 1 has no actual users: skipped.
    got = segments.evaluate_segments(SCORES, [np.array([0]), np.array([2]), np.array([1])], [[0], [1, 3], []])
    assert got == {"coverage": 0.5, "hit_at_1_percent": 0.5, "recall_at_1_percent": 0.5}
    assert segments.evaluate_segments(SCORES, [np.array([0])], [[]]) == {}

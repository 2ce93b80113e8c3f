"""Tests for helpers.recsys.metrics, each against a worked example."""

import math

import numpy as np
import pytest

from helpers.recsys import metrics


def test_precision_at_k():
    # 2 of the top 5 (items 7 and 3) are relevant.
    assert metrics.precision_at_k([3, 7], [7, 1, 3, 4, 5], 5) == pytest.approx(0.4)
    # Only the top 2 count; fewer recommendations than k still divide by k.
    assert metrics.precision_at_k([3, 7], [7, 1, 3], 2) == pytest.approx(0.5)
    assert metrics.precision_at_k([3], [3], 10) == pytest.approx(0.1)


def test_recall_at_k():
    assert metrics.recall_at_k([3, 7, 9], [7, 1, 3], 3) == pytest.approx(2 / 3)
    assert metrics.recall_at_k([3, 7, 9], [7, 1, 3], 1) == pytest.approx(1 / 3)
    assert metrics.recall_at_k([], [1, 2], 2) == 0.0


def test_ndcg_at_k():
    # DCG = 1/log2(3) + 1/log2(4) = 0.6309 + 0.5; IDCG = 1 + 0.6309.
    expected = (1 / math.log2(3) + 0.5) / (1 + 1 / math.log2(3))
    assert metrics.ndcg_at_k([3, 7], [1, 7, 3], 3) == pytest.approx(expected)
    assert expected == pytest.approx(0.6934, abs=1e-4)
    # Perfect ranking scores 1; ideal is capped at k relevant items.
    assert metrics.normalized_discounted_cumulative_gain_at_k([1, 2, 3], [1, 2], 2) == pytest.approx(1.0)
    assert metrics.ndcg_at_k([5], [1, 2, 3], 3) == 0.0


def test_reciprocal_rank_at_k():
    assert metrics.reciprocal_rank_at_k([3], [5, 8, 3], 25) == pytest.approx(1 / 3)
    assert metrics.reciprocal_rank_at_k([3, 8], [5, 8, 3], 25) == pytest.approx(1 / 2)
    assert metrics.reciprocal_rank_at_k([3], [5, 8, 3], 2) == 0.0


def test_duplicates_and_padding_never_count_twice():
    assert metrics.precision_at_k([1], [1, 1, -1], 3) == pytest.approx(1 / 3)
    assert metrics.precision_at_k([-1], [-1, 2], 2) == 0.0


def test_coverage():
    assert metrics.coverage([[0, 1, -1], [1, 2]], 10) == pytest.approx(0.3)
    with pytest.raises(ValueError, match="not < n_items"):
        metrics.coverage([[0, 12]], 10)


def test_evaluate_returns_personalize_keys_and_worked_values():
    truths = [[0], [5, 6]]
    recs = [list(range(25)), [9, 5] + list(range(10, 33))]
    result = metrics.evaluate(truths, recs, 40)
    assert list(result) == list(metrics.PERSONALIZE_METRIC_KEYS)
    assert set(result) == {
        "coverage",
        "mean_reciprocal_rank_at_25",
        "normalized_discounted_cumulative_gain_at_5",
        "normalized_discounted_cumulative_gain_at_10",
        "normalized_discounted_cumulative_gain_at_25",
        "precision_at_5",
        "precision_at_10",
        "precision_at_25",
    }
    # User 1: hit at rank 1. User 2: item 5 at rank 2 of truth {5, 6}.
    assert result["mean_reciprocal_rank_at_25"] == pytest.approx((1 + 0.5) / 2)
    ndcg_user2 = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert result["normalized_discounted_cumulative_gain_at_5"] == pytest.approx((1 + ndcg_user2) / 2)
    assert result["precision_at_5"] == pytest.approx((1 / 5 + 1 / 5) / 2)
    assert result["precision_at_25"] == pytest.approx((1 / 25 + 1 / 25) / 2)
    # Distinct items: 0..24 and 9, 5, 10..32 -> 0..32 = 33 of 40.
    assert result["coverage"] == pytest.approx(33 / 40)


def test_mean_at_k_skips_users_without_truth_and_checks_lengths():
    assert metrics.mean_at_k(metrics.precision_at_k, [[1], []], [[1], [2]], 1) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="truths and recs must have the same length"):
        metrics.mean_at_k(metrics.precision_at_k, [[1]], [[1], [2]], 1)


def test_bad_k():
    with pytest.raises(ValueError, match="k must be a positive integer"):
        metrics.precision_at_k([1], [1], 0)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        metrics.ndcg_at_k([1], np.array([1]), -3)


def _random_cases(seed: int, n_cases: int):
    """Random ``(truths, recs, n_items, k)``: padding, repeats, empty and long truths, ragged lists."""
    rng = np.random.default_rng(seed)
    for case in range(n_cases):
        n_items, n_users, k = (int(v) for v in rng.integers(1, [60, 50, 40]))
        truths = [rng.integers(0, n_items, size=rng.integers(0, 35)) for _ in range(n_users)]
        if case % 2:  # ragged: lists shorter and longer than k
            recs = [rng.integers(-1, n_items, size=rng.integers(0, 45)) for _ in range(n_users)]
        else:
            recs = rng.integers(-1, n_items, size=(n_users, rng.integers(0, 45)))
        for truth, rec in zip(truths[::4], recs[::4], strict=False):  # many hits
            n = min(len(truth), len(rec))
            rec[:n] = truth[:n]
        if case == 2:  # no recommendations at all
            recs = np.empty((n_users, 0), dtype=np.int64)
        yield truths, recs, n_items, k


def _assert_bitwise_equal(got: dict, expected: dict) -> None:
    assert got == expected
    assert {key: float(v).hex() for key, v in got.items()} == {key: v.hex() for key, v in expected.items()}


def test_evaluate_equals_the_per_user_definitions():
    """``evaluate`` gives exactly (bit for bit) the means of the per-user functions."""
    for truths, recs, n_items, _ in _random_cases(seed=0, n_cases=120):
        expected = {"coverage": metrics.coverage(recs, n_items)}
        expected["mean_reciprocal_rank_at_25"] = metrics.mean_at_k(
            metrics.reciprocal_rank_at_k, truths, recs, 25
        )
        for k in (5, 10, 25):
            expected[f"normalized_discounted_cumulative_gain_at_{k}"] = metrics.mean_at_k(
                metrics.normalized_discounted_cumulative_gain_at_k, truths, recs, k
            )
            expected[f"precision_at_{k}"] = metrics.mean_at_k(metrics.precision_at_k, truths, recs, k)
        _assert_bitwise_equal(metrics.evaluate(truths, recs, n_items), expected)
    _assert_bitwise_equal(metrics.evaluate([], [], 2), dict.fromkeys(metrics.PERSONALIZE_METRIC_KEYS, 0.0))
    assert set(metrics.evaluate([[]], [[1]], 2).values()) == {0.0, 0.5}  # coverage only


def test_extra_metrics_equal_the_per_user_definitions():
    """``extra_metrics`` gives exactly (bit for bit) the means of the per-user functions."""
    rng = np.random.default_rng(1)
    for case, (truths, recs, n_items, k) in enumerate(_random_cases(seed=1, n_cases=120)):
        n_users = int(rng.integers(1, 60))
        item_users = rng.integers(0, 2 * n_users, n_items)  # some items known to everyone: 0 bits
        item_category = rng.integers(0, rng.integers(1, 8), n_items)
        if case % 3 == 0:
            item_category = np.array(list("abcde"))[item_category % 5]
        expected = {
            f"recall_at_{k}": metrics.mean_at_k(metrics.recall_at_k, truths, recs, k),
            f"mean_average_precision_at_{k}": metrics.mean_at_k(
                metrics.average_precision_at_k, truths, recs, k
            ),
            f"novelty_at_{k}": float(np.mean([metrics.novelty_at_k(r, item_users, n_users, k) for r in recs]))
            if len(recs)
            else 0.0,
            f"diversity_at_{k}": float(np.mean([metrics.diversity_at_k(r, item_category, k) for r in recs]))
            if len(recs)
            else 0.0,
        }
        got = metrics.extra_metrics(
            truths, recs, item_users=item_users, n_users=n_users, item_category=item_category, k=k
        )
        _assert_bitwise_equal(got, expected)
    empty = metrics.extra_metrics([], [], item_users=[1], n_users=1, item_category=[0])
    _assert_bitwise_equal(empty, dict.fromkeys(metrics.EXTRA_METRIC_KEYS, 0.0))


def test_average_precision_at_k():
    # Hits at positions 1 and 3: (1/1 + 2/3) / min(2 relevant, k 3).
    assert metrics.average_precision_at_k([3, 7], [7, 1, 3], 3) == pytest.approx((1 + 2 / 3) / 2)
    # Only one of three relevant items found, at position 2: (1/2) / min(3, 2).
    assert metrics.average_precision_at_k([3, 7, 9], [1, 3], 2) == pytest.approx(0.25)
    assert metrics.average_precision_at_k([], [1, 2], 2) == 0.0
    assert metrics.average_precision_at_k([5], [1, 2], 2) == 0.0


def test_novelty_at_k():
    # 50, 10 and (never seen, counted as 1) users of 100: -log2 of 0.5, 0.1 and 0.01.
    expected = (1 + math.log2(10) + math.log2(100)) / 3
    assert expected == pytest.approx(3.6553, abs=1e-4)
    assert metrics.novelty_at_k([0, 1, 3], [50, 10, 1, 0], 100, 3) == pytest.approx(expected)
    # Padding and repeats are ignored; the cut-off applies first.
    assert metrics.novelty_at_k([0, 0, -1, 1], [50, 10, 1, 0], 100, 2) == pytest.approx(1.0)
    assert metrics.novelty_at_k([-1], [50], 100, 5) == 0.0


def test_diversity_at_k():
    # Pairs (0, 1) same category, (0, 2) and (1, 2) different: 2 of 3.
    assert metrics.diversity_at_k([0, 1, 2], ["a", "a", "b"], 3) == pytest.approx(2 / 3)
    assert metrics.diversity_at_k([0, 1], ["a", "a", "b"], 2) == 0.0
    assert metrics.diversity_at_k([0, 2, -1], ["a", "a", "b"], 3) == pytest.approx(1.0)
    assert metrics.diversity_at_k([2], ["a", "a", "b"], 3) == 0.0


def test_extra_metrics_averages_worked_users():
    truths = [[0], []]
    recs = [[0, 1], [1, 2]]
    result = metrics.extra_metrics(
        truths, recs, item_users=[4, 2, 1], n_users=4, item_category=[0, 0, 1], k=2
    )
    assert list(result) == ["recall_at_2", "mean_average_precision_at_2", "novelty_at_2", "diversity_at_2"]
    # Recall and MAP: only the first user has truth, and finds it first.
    assert result["recall_at_2"] == pytest.approx(1.0)
    assert result["mean_average_precision_at_2"] == pytest.approx(1.0)
    # Novelty: user 1 (0 + 1 bits) / 2, user 2 (1 + 2 bits) / 2, mean 1.0.
    assert result["novelty_at_2"] == pytest.approx(1.0)
    # Diversity: user 1's pair shares a category, user 2's does not.
    assert result["diversity_at_2"] == pytest.approx(0.5)
    assert set(
        metrics.extra_metrics(truths, recs, item_users=[1, 1, 1], n_users=1, item_category=[0, 0, 1])
    ) == set(metrics.EXTRA_METRIC_KEYS)
    with pytest.raises(ValueError, match="same length"):
        metrics.extra_metrics([[0]], recs, item_users=[1, 1, 1], n_users=1, item_category=[0, 0, 1])
    with pytest.raises(ValueError, match="n_users must be a positive integer"):
        metrics.extra_metrics(truths, recs, item_users=[1, 1, 1], n_users=0, item_category=[0, 0, 1])


def test_ndcg_at_k_per_user_equals_ndcg_at_k():
    rng = np.random.default_rng(7)
    for n_items, width, k in ((6, 10, 10), (30, 12, 10), (4, 5, 8), (50, 25, 3)):
        recs = rng.integers(-1, n_items, size=(200, width))  # padding and repeated items
        recs[:20] = np.arange(width) % n_items  # many hits
        truths = [rng.integers(0, n_items, size=rng.integers(0, 12)) for _ in range(200)]
        got = metrics.ndcg_at_k_per_user(truths, recs, k)
        expected = [metrics.ndcg_at_k(truth, row, k) for truth, row in zip(truths, recs, strict=True)]
        np.testing.assert_array_equal(got, expected)  # bit for bit
    assert metrics.ndcg_at_k_per_user([], np.empty((0, 3), dtype=np.int64), 3).shape == (0,)
    with pytest.raises(ValueError, match="one row per truth"):
        metrics.ndcg_at_k_per_user([[1]], [1, 2], 2)

"""Tests for helpers.recsys.trending."""

import numpy as np
import pytest

from helpers.recsys import trending

HOUR = 3_600


def events(per_interval: dict[int, list[int]]) -> dict:
    """``fit_trending`` arguments from ``item → events per hour, oldest hour first``; the
    intervals are those hours (the reference time is the end of the last one)."""
    items, ts = [], []
    for item, counts in per_interval.items():
        for hour, n in enumerate(counts):
            items += [item] * n
            ts += [hour * HOUR + k for k in range(n)]
    hours = max(len(c) for c in per_interval.values())
    return {"item_idx": items, "timestamps": ts, "reference_time": hours * HOUR - 1}


def test_an_item_whose_events_double_beats_a_steady_more_popular_one():
    # item 0: steady, 40 events an hour; item 1: 5, 5, 5, 10, 20 (it doubles twice)
    data = events({0: [40] * 5, 1: [5, 5, 5, 10, 20]})
    model = trending.fit_trending(**data, n_items=3, interval_seconds=HOUR, n_intervals=4)
    assert model.trend[1] > 0 and model.trend[0] == pytest.approx(0.0)
    assert model.order().tolist() == [1, 0, 2]
    np.testing.assert_array_equal(model.counts, [200, 45, 0])


def test_growth_is_relative_and_smoothed():
    # one interval change: item 0 goes 50 → 90, item 1 goes 0 → 1; smoothing s = mean count per
    # active item per interval = (50 + 90 + 0 + 1) / 4 = 35.25
    data = events({0: [50, 90], 1: [0, 1]})
    model = trending.fit_trending(**data, n_items=2, interval_seconds=HOUR, n_intervals=1)
    np.testing.assert_allclose(model.trend, [40 / (50 + 35.25), 1 / 35.25])
    assert model.order().tolist() == [0, 1]


def test_recent_growth_counts_more_than_old_growth():
    # both rise by 10 once: item 0 in the newest interval, item 1 three intervals before
    data = events({0: [10, 10, 10, 10, 20], 1: [10, 20, 20, 20, 20]})
    model = trending.fit_trending(**data, n_items=2, interval_seconds=HOUR, n_intervals=4)
    assert model.trend[0] > model.trend[1] > 0
    assert model.order().tolist() == [0, 1]


def test_falling_items_rank_below_items_without_events_in_the_window():
    data = events({0: [30, 20, 10], 1: [5, 5, 5], 2: [0, 0, 0]})
    model = trending.fit_trending(**data, n_items=4, interval_seconds=HOUR, n_intervals=2)
    assert model.trend[0] < 0
    # 1 and 2 and 3 have trend 0: by events (1 has 15), then index
    assert model.order().tolist() == [1, 2, 3, 0]


def test_without_events_in_the_two_newest_intervals_it_ranks_by_popularity():
    data = events({0: [1, 9], 1: [8, 2]})
    data["reference_time"] += 2 * HOUR  # two empty hours after the data
    model = trending.fit_trending(**data, n_items=3, interval_seconds=HOUR, n_intervals=4)
    np.testing.assert_array_equal(model.trend, [0, 0, 0])
    assert model.order().tolist() == [0, 1, 2]  # 10 events each: ties by index


def test_events_outside_the_window_are_left_out():
    data = events({0: [100, 1, 1], 1: [0, 1, 2]})
    model = trending.fit_trending(**data, n_items=2, interval_seconds=HOUR, n_intervals=1)
    np.testing.assert_array_equal(model.counts, [2, 3])  # item 0's 100 old events do not count
    assert model.order().tolist() == [1, 0]


def test_rank_scores_order_like_order():
    data = events({0: [40] * 3, 1: [5, 10, 20], 2: [1, 1, 1]})
    model = trending.fit_trending(**data, n_items=4, interval_seconds=HOUR, n_intervals=2)
    scores = model.rank_scores()
    assert np.argsort(-scores, kind="stable").tolist() == model.order().tolist()
    assert sorted(scores.tolist()) == [1.0, 2.0, 3.0, 4.0]


def test_no_events():
    model = trending.fit_trending([], [], 2, interval_seconds=HOUR)
    assert model.order().tolist() == [0, 1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"interval_seconds": 0}, "interval_seconds"),
        ({"interval_seconds": HOUR, "n_intervals": 0}, "n_intervals"),
        ({"interval_seconds": HOUR, "half_life_intervals": 0.0}, "half_life_intervals"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        trending.fit_trending([0], [0], 1, **kwargs)


def test_mismatched_lengths():
    with pytest.raises(ValueError, match="timestamps"):
        trending.fit_trending([0, 0], [0], 1, interval_seconds=HOUR)

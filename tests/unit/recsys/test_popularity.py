"""Tests for helpers.recsys.popularity."""

import io

import numpy as np
import pytest

from helpers.recsys import popularity

DAY = 86_400
# Events: item, day, code (0 = View, 1 = Purchase).
ITEMS = np.array([0, 0, 1, 1, 1, 2, 2, 3])
DAYS = np.array([1, 9, 2, 3, 9, 8, 9, 10])
CODES = np.array([0, 1, 0, 0, 1, 1, 1, 0])


def test_count_all_time():
    np.testing.assert_array_equal(popularity.count_events(ITEMS, 5), [2, 3, 2, 1, 0])


def test_count_window_and_event_type():
    counts = popularity.count_events(
        ITEMS,
        5,
        timestamps=DAYS * DAY,
        reference_time=9 * DAY,
        window_days=2,
        event_codes=CODES,
        event_code=1,
    )
    # Purchases in (day 7, day 9]: item 0 once (day 9), item 1 once (day 9), item 2 twice (days 8, 9).
    np.testing.assert_array_equal(counts, [1, 1, 2, 0, 0])


def test_count_window_defaults_to_newest_timestamp():
    counts = popularity.count_events(ITEMS, 5, timestamps=DAYS * DAY, window_days=2)
    # Window (day 8, day 10]: items 0, 1, 2, 3 on days 9, 9, 9, 10.
    np.testing.assert_array_equal(counts, [1, 1, 1, 1, 0])


def test_recommend_popular_ties_by_index_and_exclusion():
    model = popularity.fit_popularity(ITEMS, 5)
    idx, scores = popularity.recommend_popular(model, 5)
    np.testing.assert_array_equal(idx, [1, 0, 2, 3, 4])  # items 0 and 2 tie at 2: lower index first
    np.testing.assert_array_equal(scores, [3, 2, 2, 1, 0])
    idx, _ = popularity.recommend_popular(model, 2, exclude=[1])
    np.testing.assert_array_equal(idx, [0, 2])


def test_save_and_load_round_trip():
    model = popularity.fit_popularity(ITEMS, 5)
    buf = io.BytesIO()
    np.savez(buf, **model.to_arrays())
    buf.seek(0)
    loaded = popularity.PopularityModel.from_arrays(np.load(buf))
    np.testing.assert_array_equal(loaded.scores, model.scores)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"window_days": 3}, "timestamps is required"),
        ({"event_code": 1}, "event_codes is required"),
        ({"timestamps": DAYS * DAY, "window_days": 0}, "window_days must be > 0"),
        ({"timestamps": DAYS[:3], "reference_time": 9 * DAY}, "timestamps must have the length"),
    ],
)
def test_count_events_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        popularity.count_events(ITEMS, 5, **kwargs)


def test_count_events_item_out_of_range():
    with pytest.raises(ValueError, match="item_idx must be < 3"):
        popularity.count_events(ITEMS, 3)

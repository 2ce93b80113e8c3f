"""Tests for helpers.recsys.tuning: on hand-made data whose right settings are known."""

import numpy as np
import pytest

from helpers.recsys import interactions, tuning

DAY = interactions.SECONDS_PER_DAY
N_USERS, N_CATEGORIES, PER_CATEGORY = 240, 6, 40
N_ITEMS = N_CATEGORIES * PER_CATEGORY


def _events(plan, seed: int = 0):
    """Events from ``plan(user, rng) -> [(category, day), ...]``, each a random item of its category."""
    rng = np.random.default_rng(seed)
    users, items, ts = [], [], []
    for u in range(N_USERS):
        for category, day in plan(u, rng):
            users.append(u)
            items.append(category * PER_CATEGORY + rng.integers(PER_CATEGORY))
            ts.append(int(day * DAY + rng.integers(3_600)))
    users, items, ts = np.array(users), np.array(items), np.array(ts)
    return users, items, ts, np.ones(len(users), dtype=np.float32)


def _tune(users, items, ts, weights):
    return tuning.tune_ease(users, items, ts, weights, N_USERS, N_ITEMS, rng=np.random.default_rng(1))


def _drifting(u, rng):
    """A taste found late: 48 events of aimless browsing over 90 days, then 12 in one category."""
    found = u % N_CATEGORIES
    browsing = [(rng.integers(N_CATEGORIES), rng.uniform(0, 90)) for _ in range(48)]
    return browsing + [(found, 100 + d / 4) for d in range(12)]


def _returning(u, rng):
    """A steady taste with a burst of unrelated browsing two days before the newest events."""
    home, detour = u % N_CATEGORIES, (u + 3) % N_CATEGORIES
    steady = [(home, 28 * k) for k in range(16)]
    burst = [(detour, 448 + k / 8) for k in range(8)]
    return steady + burst + [(home, 450 + k) for k in range(4)]


def _steady(u, rng):
    """One category at random times over 400 days."""
    return [(u % N_CATEGORIES, rng.uniform(0, 400)) for _ in range(20)]


def test_recent_events_that_predict_the_hold_out_choose_a_half_life():
    tuned = _tune(*_events(_drifting))
    assert tuned.settings.half_life_days is not None
    none = [t for t in tuned.trials if t.settings.half_life_days is None]
    assert tuned.validation_ndcg_at_10 > max(t.ndcg_at_10 for t in none)


def test_old_events_that_predict_the_hold_out_choose_no_recency():
    tuned = _tune(*_events(_returning))
    assert tuned.settings.half_life_days is None
    assert tuned.validation_ndcg_at_10 == max(t.ndcg_at_10 for t in tuned.trials)


def test_regularisation_ignores_the_scale_of_event_weights():
    """Every event sent as View (1) + Purchase (4) scales the matrix by 5: the same model, the same choice."""
    users, items, ts, weights = _events(_returning)
    once = _tune(users, items, ts, weights)
    twice = _tune(np.r_[users, users], np.r_[items, items], np.r_[ts, ts], np.r_[weights, 4 * weights])
    assert twice.settings == once.settings
    assert [t.ndcg_at_10 for t in twice.trials] == pytest.approx(
        [t.ndcg_at_10 for t in once.trials], abs=2e-3
    )
    x = tuning.user_item_matrix(users, items, 5 * weights, N_USERS, N_ITEMS, "weighted")
    assert once.settings.l2(x) == pytest.approx(25 * once.settings.l2(x / 5))


def test_repeats_that_carry_no_signal_choose_binary():
    """Steady tastes, and each user repeats one random item of the catalogue 20 times: count pairs once."""
    users, items, ts, weights = _events(_steady)
    rng = np.random.default_rng(5)
    stuck = np.repeat(np.arange(N_USERS), 20)
    item = rng.integers(N_ITEMS, size=N_USERS)[stuck]
    when = rng.integers(ts.min(), ts.max(), size=len(stuck))
    tuned = _tune(
        np.r_[users, stuck], np.r_[items, item], np.r_[ts, when], np.r_[weights, np.ones(len(stuck))]
    )
    assert tuned.settings.combination == "binary"
    weighted = max(t.ndcg_at_10 for t in tuned.trials if t.settings.combination == "weighted")
    assert tuned.validation_ndcg_at_10 > 2 * weighted


def test_search_records_every_trial_and_keeps_the_best():
    tuned = _tune(*_events(_drifting))
    assert len({t.settings for t in tuned.trials}) == len(tuned.trials) >= len(tuning.RELATIVE_L2_GRID)
    best = max(tuned.trials, key=lambda t: t.ndcg_at_10)
    assert (best.settings, best.ndcg_at_10) == (tuned.settings, tuned.validation_ndcg_at_10)
    assert {k for t in tuned.trials for k in t.by_hold_out} == {"newest", "random"}
    assert tuning.Tuning.from_dict(tuned.to_dict()) == tuned
    assert tuned.n_validation_users >= tuning.MIN_VALIDATION_USERS


def test_half_lives_constrain_the_search():
    """A solution's recency_mask: recent events predict the hold-out, but no recency is allowed;
    old ones do, but recency is required."""
    data = _events(_drifting)
    flat = tuning.tune_ease(*data, N_USERS, N_ITEMS, rng=np.random.default_rng(1), half_lives=(None,))
    assert {t.settings.half_life_days for t in flat.trials} == {None}
    recent = tuning.tune_ease(
        *_events(_returning), N_USERS, N_ITEMS, rng=np.random.default_rng(1), half_lives=(7.0, 3.0)
    )
    assert recent.settings.half_life_days in (7.0, 3.0)
    assert {t.settings.half_life_days for t in recent.trials} <= {7.0, 3.0}
    few = data[0] < 40
    kept = tuning.tune_ease(
        *(a[few] for a in data), 40, N_ITEMS, rng=np.random.default_rng(1), half_lives=(None,)
    )
    assert kept.settings.half_life_days is None and kept.validation_ndcg_at_10 is None
    with pytest.raises(ValueError, match="half_lives"):
        tuning.tune_ease(*data, N_USERS, N_ITEMS, rng=np.random.default_rng(1), half_lives=())


def test_too_few_users_keep_the_defaults():
    users, items, ts, weights = _events(_drifting)
    few = users < 40
    tuned = tuning.tune_ease(
        users[few], items[few], ts[few], weights[few], 40, N_ITEMS, rng=np.random.default_rng(1)
    )
    assert tuned.settings == tuning.Settings() and tuned.validation_ndcg_at_10 is None and not tuned.trials


def test_history_weights_combine_and_age():
    items, weights, ts = [3, 1, 3], [1.0, 4.0, 4.0], [0, 7 * DAY, 14 * DAY]
    got_items, got = tuning.history_weights(items, weights, ts, tuning.Settings(1.0, 7.0, "weighted"))
    assert got_items.tolist() == [1, 3] and got == pytest.approx([2.0, 4.25])
    _, binary = tuning.history_weights(items, weights, ts, tuning.Settings(1.0, None, "binary"))
    assert binary == pytest.approx([1.0, 1.0])


def test_newest_events_holds_out_the_newest_share_of_each_user():
    users = np.array([0] * 10 + [1] * 2 + [2] * 5)
    ts = np.r_[np.arange(10)[::-1], [5, 6], [1, 1, 1, 2, 0]]
    held = tuning.newest_events(users, ts, 0.2, min_user_events=3)
    assert np.flatnonzero(held).tolist() == [
        0,
        1,
        15,
    ]  # user 1 has too few events


@pytest.mark.parametrize("kwargs", [{"relative_l2": 0}, {"half_life_days": -1.0}, {"combination": "max"}])
def test_settings_reject_bad_values(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        tuning.Settings(**kwargs)

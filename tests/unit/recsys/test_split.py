"""Tests for helpers.recsys.split (Personalize's evaluation split)."""

import numpy as np
import pytest

from helpers.recsys import split


def make_events(n_users=100, per_user=20, seed=0):
    rng = np.random.default_rng(seed)
    users = np.repeat(np.arange(n_users), per_user)
    ts = rng.permutation(len(users)) * 10
    return users, ts


def test_fractions_and_newest_are_held_out():
    users, ts = make_events()
    s = split.personalize_split(users, ts, np.random.default_rng(1))
    assert len(s.test_users) == 10
    assert np.all(s.train ^ s.history ^ s.holdout)  # every event in exactly one part
    assert not np.isin(users[s.train], s.test_users).any()
    for u in s.test_users:
        held, hist = ts[(users == u) & s.holdout], ts[(users == u) & s.history]
        assert len(held) == 2 and len(hist) == 18  # ceil(10% of 20) = 2
        assert held.min() > hist.max()


def test_ceil_and_at_least_one_history_event():
    # User 0 has 3 events: ceil(0.3) = 1 held out. User 1 has 30: exactly 3 (no float round-up to 4).
    users = np.array([0] * 3 + [1] * 30)
    ts = np.arange(33)
    s = split.personalize_split(users, ts, np.random.default_rng(0), test_user_fraction=0.99)
    np.testing.assert_array_equal(s.test_users, [0, 1])
    assert s.holdout[:3].sum() == 1 and s.holdout[2]
    assert s.holdout[3:].sum() == 3 and s.holdout[-3:].all()


def test_users_with_one_event_always_train():
    users = np.array([0, 1, 1])
    s = split.personalize_split(users, np.array([5, 1, 2]), np.random.default_rng(0), test_user_fraction=0.99)
    np.testing.assert_array_equal(s.test_users, [1])
    assert s.train[0]


def test_time_ties_keep_input_order():
    users = np.zeros(4, dtype=int)
    s = split.personalize_split(users, np.zeros(4), np.random.default_rng(0), test_user_fraction=0.99)
    np.testing.assert_array_equal(s.holdout, [False, False, False, True])


def test_same_seed_same_split():
    users, ts = make_events()
    a = split.personalize_split(users, ts, np.random.default_rng(5))
    b = split.personalize_split(users, ts, np.random.default_rng(5))
    np.testing.assert_array_equal(a.test_users, b.test_users)
    np.testing.assert_array_equal(a.holdout, b.holdout)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"test_user_fraction": 0}, "test_user_fraction must be in"),
        ({"holdout_fraction": 1.0}, "holdout_fraction must be in"),
        ({"min_user_events": 1}, "min_user_events must be an integer >= 2"),
    ],
)
def test_bad_arguments(kwargs, name):
    users, ts = make_events(5, 3)
    with pytest.raises(ValueError, match=name):
        split.personalize_split(users, ts, np.random.default_rng(0), **kwargs)


def test_rng_must_be_generator():
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        split.personalize_split([0, 0], [1, 2], 42)


def test_mismatched_lengths():
    with pytest.raises(ValueError, match="timestamps must have the length"):
        split.personalize_split([0, 0], [1], np.random.default_rng(0))


def test_test_cases__history_rows_and_new_held_out_items():
    # Test users 1 and 2, set by hand. User 1 (rows 0, 2, …, 38, between user 0's) views items
    # 0..9 twice, so its held-out items 8 and 9 are not new; user 2 views 20..29 once each.
    users = np.array([1, 0] * 20 + [2] * 10)
    user1_then_0 = np.column_stack([np.tile(np.arange(10), 2), np.full(20, 99)]).ravel()
    items = np.concatenate([user1_then_0, np.arange(20, 30)])
    holdout = np.zeros(len(users), bool)
    holdout[[36, 38, 49]] = True
    history = np.isin(users, [1, 2]) & ~holdout
    s = split.PersonalizeSplit(
        train=~(history | holdout), history=history, holdout=holdout, test_users=np.array([1, 2])
    )
    cases = list(split.test_cases(s, users, items))
    assert [c[0] for c in cases] == [1, 2]
    _, rows1, truth1 = cases[0]
    assert list(rows1) == list(range(0, 36, 2))  # input order, oldest first
    assert len(truth1) == 0  # items 8 and 9 were seen before
    _, rows2, truth2 = cases[1]
    assert list(rows2) == list(range(40, 49))
    assert list(truth2) == [29]


def test_test_cases__mismatched_lengths():
    users, ts = make_events(n_users=20)
    s = split.personalize_split(users, ts, np.random.default_rng(1))
    with pytest.raises(ValueError, match="one length"):
        list(split.test_cases(s, users, users[:-1]))

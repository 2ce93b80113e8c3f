"""Tests for helpers.recsys.actions."""

import doctest

import numpy as np
import pytest

from helpers.recsys import actions

DAY = actions.SECONDS_PER_DAY


def test_docstring_example():
    assert doctest.testmod(actions).failed == 0


def _model(**kw):
    # user 0 takes action 0 four times in 10 days; user 1 takes action 1 once; action 2 is only viewed
    users = np.array([0, 0, 0, 0, 1, 0, 1, 1])
    acts = np.array([0, 0, 0, 0, 1, 2, 2, 0])
    ts = np.array([0, 2, 5, 10, 3, 1, 1, 1]) * DAY
    taken = np.array([True, True, True, True, True, False, False, False])
    options = {"values": np.array([1.0, 2.0, 9.0]), "min_taken": 1, "min_other": 0, **kw}
    return actions.fit_actions(users, acts, ts, taken, 3, 3, **options)


def test_propensity__worked_example():
    model = _model(period_days=1.0, prior_days=10.0)
    # action 0: 4 takings over 3 users and 10 days; user 0: (4 + 10 × 4/30) / 20 per day
    rate = (4 + 10 * 4 / 30) / 20
    assert model.propensity(0)[0] == pytest.approx(1 - np.exp(-rate))
    assert model.propensity(2)[0] == pytest.approx(1 - np.exp(-(10 * 4 / 30) / 20))


def test_propensity__unscored_action_is_zero():
    assert _model().propensity(0)[2] == 0.0  # never taken


def test_rank__by_propensity_then_value_then_id():
    model = _model()
    order, scores = model.rank(None, 3)
    assert order.tolist() == [0, 1, 2]
    assert scores[2] == 0.0
    assert _model(prior_days=1.0).rank(1, 1)[0].tolist() == [1]  # a weak prior: its own taking wins


def test_rank__equal_scores_prefer_value():
    users, acts, ts = np.array([0, 1]), np.array([0, 1]), np.array([0, DAY])
    model = actions.fit_actions(
        users, acts, ts, np.array([True, True]), 2, 2, values=np.array([1.0, 5.0]), min_taken=1, min_other=0
    )
    assert model.rank(None, 2)[0].tolist() == [1, 0]


def test_minimums_default_to_the_guides():
    model = _model(min_taken=actions.MIN_TAKEN, min_other=actions.MIN_OTHER)
    assert not model.scored.any()


def test_round_trip():
    model = _model()
    again = actions.ActionModel.from_arrays(model.to_arrays())
    assert np.array_equal(again.propensity(0), model.propensity(0))


@pytest.mark.parametrize(
    ("kw", "message"), [({"period_days": 0}, "positive"), ({"prior_days": -1}, "positive")]
)
def test_fit_actions__bad_input(kw, message):
    with pytest.raises(ValueError, match=message):
        _model(**kw)


def test_fit_actions__empty():
    empty = np.array([], dtype=np.int64)
    with pytest.raises(ValueError, match="no action interactions"):
        actions.fit_actions(empty, empty, empty, empty.astype(bool), 1, 1)

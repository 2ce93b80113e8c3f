"""The action log for Next-Best-Action: weekly views of every action, favourites taken most."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.datagen import actions, make_action_interactions

NOW = 1_782_777_600
USERS = [str(i) for i in range(1, 401)]


@pytest.fixture(scope="module")
def log_and_favourite():
    return make_action_interactions(np.random.default_rng(3), USERS, now=NOW)


def test_every_shopper_views_every_action_once_a_week(log_and_favourite):
    log, _ = log_and_favourite
    views = log[log["EVENT_TYPE"] == "VIEWED"]
    assert len(views) == len(USERS) * 6 * len(actions.ACTIONS)
    assert views.groupby(["USER_ID", "ACTION_ID"]).size().eq(6).all()
    assert log["TIMESTAMP"].between(NOW - 6 * actions.SECONDS_PER_WEEK, NOW).all()
    assert log["TIMESTAMP"].is_monotonic_increasing


def test_the_favourite_is_taken_most(log_and_favourite):
    log, favourite = log_and_favourite
    taken = log[log["EVENT_TYPE"] == "TAKEN"]
    assert set(taken["ACTION_ID"]) <= set(actions.ACTIONS["ACTION_ID"])
    top = taken.groupby("USER_ID")["ACTION_ID"].agg(lambda s: s.value_counts().index[0])
    assert (top == favourite.reindex(top.index)).mean() > 0.85
    # Personalize scores an action once it has 50 takings and 50 other interactions
    assert taken["ACTION_ID"].value_counts().min() >= 50


def test_columns_match_the_schema(log_and_favourite):
    log, favourite = log_and_favourite
    names = [f["name"] for f in actions.ACTION_INTERACTIONS_SCHEMA["fields"]]
    assert list(log.columns) == names
    assert list(actions.ACTIONS.columns) == [f["name"] for f in actions.ACTIONS_SCHEMA["fields"]]
    assert list(favourite.index) == USERS


def test_same_seed_same_log():
    first, _ = make_action_interactions(np.random.default_rng(1), USERS[:20], now=NOW)
    again, _ = make_action_interactions(np.random.default_rng(1), USERS[:20], now=NOW)
    assert first.equals(again)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"weeks": 0}, ValueError), ({"favourite_rate": 1.5}, ValueError), ({"rng": 3}, TypeError)],
)
def test_bad_arguments(kwargs, error):
    args = {"rng": np.random.default_rng(0), "user_ids": USERS[:2], "now": NOW, **kwargs}
    with pytest.raises(error):
        make_action_interactions(**args)

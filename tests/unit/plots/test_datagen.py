"""The chart functions of notebooks 01-03 return labelled Axes with a finding in the title."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from helpers import config
from helpers.datagen import make_interactions, make_items, make_users
from helpers.plots import shop_data as plots
from tests.unit.plots.checks import assert_labelled


@pytest.fixture(scope="module")
def shop():
    users = make_users(np.random.default_rng(1), 200)
    items = make_items(np.random.default_rng(2), 200, now=config.NOW, n_days=14)
    inter = make_interactions(
        np.random.default_rng(3), users, items, now=config.NOW, n_interactions=5_000, n_days=14
    )
    return users, items, inter


@pytest.mark.parametrize(
    "name, which",
    [
        ("age_histogram", 0),
        ("persona_bars", 0),
        ("category_item_bars", 1),
        ("price_by_category_boxes", 1),
        ("popularity_curve", 2),
        ("events_per_user_histogram", 2),
        ("funnel_bars", 2),
        ("daily_activity_line", 2),
        ("hourly_activity_bars", 2),
    ],
)
def test_chart(shop, name, which):
    ax = getattr(plots, name)(shop[which])
    assert_labelled(ax)
    _, given = plt.subplots()
    assert getattr(plots, name)(shop[which], ax=given, title="custom") is given
    assert given.get_title() == "custom"


def test_age_histogram__title():
    ax = plots.age_histogram(pd.DataFrame({"AGE": [20, 30, 40]}))
    assert ax.get_title() == "Half of our shoppers are younger than 30"


def test_popularity_curve__title():
    df = pd.DataFrame({"ITEM_ID": ["a"] * 7 + ["b", "c", "d"] + [f"x{i}" for i in range(6)]})
    ax = plots.popularity_curve(df)  # 9 products, top 10% = the first: 7 of 16 events
    assert ax.get_title() == "The top 10% of products get 44% of all events"


def test_funnel_bars__title():
    df = pd.DataFrame({"EVENT_TYPE": ["View"] * 97 + ["AddToCart"] * 2 + ["Purchase"]})
    assert plots.funnel_bars(df).get_title() == "1.0% of events are purchases"


@pytest.mark.parametrize(
    "name", ["age_histogram", "persona_bars", "category_item_bars", "funnel_bars", "hourly_activity_bars"]
)
def test_missing_column(name):
    with pytest.raises(ValueError, match="lacks"):
        getattr(plots, name)(pd.DataFrame({"OTHER": [1]}))


def test_popularity_curve__bad_head():
    with pytest.raises(ValueError, match="head"):
        plots.popularity_curve(pd.DataFrame({"ITEM_ID": ["a"]}), head=1.5)

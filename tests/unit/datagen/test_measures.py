"""The measurements notebook 03 reports, on worked examples and on the test shop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.datagen import measures

ITEMS = pd.DataFrame(
    {
        "ITEM_ID": ["a", "b", "c", "d"],
        "CATEGORY_L1": ["books", "books", "toys", "pets"],
        "NEIGHBOURS": [["b"], ["a"], ["d"], ["c"]],
    }
)


def test_top_category_share__worked_example():
    inter = pd.DataFrame({"USER_ID": ["1"] * 4 + ["2"] * 2, "ITEM_ID": ["a", "b", "c", "d", "c", "c"]})
    share = measures.top_category_share(inter, ITEMS, k=1)
    assert share.to_dict() == {"1": 0.5, "2": 1.0}  # user 1: two books of four events


def test_head_share__worked_example():
    inter = pd.DataFrame({"ITEM_ID": ["a"] * 7 + list("bcdefghij")})
    assert measures.head_share(inter, 0.1) == pytest.approx(7 / 16)
    with pytest.raises(ValueError, match="head"):
        measures.head_share(inter, 0)


def test_co_view_lift__worked_example():
    inter = pd.DataFrame(
        {
            "USER_ID": ["1", "1", "1", "2", "2"],
            "ITEM_ID": ["a", "b", "c", "c", "d"],
            "TIMESTAMP": [0, 10, 5_000, 0, 20],
            "EVENT_TYPE": ["View"] * 5,
        }
    )
    out = measures.co_view_lift(inter, ITEMS, np.random.default_rng(0), gap=600)
    assert out["pairs"] == 2  # (a, b) and (c, d); b -> c is too far apart
    assert out["observed"] == 1.0
    later = pd.DataFrame({"USER_ID": ["3", "3"], "ITEM_ID": ["d", "a"], "TIMESTAMP": [0, 1]})
    more = pd.concat([inter, later.assign(EVENT_TYPE="View")])  # (d, a): not neighbours
    assert measures.co_view_lift(more, ITEMS, np.random.default_rng(0))["observed"] == pytest.approx(2 / 3)


def test_shop_signals(shop):
    _, items, inter = shop
    assert measures.top_category_share(inter, items).mean() >= 0.7
    assert measures.head_share(inter) >= 0.25
    assert measures.co_view_lift(inter, items, np.random.default_rng(0))["lift"] > 2

"""Unit tests of the simulated shoppers' visits (``helpers.traffic.visits``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import traffic


def _shown(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "USER_ID": ["u1"] * n,
            "SOURCE": ["s"] * n,
            "RECOMMENDATION_ID": ["RID-1"] * n,
            "ITEM_ID": [f"i{k}" for k in range(n)],
        }
    )


def test_visits__certain_views_and_purchases_in_list_order():
    got = traffic.visits(np.random.default_rng(0), _shown(3), pd.Series([1.0, 1.0, 1.0]), 1.0, 1.0)
    assert list(zip(got.ITEM_ID, got.EVENT_TYPE, strict=True)) == [
        (f"i{k}", kind) for k in range(3) for kind in ("View", "Purchase")
    ]
    assert set(got.RECOMMENDATION_ID) == {"RID-1"}


def test_visits__nothing_irrelevant_is_viewed_and_no_view_is_bought_at_rate_zero():
    got = traffic.visits(np.random.default_rng(0), _shown(4), pd.Series([0.0, 1.0, 0.0, 1.0]), 1.0, 0.0)
    assert list(got.ITEM_ID) == ["i1", "i3"] and set(got.EVENT_TYPE) == {"View"}


def test_visits__view_share_follows_relevance():
    shown = _shown(20_000)
    got = traffic.visits(np.random.default_rng(7), shown, pd.Series(np.full(20_000, 0.5)), 0.4, 0.25)
    views, buys = (got.EVENT_TYPE == "View").sum(), (got.EVENT_TYPE == "Purchase").sum()
    assert views / 20_000 == pytest.approx(0.2, abs=0.01)
    assert buys / views == pytest.approx(0.25, abs=0.02)


def test_visits__same_seed_same_events():
    shown, relevance = _shown(50), pd.Series(np.linspace(0, 1, 50))
    first = traffic.visits(np.random.default_rng(3), shown, relevance, 0.5, 0.5)
    assert first.equals(traffic.visits(np.random.default_rng(3), shown, relevance, 0.5, 0.5))


@pytest.mark.parametrize(
    ("view_rate", "buy_rate", "name"), [(1.5, 0.1, "view_rate"), (0.1, -0.1, "buy_rate")]
)
def test_visits__rates_outside_0_1(view_rate, buy_rate, name):
    with pytest.raises(ValueError, match=f"{name} must be in"):
        traffic.visits(np.random.default_rng(0), _shown(1), pd.Series([1.0]), view_rate, buy_rate)


def test_relevance__over_the_shoppers_top_affinity():
    affinity = pd.DataFrame([[0.2, 0.4], [0.0, 0.0]], index=["u1", "u2"], columns=["i0", "i1"])
    shown = pd.DataFrame(
        {"USER_ID": ["u1", "u1", "u2", "u1", "u9"], "ITEM_ID": ["i0", "i1", "i0", "new", "i0"]}
    )
    assert traffic.relevance(shown, affinity).tolist() == [0.5, 1.0, 0.0, 0.0, 0.0]

"""The structure we built in is measurable: personas, long tail, funnel, co-views, rhythm."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.datagen import truth


def test_persona_categories_dominate(shop):
    users, items, inter = shop
    views = inter[inter.EVENT_TYPE == "View"].merge(items[["ITEM_ID", "CATEGORY_L1"]], on="ITEM_ID")
    views = views.merge(users[["USER_ID", "PERSONA"]], on="USER_ID")
    in_persona = [c in p.split("_") for c, p in zip(views.CATEGORY_L1, views.PERSONA, strict=True)]
    assert np.mean(in_persona) > 0.85
    counts = views.groupby(["USER_ID", "CATEGORY_L1"]).size()
    top3 = counts.groupby(level=0).apply(lambda s: s.nlargest(3).sum() / s.sum())
    assert top3.mean() >= 0.7


def test_long_tail(shop):
    pop = shop[2].ITEM_ID.value_counts()
    head = pop.iloc[: len(pop) // 10].sum() / pop.sum()
    assert head >= 0.25


def test_funnel_rates(shop):
    share = shop[2].EVENT_TYPE.value_counts(normalize=True)
    assert 0.002 <= share["Purchase"] <= 0.05
    assert 0.02 <= share["AddToCart"] / share["View"] <= 0.12
    assert share["Purchase"] < share["AddToCart"] < share["View"]


def test_funnel_order(shop):
    """Every cart follows a view of the same product by the same user, every purchase a cart."""
    inter = shop[2]
    first = inter.groupby(["USER_ID", "ITEM_ID", "EVENT_TYPE"]).TIMESTAMP.min().unstack()
    carts = first.dropna(subset=["AddToCart"])
    assert (carts.View <= carts.AddToCart).all()
    buys = first.dropna(subset=["Purchase"])
    assert (buys.AddToCart <= buys.Purchase).all()


def test_co_views_far_above_chance(shop):
    """An item and its neighbours are viewed by the same user within an hour far more than chance."""
    _, items, inter = shop
    views = inter[inter.EVENT_TYPE == "View"].sort_values(["USER_ID", "TIMESTAMP"], kind="stable")
    nxt = views.shift(-1)
    same = (nxt.USER_ID == views.USER_ID) & (nxt.TIMESTAMP - views.TIMESTAMP < 3_600)
    pairs = pd.DataFrame({"a": views.ITEM_ID[same], "b": nxt.ITEM_ID[same]})
    neighbour = {(r.ITEM_ID, n) for r in items.itertuples() for n in r.NEIGHBOURS}

    def share(a, b):
        return np.mean([(x, y) in neighbour or (y, x) in neighbour for x, y in zip(a, b, strict=True)])

    # chance: the same pairs with the second product shuffled among products of its category
    cat = pairs.b.map(items.set_index("ITEM_ID").CATEGORY_L1)
    rng = np.random.default_rng(0)
    shuffled = pairs.b.groupby(cat.to_numpy()).transform(lambda s: rng.permutation(s.to_numpy()))
    assert share(pairs.a, pairs.b) > 2 * share(pairs.a, shuffled)


def test_activity_skewed(shop):
    per_user = shop[2].USER_ID.value_counts()
    assert per_user.max() > 5 * per_user.median()


def test_weekly_rhythm(shop):
    ts = pd.to_datetime(shop[2].TIMESTAMP, unit="s", utc=True)
    hourly = ts.dt.hour.value_counts(normalize=True).sort_index()
    assert hourly.loc[19:21].mean() > 3 * hourly.loc[2:4].mean()


def test_truth_top_items(shop):
    users, items, _ = shop
    top = truth.top_items(users.head(50), items, k=5)
    assert len(top) == 250 and top.RANK.between(1, 5).all()
    mix = truth.category_mix(users.head(50))
    assert np.allclose(mix.sum(axis=1), 1)
    cat = items.set_index("ITEM_ID").CATEGORY_L1
    first = top[top.RANK == 1].merge(users[["USER_ID", "PERSONA"]], on="USER_ID")
    assert all(cat[i] in p.split("_") for i, p in zip(first.ITEM_ID, first.PERSONA, strict=True))
    assert np.allclose(truth.affinity(users.head(10), items).sum(axis=1), 1, atol=1e-4)

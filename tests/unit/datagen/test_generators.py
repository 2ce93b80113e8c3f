"""Counts, determinism, value ranges and argument checks of the three generators."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from helpers import config
from helpers.datagen import make_interactions, make_items, make_users, vocabulary
from helpers.datagen.interactions import funnel_counts

from .conftest import N_DAYS, N_INTERACTIONS, N_ITEMS, N_USERS, build


def _csv(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode()


def test_counts_exact(shop):
    users, items, inter = shop
    assert (len(users), len(items), len(inter)) == (N_USERS, N_ITEMS, N_INTERACTIONS)
    assert users.USER_ID.tolist() == [str(i) for i in range(1, N_USERS + 1)]
    assert items.ITEM_ID.is_unique


def test_same_seed_same_bytes(shop):
    again = build()
    for a, b in zip(shop, again, strict=True):
        assert _csv(a) == _csv(b)


def test_other_seed_differs(shop):
    other = build(seed=8)
    for a, b in zip(shop, other, strict=True):
        assert _csv(a) != _csv(b)


def test_users_values(shop):
    users = shop[0]
    assert users.AGE.between(18, 80).all()
    assert set(users.GENDER) == {"F", "M"}
    assert set(users.PERSONA) <= set(vocabulary.PERSONAS)
    assert users.PERSONA.nunique() == len(vocabulary.PERSONAS)
    assert (users.ACTIVITY > 0).all()


def test_ages_span_18_to_80_without_a_pile_up():
    ages = make_users(np.random.default_rng(0), 20_000).AGE
    counts = ages.value_counts()
    assert (ages.min(), ages.max()) == (18, 80)
    assert counts[80] <= counts[75]  # truncated, not clipped: the oldest age is as rare as its neighbours


def test_product_names_unique():
    items = make_items(np.random.default_rng(0), 5_000, now=config.NOW, n_days=N_DAYS)
    assert items.PRODUCT_NAME.is_unique
    assert items.PRODUCT_NAME.str.split().str.len().between(2, 5).all()


def test_items_values(shop):
    items = shop[1]
    assert set(items.CATEGORY_L1) == set(vocabulary.CATEGORIES)
    assert (items.PRICE > 0).all()
    assert set(items.GENDER) <= {"F", "M", "U"} and set(items.PROMOTED) == {"N", "Y"}
    now = int(config.NOW.timestamp())
    new = items[items.IS_NEW]
    assert len(new) > 0 and (new.CREATION_TIMESTAMP < now).all()
    assert (new.CREATION_TIMESTAMP > now - 7 * 86_400).all()
    assert (items[~items.IS_NEW].CREATION_TIMESTAMP < now - N_DAYS * 86_400).all()
    # neighbours: same category, never itself, never a new product
    cat = items.set_index("ITEM_ID").CATEGORY_L1
    for row in items.itertuples():
        assert row.ITEM_ID not in row.NEIGHBOURS
        assert (cat.loc[row.NEIGHBOURS] == row.CATEGORY_L1).all()
    assert not set(np.concatenate(items.NEIGHBOURS.to_numpy())) & set(new.ITEM_ID)


def test_interactions_values(shop):
    users, items, inter = shop
    now = int(config.NOW.timestamp())
    assert inter.TIMESTAMP.between(now - N_DAYS * 86_400, now - 1).all()
    assert inter.TIMESTAMP.is_monotonic_increasing
    assert set(inter.EVENT_TYPE) == {"View", "AddToCart", "Purchase"}
    assert inter.USER_ID.value_counts().min() >= 2
    assert inter.USER_ID.nunique() == N_USERS
    assert set(inter.ITEM_ID) <= set(items.ITEM_ID)
    assert not set(inter.ITEM_ID) & set(items.ITEM_ID[items.IS_NEW])
    assert inter.EVENT_TYPE.value_counts().to_dict() == funnel_counts(N_INTERACTIONS)


def test_shoppers_choose_products_of_their_own_gender(shop):
    # a fresh choice weighs the other gender's products by GENDER_MISMATCH (0.05); only the hops
    # to a neighbour (about a third of the views) ignore gender, so most gendered views match
    users, items, inter = shop
    views = inter[inter.EVENT_TYPE == "View"]
    shopper = views.USER_ID.map(users.set_index("USER_ID").GENDER)
    product = views.ITEM_ID.map(items.set_index("ITEM_ID").GENDER)
    gendered = product != "U"
    assert (shopper[gendered] == product[gendered]).mean() > 0.7


def test_funnel_counts_sum():
    for n in (1, 10, 999, 675_000):
        assert sum(funnel_counts(n).values()) == n


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: make_users(np.random.default_rng(0), 0), "n_users"),
        (lambda: make_users(np.random.default_rng(0), -5), "n_users"),
        (lambda: make_users(np.random.default_rng(0), 2.5), "n_users"),
        (lambda: make_items(np.random.default_rng(0), 10, now=config.NOW), "n_items"),
        (lambda: make_items(np.random.default_rng(0), 400, now=datetime(2026, 6, 30)), "now"),
        (lambda: make_items(np.random.default_rng(0), 400, now=config.NOW, n_days=-1), "n_days"),
        (lambda: make_items(np.random.default_rng(0), 400, now=config.NOW, new_share=0.9), "new_share"),
    ],
)
def test_bad_arguments(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_bad_rng():
    with pytest.raises(TypeError, match="rng"):
        make_users(42, 10)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n_interactions": 0}, "n_interactions"),
        ({"n_interactions": 100}, "n_interactions"),  # fewer than two views per user
        ({"n_interactions": 10**9, "n_days": 1}, "n_interactions"),  # more than can be placed
        ({"n_days": 0}, "n_days"),
        ({"n_days": -3}, "n_days"),
    ],
)
def test_bad_interaction_arguments(shop, kwargs, name):
    users, items, _ = shop
    args = {"now": config.NOW, "n_interactions": N_INTERACTIONS, "n_days": N_DAYS, **kwargs}
    with pytest.raises(ValueError, match=name):
        make_interactions(np.random.default_rng(0), users, items, **args)


def test_bad_frames(shop):
    users, items, _ = shop
    with pytest.raises(ValueError, match="users"):
        make_interactions(np.random.default_rng(0), users[["USER_ID"]], items, now=config.NOW)
    with pytest.raises(ValueError, match="items"):
        make_interactions(np.random.default_rng(0), users, items.iloc[:0], now=config.NOW)

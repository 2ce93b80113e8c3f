"""helpers.storefront.shop on a tiny shop: the event log, shoppers' profiles, personas, pictures."""

from __future__ import annotations

import os
import stat
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest

from helpers import explain
from helpers.storefront import images, shop

ITEMS = pd.DataFrame(
    {
        "ITEM_ID": ["a1", "a2", "b1", "b2", "c1"],
        "PRICE": [10.0, 12.5, 30.0, 31.0, 5.0],
        "CATEGORY_L1": ["apparel", "apparel", "books", "books", "toys"],
        "CATEGORY_L2": ["shirts", "shirts", "fiction", "fiction", "games"],
        "PRODUCT_NAME": ["Bold shirt", "Sleek tee", "Classic novel", "Modern thriller", "<Puzzle & co>"],
        "PRODUCT_DESCRIPTION": ["Bold shirt, in teal.", "Tee in red.", "A novel.", "", None],
    }
)
USERS = pd.DataFrame({"USER_ID": ["1", "2", "3"]})
EVENTS = pd.DataFrame(
    [
        ("1", "a1", 100, "View"),
        ("1", "a2", 110, "Purchase"),
        ("1", "b1", 120, "View"),
        ("2", "b1", 100, "View"),
        ("2", "b2", 105, "AddToCart"),
        ("2", "a1", 200, "View"),
        ("3", "c1", 50, "View"),
    ],
    columns=["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"],
)


@pytest.fixture
def the_shop(tmp_path):
    return shop.Shop(ITEMS, USERS, EVENTS, shop.EventLog(tmp_path / "events.sqlite"))


def test_catalogue(the_shop):
    assert the_shop.knows_item("a1") and not the_shop.knows_item("zz")
    assert the_shop.knows_user("3") and not the_shop.knows_user("4")
    bold = the_shop.products["a1"]
    assert (bold.name, bold.category, bold.subcategory, bold.price, bold.colour) == (
        "Bold shirt",
        "apparel",
        "shirts",
        10.0,
        "teal",
    )
    assert the_shop.products["c1"].description == "" and the_shop.products["c1"].colour == ""
    assert the_shop.most_viewed[0] in ("a1", "b1")  # two views each, ties by id
    assert the_shop.most_viewed[:2] == ["a1", "b1"]


def test_event_log(tmp_path):
    log = shop.EventLog(tmp_path / "log" / "events.sqlite")
    assert log.of("1") == [] and log.last_id("1") == 0
    log.record("1", "a1", "View", at=5.0)
    log.record("1", "b1", "Purchase", at=6.0)
    log.record("2", "a1", "AddToCart", at=7.0)
    assert log.of("1") == [("a1", "View", 5.0), ("b1", "Purchase", 6.0)]
    assert log.last_id("1") == 2 and log.last_id("2") == 3
    again = shop.EventLog(tmp_path / "log" / "events.sqlite")  # another process would see the same
    assert again.of("2") == [("a1", "AddToCart", 7.0)]
    with pytest.raises(ValueError, match="event_type must be one of View, AddToCart, Purchase"):
        log.record("1", "a1", "Click")


def test_profile__past_events(the_shop):
    profile = the_shop.profile("1")
    assert [(p.item_id, p.event_type) for p in profile.items] == [
        ("a2", "Purchase"),
        ("b1", "View"),
        ("a1", "View"),
    ]
    assert profile.favourites == ("apparel", "books")
    assert profile.events == 3
    assert the_shop.history("1") == [("a1", "View", 100.0), ("a2", "Purchase", 110.0), ("b1", "View", 120.0)]


def test_profile__recorded_events_join_at_once(the_shop):
    the_shop.log.record("3", "b1", "Purchase", at=300.0)
    the_shop.log.record("3", "b2", "View", at=301.0)
    profile = the_shop.profile("3")
    assert [(p.item_id, p.event_type) for p in profile.items] == [
        ("b1", "Purchase"),
        ("b2", "View"),
        ("c1", "View"),
    ]
    assert profile.favourites == ("books", "toys")
    assert profile.events == 3
    # the same as a profile computed from every event at once
    merged = the_shop._summarise("3", the_shop.history("3"))
    assert (merged.items, merged.favourites, merged.events) == (
        profile.items,
        profile.favourites,
        profile.events,
    )


def test_personas(the_shop):
    # shoppers 1 and 2 share a taste (apparel and books), the commonest: the first, of median activity
    assert [(p.user_id, p.categories) for p in the_shop.personas] == [
        ("1", ("apparel", "books")),
        ("3", ("toys",)),
    ]
    assert the_shop.personas[0].label == "apparel & books"
    assert [p.user_id for p in the_shop.real_shoppers] == ["2"]
    assert shop.categories_label(("a", "b", "c")) == "a, b & c"


def _random_shop(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A shop with ties everywhere: shoppers of equal activity and taste, ids that sort apart from
    their numbers ("07" and "7", "x1"), equal timestamps, a sold-out item, rows in no order."""
    rng = np.random.default_rng(seed)
    item_ids = [f"i{k:02d}" for k in range(40)]
    items = pd.DataFrame(
        {
            "ITEM_ID": item_ids,
            "PRICE": 1.0,
            "CATEGORY_L1": rng.choice(["apparel", "books", "food", "garden", "jewelry", "toys"], 40),
            "CATEGORY_L2": "",
            "PRODUCT_NAME": item_ids,
            "PRODUCT_DESCRIPTION": "",
        }
    )
    user_ids = [str(k) for k in range(1, 60)] + ["07", "x1", "y"]
    n = 3_000
    interactions = pd.DataFrame(
        {
            "USER_ID": rng.choice(user_ids, n),
            "ITEM_ID": rng.choice([*item_ids, "sold-out"], n),
            "TIMESTAMP": rng.integers(0, 20_000, n),
            "EVENT_TYPE": rng.choice(shop.EVENT_TYPES, n, p=[0.8, 0.15, 0.05]),
        }
    )
    few = pd.DataFrame(  # one category only; and nothing in the catalogue
        [("z", "i00", 5, "View"), ("z", "i00", 5, "Purchase"), ("gone", "sold-out", 1, "View")],
        columns=interactions.columns,
    )
    return items, pd.DataFrame({"USER_ID": user_ids + ["z", "gone"]}), pd.concat([interactions, few])


def _straightforward(items: pd.DataFrame, interactions: pd.DataFrame) -> dict:
    """What ``Shop`` derives from its CSVs, computed the plain pandas way."""
    categories = dict(zip(items["ITEM_ID"].astype(str), items["CATEGORY_L1"].astype(str), strict=True))
    events = interactions.assign(USER_ID=interactions["USER_ID"].astype(str))
    events = events.sort_values(["USER_ID", "TIMESTAMP"], kind="stable").reset_index(drop=True)
    views = events.loc[events["EVENT_TYPE"] == "View", "ITEM_ID"].value_counts()
    in_category = events.assign(CATEGORY=events["ITEM_ID"].astype(str).map(categories)).dropna()
    counts = in_category.groupby(["USER_ID", "CATEGORY"]).size().rename("n").reset_index()
    counts = counts.sort_values(["USER_ID", "n", "CATEGORY"], ascending=[True, False, True], kind="stable")
    favourites = counts.groupby("USER_ID").head(3).groupby("USER_ID", sort=False)["CATEGORY"].agg(tuple)
    shoppers = pd.DataFrame({"favourites": favourites, "events": events["USER_ID"].value_counts()}).dropna()
    shoppers["order"] = [int(u) if u.isdigit() else 0 for u in shoppers.index]
    shoppers["taste"] = shoppers["favourites"].map(lambda f: tuple(sorted(f)))
    tastes = shoppers.groupby("taste").size().reset_index(name="size")
    tastes = tastes.sort_values(["size", "taste"], ascending=[False, True]).head(shop.N_PERSONAS)
    personas = []
    for taste in tastes["taste"]:
        alike = shoppers[shoppers["taste"] == taste].sort_values(["events", "order"])
        chosen = alike.iloc[(len(alike) - 1) // 2]
        personas.append(shop.Persona(chosen.name, chosen["favourites"], int(chosen["events"])))
    busiest = shoppers.sort_values(["events", "order"], ascending=[False, True])
    busiest = busiest[~busiest.index.isin([p.user_id for p in personas])].head(shop.N_REAL_SHOPPERS)
    rows = zip(busiest.index, busiest["favourites"], busiest["events"], strict=True)
    return {
        "history": {
            user: list(zip(rows["ITEM_ID"], rows["EVENT_TYPE"], rows["TIMESTAMP"].astype(float), strict=True))
            for user, rows in events.groupby("USER_ID")
        },
        "most_viewed": sorted(views.index, key=lambda item: (-views[item], item)),
        "personas": personas,
        "real_shoppers": [shop.Persona(user, favourites, int(n)) for user, favourites, n in rows],
        "co": explain.co_occurrence(events),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shop_derives_what_pandas_does(tmp_path, seed):
    """The shop's arrays and its persona picker give what the plain pandas computation gives."""
    items, users, interactions = _random_shop(seed)
    the_shop = shop.Shop(items, users, interactions, shop.EventLog(tmp_path / "events.sqlite"))
    expected = _straightforward(items, interactions)
    assert len(expected["personas"]) == shop.N_PERSONAS
    assert the_shop.personas == expected["personas"]
    assert the_shop.real_shoppers == expected["real_shoppers"]
    shoppers = the_shop.personas + the_shop.real_shoppers
    assert {(type(p.user_id), type(p.categories), type(p.events)) for p in shoppers} == {(str, tuple, int)}
    assert the_shop.most_viewed == expected["most_viewed"]
    assert {user: the_shop.history(user) for user in expected["history"]} == expected["history"]
    co, same = the_shop.co, expected["co"]
    assert list(co.item_ids) == list(same.item_ids) and co.index == same.index
    assert co.matrix.dtype == same.matrix.dtype and (co.matrix != same.matrix).nnz == 0


def test_product_picture_is_escaped_svg(the_shop):
    svg = images.product_svg(the_shop.products["c1"])
    root = ElementTree.fromstring(svg)
    assert root.find("{http://www.w3.org/2000/svg}title").text == "<Puzzle & co>"
    assert "<Puzzle" not in svg
    assert images.product_svg(the_shop.products["a1"]).count(images.COLOURS["teal"]) == 1


def test_event_log__owner_only(tmp_path):
    """The shop's event log says what each shopper did: its folder 0700, its files 0600."""
    old = os.umask(0o022)
    try:
        log = shop.EventLog(tmp_path / "log" / "events.sqlite")
        log.record("u1", "i1", shop.EVENT_TYPES[0])
    finally:
        os.umask(old)
    files = sorted((tmp_path / "log").iterdir())
    assert [p.name for p in files][:2] == ["events.sqlite", "events.sqlite-shm"]
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}
    assert stat.S_IMODE((tmp_path / "log").stat().st_mode) == 0o700

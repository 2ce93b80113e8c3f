"""helpers.storefront.shop on a tiny shop: the event log, shoppers' profiles, personas, pictures."""

from __future__ import annotations

import os
import stat
from xml.etree import ElementTree

import pandas as pd
import pytest

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

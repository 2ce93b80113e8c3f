"""Unit tests of the item-attribute queries of batch segment jobs."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.localaws.personalize import filter_expressions as fx
from helpers.localaws.personalize import segment_queries as sq

KINDS = {"CATEGORY": fx.STRING, "GENRES": fx.STRING, "PRICE": fx.NUMBER}
ITEMS = pd.DataFrame(
    {
        "CATEGORY": ["shoes", "shoes", "bags", None],
        "GENRES": ["a|b", "b", "a", "c"],
        "PRICE": [10, 20, 10, 5],
    },
    index=pd.Index(["i0", "i1", "i2", "i3"], name="ITEM_ID"),
)


def matching(text: str) -> list[int]:
    return sq.matching_items(sq.parse(text, KINDS), ITEMS, {"GENRES"}).tolist()


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ('ITEMS.CATEGORY = "shoes"', [0, 1]),
        ('items.category = "shoes" AND ITEMS.PRICE = 10', [0]),
        ('ITEMS.GENRES = "a"', [0, 2]),  # a categorical a|b holds a
        ('ITEMS.GENRES = "a" AND ITEMS.GENRES = "b"', [0]),
        ("ITEMS.PRICE = 10.0", [0, 2]),
        ('ITEMS.CATEGORY = "hats"', []),
    ],
)
def test_matching_items(text, rows):
    assert matching(text) == rows


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ('ITEMS.CATEGORY = "a" OR ITEMS.CATEGORY = "b"', 22, "OR is not supported"),
        ('ITEMS.CATEGORY IN ("a")', 16, "= only"),
        ("ITEMS.PRICE > 3", 13, "= only"),
        ('USERS.AGE = "3"', 1, "ITEMS.FIELD = value"),
        ('ITEMS.SIZE = "3"', 7, "no field SIZE (its fields: CATEGORY, GENRES, PRICE)"),
        ("ITEMS.CATEGORY = 3", 18, "string field"),
        ('ITEMS.PRICE = "3"', 15, "number field"),
        ("ITEMS.CATEGORY =", 17, "string or a number"),
        ('ITEMS.CATEGORY = "a" ITEMS', 22, "expected AND"),
        ('ITEMS.CATEGORY = "a', 18, "not closed"),
        ("", 1, "ITEMS.FIELD"),
    ],
)
def test_parse__errors(text, position, message):
    with pytest.raises(sq.SegmentQueryError, match="Invalid itemAttributes") as info:
        sq.parse(text, KINDS)
    assert info.value.position == position - 1 and message in str(info.value)
    assert f"character {position}:" in str(info.value)

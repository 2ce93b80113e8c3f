"""helpers.listings on a four-product catalogue."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import listings

CATALOGUE = pd.DataFrame(
    {
        "PRODUCT_NAME": ["Tee", "Novel", "Boots", "Atlas"],
        "CATEGORY_L1": ["apparel", "books", "footwear", "books"],
        "PRICE": [9.0, 12.0, 80.0, 30.0],
    },
    index=pd.Index(["1", "2", "3", "4"], name="ITEM_ID"),
)


def test_products__in_list_order_ranked_from_one():
    table = listings.Listings(CATALOGUE).products(["4", "1"])
    assert table.index.tolist() == [1, 2]
    assert table["PRODUCT_NAME"].tolist() == ["Atlas", "Tee"]
    assert table.columns.tolist() == ["PRODUCT_NAME", "CATEGORY_L1"]


def test_products__extra_columns_and_unknown_ids():
    table = listings.Listings(CATALOGUE).products(["3", "x"], (*listings.SHOWN, "PRICE"))
    assert table.loc[1, "PRICE"] == 80.0
    assert table.loc[2].isna().all()


def test_share_of():
    view = listings.Listings(CATALOGUE)
    assert view.share_of(["2", "4", "1", "3"], "books") == 0.5
    assert view.share_of(["1"], "books") == 0.0
    assert view.share_of([], "books") == 0.0


def test_side_by_side__one_column_group_per_list():
    table = listings.Listings(CATALOGUE).side_by_side({"a": ["1", "2"], "b": ["3", "4"]})
    assert table[("b", "PRODUCT_NAME")].tolist() == ["Boots", "Atlas"]
    assert table.shape == (2, 4)


def test_listings__catalogue_without_categories():
    with pytest.raises(ValueError, match="CATEGORY_L1"):
        listings.Listings(CATALOGUE.drop(columns="CATEGORY_L1"))

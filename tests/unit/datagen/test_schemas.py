"""The Avro schemas are valid Personalize ECOMMERCE schemas and match the generated frames."""

from __future__ import annotations

import json

import pytest

from helpers.datagen import schemas

REQUIRED = {
    "USERS": {"USER_ID"},
    "ITEMS": {"ITEM_ID", "PRICE", "CATEGORY_L1"},
    "INTERACTIONS": {"USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"},
}


@pytest.mark.parametrize("dataset", schemas.DATASETS)
def test_load(dataset):
    s = schemas.load(dataset)
    assert s["type"] == "record"
    assert s["namespace"] == "com.amazonaws.personalize.schema"
    assert s["version"] == "1.0"
    assert REQUIRED[dataset] <= set(schemas.columns(dataset))
    assert json.loads(schemas.as_json(dataset)) == s


def test_field_kinds():
    items = {f["name"]: f for f in schemas.load("ITEMS")["fields"]}
    assert items["CATEGORY_L1"]["categorical"] and items["CATEGORY_L2"]["categorical"]
    assert items["PRODUCT_DESCRIPTION"]["textual"]
    assert items["PRICE"]["type"] == "float" and items["CREATION_TIMESTAMP"]["type"] == "long"
    inter = {f["name"]: f["type"] for f in schemas.load("INTERACTIONS")["fields"]}
    assert inter == {"USER_ID": "string", "ITEM_ID": "string", "TIMESTAMP": "long", "EVENT_TYPE": "string"}


@pytest.mark.parametrize("position, dataset", [(0, "USERS"), (1, "ITEMS"), (2, "INTERACTIONS")])
def test_frames_match_schema(shop, position, dataset):
    view = schemas.personalize_view(shop[position], dataset)
    assert list(view.columns) == schemas.columns(dataset)
    assert {c: str(t) for c, t in view.dtypes.items()} == schemas.dtypes(dataset)
    assert not view.isna().any().any()
    for col, kind in schemas.dtypes(dataset).items():
        if kind == "object":
            assert view[col].map(type).eq(str).all(), col


def test_unknown_dataset():
    with pytest.raises(ValueError, match="dataset must be one of"):
        schemas.load("RATINGS")


def test_personalize_view__missing_column(shop):
    with pytest.raises(ValueError, match="lacks"):
        schemas.personalize_view(shop[0].drop(columns="AGE"), "USERS")

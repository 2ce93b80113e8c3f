"""helpers.datagen.catalogue: the PutItems record of a launched product."""

from __future__ import annotations

import json

import pandas as pd

from helpers.datagen import catalogue


def test_camel_case__as_put_items_spells_the_schema_fields():
    assert catalogue.camel_case("CATEGORY_L1") == "categoryL1"
    assert catalogue.camel_case("CREATION_TIMESTAMP") == "creationTimestamp"
    assert catalogue.camel_case("PRICE") == "price"


def test_new_edition__same_product_new_name_and_date_empty_fields_none():
    product = pd.Series(
        {
            "PRICE": 12.5,
            "CATEGORY_L1": "books",
            "CATEGORY_L2": float("nan"),
            "PRODUCT_NAME": "Atlas",
            "PRODUCT_DESCRIPTION": "Maps.",
            "GENDER": float("nan"),
            "PROMOTED": "N",
            "CREATION_TIMESTAMP": 1,
        }
    )
    launch = catalogue.new_edition(product, created=1_700_000_000)
    assert launch == {
        "price": 12.5,
        "categoryL1": "books",
        "categoryL2": None,
        "productName": "Atlas, new edition",
        "productDescription": "New edition. Maps.",
        "gender": None,
        "promoted": "Y",
        "creationTimestamp": 1_700_000_000,
    }
    json.dumps(launch)  # PutItems takes it as a JSON string

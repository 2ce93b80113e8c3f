"""Avro schemas of the three ECOMMERCE datasets, exactly matching the generator's CSV columns.

The schemas live as JSON files in ``avro/`` next to this module, the form Amazon Personalize's
``CreateSchema`` takes. Choices worth knowing:

* ``USER_ID`` and ``ITEM_ID`` are strings, as Personalize requires, even though user ids look
  like integers ("1" … "6000"): a CSV reader must be told so (``dtype=str``).
* ``CATEGORY_L1``, ``CATEGORY_L2``, ``GENDER`` and ``PROMOTED`` are **categorical**: Personalize
  learns one embedding per value. ``PRODUCT_DESCRIPTION`` is **textual**: it is tokenised.
* ``GENDER`` of an item is ``M``, ``F`` or ``U`` (unisex, also used where gender does not
  apply). The generator never writes an empty value; the schema still allows ``null`` for the
  reserved fields whose Personalize type is nullable, so real catalogues with gaps fit too.
* The interactions carry no ``EVENT_VALUE``: revenue is price × purchases, joined from items.
* ``PERSONA`` and the other ground-truth columns are *not* in any schema: the model must
  discover tastes from behaviour, and we keep the truth apart to grade it later.
"""

from __future__ import annotations

import json
from importlib import resources

DATASETS: tuple[str, ...] = ("USERS", "ITEMS", "INTERACTIONS")
"""Personalize's dataset types that the generator fills."""

_FILES = {"USERS": "users.json", "ITEMS": "items.json", "INTERACTIONS": "interactions.json"}
_DTYPES = {"string": "object", "int": "int64", "long": "int64", "float": "float64"}


def _check(dataset: str) -> str:
    name = str(dataset).upper()
    if name not in _FILES:
        raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, not {dataset!r}")
    return name


def load(dataset: str) -> dict:
    """Return the Avro schema of one dataset type as a dict.

    Args:
        dataset: ``USERS``, ``ITEMS`` or ``INTERACTIONS`` (any case).

    Returns:
        The schema: ``type``, ``name``, ``namespace``, ``fields``, ``version``.

    Raises:
        ValueError: ``dataset`` is not one of the three.
    """
    name = _check(dataset)
    text = resources.files(__package__).joinpath("avro", _FILES[name]).read_text(encoding="utf-8")
    return json.loads(text)


def as_json(dataset: str) -> str:
    """Return the schema as the compact JSON string ``CreateSchema`` takes.

    Args:
        dataset: ``USERS``, ``ITEMS`` or ``INTERACTIONS``.
    """
    return json.dumps(load(dataset), separators=(",", ":"))


def columns(dataset: str) -> list[str]:
    """Return the schema's field names in order: the columns of the dataset's CSV.

    Args:
        dataset: ``USERS``, ``ITEMS`` or ``INTERACTIONS``.
    """
    return [f["name"] for f in load(dataset)["fields"]]


def dtypes(dataset: str) -> dict[str, str]:
    """Return the pandas dtype each column must have: ``object`` for strings, ``int64``, ``float64``.

    Args:
        dataset: ``USERS``, ``ITEMS`` or ``INTERACTIONS``.
    """
    out = {}
    for f in load(dataset)["fields"]:
        kinds = [t for t in (f["type"] if isinstance(f["type"], list) else [f["type"]]) if t != "null"]
        out[f["name"]] = _DTYPES[kinds[0]]
    return out


def personalize_view(df, dataset: str):
    """Return only the schema's columns of ``df``, in schema order: what goes into the CSV.

    Args:
        df: a frame from ``make_users``, ``make_items`` or ``make_interactions``.
        dataset: ``USERS``, ``ITEMS`` or ``INTERACTIONS``.

    Raises:
        ValueError: ``df`` lacks a column the schema needs.
    """
    cols = columns(dataset)
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"df lacks the {dataset} columns {missing}")
    return df[cols]

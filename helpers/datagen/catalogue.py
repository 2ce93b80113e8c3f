"""The synthetic product catalogue: categories, names, descriptions, prices, popularity, neighbours."""

from __future__ import annotations

import itertools
from datetime import datetime

import numpy as np
import pandas as pd

from .vocabulary import ADJECTIVES, BENEFITS, CATEGORIES, COLOURS, MATERIALS

ITEM_COLUMNS: tuple[str, ...] = (
    "ITEM_ID",
    "PRICE",
    "CATEGORY_L1",
    "CATEGORY_L2",
    "PRODUCT_NAME",
    "PRODUCT_DESCRIPTION",
    "GENDER",
    "PROMOTED",
    "CREATION_TIMESTAMP",
    "POPULARITY",
    "NEIGHBOURS",
    "IS_NEW",
)
"""Columns of ``make_items``: the ITEMS schema's nine, then the ground truth."""

N_NEIGHBOURS = 4
"""Co-view neighbours per item: products shoppers tend to look at in the same session."""

MIN_ITEMS = 3 * len(CATEGORIES)
"""Smallest catalogue: three products in each category."""


def _check(rng, n_items, now, n_days, new_share):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, not {type(rng).__name__}")
    if isinstance(n_items, bool) or not isinstance(n_items, int | np.integer) or n_items < MIN_ITEMS:
        raise ValueError(f"n_items must be an integer >= {MIN_ITEMS} (3 per category), not {n_items!r}")
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise ValueError(f"now must be a timezone-aware datetime, not {now!r}")
    if isinstance(n_days, bool) or not isinstance(n_days, int | np.integer) or n_days < 1:
        raise ValueError(f"n_days must be a positive integer, not {n_days!r}")
    if not 0 <= new_share <= 0.5:
        raise ValueError(f"new_share must be in [0, 0.5], not {new_share!r}")


def _counts(n_items: int) -> np.ndarray:
    """Products per category: proportional to the category's share, at least 3, summing to n_items."""
    share = np.array([c.share for c in CATEGORIES.values()])
    extra = n_items - 3 * len(share)
    raw = extra * share / share.sum()
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")  # largest remainders first
    counts[order[: extra - counts.sum()]] += 1
    return counts + 3


def _uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct UUID-4-shaped strings drawn from ``rng`` (deterministic, unlike uuid4)."""
    raw = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexes = [r.tobytes().hex() for r in raw]
    ids = np.array([f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" for h in hexes], dtype=object)
    if len(set(ids)) != n:  # pragma: no cover - 2**-122 odds
        raise RuntimeError("duplicate item ids drawn")
    return ids


def _neighbours(
    rng: np.random.Generator, cat: np.ndarray, popularity: np.ndarray, is_new: np.ndarray
) -> np.ndarray:
    """For every item, N_NEIGHBOURS established items of its category, drawn by popularity, never itself."""
    n = len(cat)
    out = np.empty((n, N_NEIGHBOURS), dtype=np.int64)
    for c in np.unique(cat):
        members = np.flatnonzero(cat == c)
        pool = members[~is_new[members]]
        # Efraimidis-Spirakis keys: the smallest -log(u)/w are a weighted sample without replacement
        keys = -np.log(rng.random((len(members), len(pool)))) / popularity[pool]
        keys[members[:, None] == pool[None, :]] = np.inf
        k = min(N_NEIGHBOURS, len(pool) - 1) if len(pool) > 1 else 1
        best = np.argsort(keys, axis=1, kind="stable")[:, :k]
        picked = pool[best]
        # tiny categories have fewer candidates than N_NEIGHBOURS: repeat the few there are
        out[members] = picked[:, np.arange(N_NEIGHBOURS) % k]
    return out


def _unique_names(adj: np.ndarray, noun: list[str], colour: np.ndarray) -> tuple[list[int], list[str]]:
    """Name every product "Adjective noun", each name once, so that a list of products reads clearly.

    A product whose drawn name is taken already moves to the next free adjective of the list; once a
    noun has used every adjective, the product's own colour joins the name ("Sleek teal headphones"),
    and after that a series number ("Sleek teal headphones 2"). No random number is drawn, so the
    rest of the catalogue does not depend on the names.

    Args:
        adj: the drawn adjective index of each product, into ``ADJECTIVES``.
        noun: each product's noun.
        colour: each product's colour index, into ``COLOURS`` (the description's colour).

    Returns:
        The adjective index each name uses, and the names, in product order.
    """
    taken: set[str] = set()
    adjectives, names = [], []
    for drawn, word, co in zip(adj, noun, colour, strict=True):
        for step in itertools.count():
            a, layer = (int(drawn) + step) % len(ADJECTIVES), step // len(ADJECTIVES)
            name = " ".join([ADJECTIVES[a].capitalize(), *([COLOURS[co]] if layer else []), word])
            name += f" {layer}" if layer > 1 else ""
            if name not in taken:
                break
        taken.add(name)
        adjectives.append(a)
        names.append(name)
    return adjectives, names


def make_items(
    rng: np.random.Generator,
    n_items: int = 2_465,
    *,
    now: datetime,
    n_days: int = 90,
    new_share: float = 0.03,
) -> pd.DataFrame:
    """Draw a catalogue of ``n_items`` products across the 20 categories of ``vocabulary``.

    Public columns (the ITEMS dataset): ``ITEM_ID`` (UUID-shaped string), ``PRICE`` (USD,
    log-normal around the category's median, ending in .99), ``CATEGORY_L1``, ``CATEGORY_L2``,
    ``PRODUCT_NAME`` and ``PRODUCT_DESCRIPTION`` (from our own vocabulary), ``GENDER`` (``M``,
    ``F`` or ``U`` for unisex / not applicable), ``PROMOTED`` (``Y``/``N``, about 8 %) and
    ``CREATION_TIMESTAMP`` (Unix seconds).

    Ground-truth columns: ``POPULARITY`` (the product's share of its category's draws, a Zipf
    long tail; 0 for new products), ``NEIGHBOURS`` (the ids of ``N_NEIGHBOURS`` products of the
    same category that shoppers view and buy in the same session) and ``IS_NEW``. About
    ``new_share`` of the products are **new**: created in the last 7 days before ``now``, with
    no interactions yet, for the cold-start lessons. All others were created before the
    ``n_days`` of interaction history begin.

    Args:
        rng: the random generator; the same state gives the same catalogue.
        n_items: number of products, at least ``MIN_ITEMS`` (60).
        now: the shop's "now", timezone-aware (``config.NOW``); the clock is never read.
        n_days: days of interaction history that will precede ``now``, at least 1.
        new_share: share of new products, in [0, 0.5].

    Returns:
        One row per product, columns ``ITEM_COLUMNS``, grouped by category.

    Raises:
        ValueError: an argument is out of range (the message names it).
        TypeError: ``rng`` is not a ``numpy.random.Generator``.
    """
    _check(rng, n_items, now, n_days, new_share)
    names = list(CATEGORIES)
    counts = _counts(int(n_items))
    cat = np.repeat(np.arange(len(names)), counts)
    n = len(cat)
    ids = _uuids(rng, n)

    # sub-category and noun: uniform within the category
    l2, noun, gendered, median, spread = [], [], [], [], []
    u_l2, u_noun = rng.random(n), rng.random(n)
    for i, c in enumerate(cat):
        spec = CATEGORIES[names[c]]
        subs = list(spec.subcategories)
        s = subs[int(u_l2[i] * len(subs))]
        nouns = spec.subcategories[s]
        l2.append(s)
        noun.append(nouns[int(u_noun[i] * len(nouns))])
        gendered.append(spec.gendered)
        median.append(spec.price)
        spread.append(spec.spread)
    gendered, median, spread = np.array(gendered), np.array(median), np.array(spread)

    raw_price = rng.lognormal(np.log(median), spread)
    price = np.maximum(np.round(raw_price) - 0.01, 0.99).round(2)
    gender = np.where(
        gendered, rng.choice(np.array(["F", "M", "U"], dtype=object), n, p=[0.45, 0.45, 0.1]), "U"
    )
    promoted = np.where(rng.random(n) < 0.08, "Y", "N").astype(object)

    adj = rng.integers(len(ADJECTIVES), size=n)
    colour = rng.integers(len(COLOURS), size=n)
    material = rng.integers(len(MATERIALS), size=n)
    benefit = rng.integers(len(BENEFITS), size=n)
    adj, product_name = _unique_names(adj, noun, colour)
    description = [
        f"{ADJECTIVES[a].capitalize()} {w} from our {s} range, in {COLOURS[co]} with {MATERIALS[m]} details. "
        f"{BENEFITS[b][0].upper()}{BENEFITS[b][1:]}."
        for a, w, s, co, m, b in zip(adj, noun, l2, colour, material, benefit, strict=True)
    ]

    # new products: never the first three of a category, so every category keeps established ones
    n_new = int(round(new_share * n))
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    eligible = np.ones(n, dtype=bool)
    for f in first:
        eligible[f : f + 3] = False
    is_new = np.zeros(n, dtype=bool)
    is_new[rng.permutation(np.flatnonzero(eligible))[:n_new]] = True

    now_s = int(now.timestamp())
    start_s = now_s - int(n_days) * 86_400
    created = np.where(
        is_new,
        now_s - rng.integers(1_800, 7 * 86_400, size=n),
        start_s - rng.integers(86_400, 3 * 365 * 86_400, size=n),
    ).astype(np.int64)

    # popularity: Zipf over a random rank within the category, promotion helps a little
    popularity = np.zeros(n)
    for c in range(len(names)):
        members = np.flatnonzero((cat == c) & ~is_new)
        rank = rng.permutation(len(members)) + 1
        popularity[members] = rank**-1.1 * np.where(promoted[members] == "Y", 1.5, 1.0)
        popularity[members] /= popularity[members].sum()
    # neighbours lean only mildly towards popular products, so "also viewed" is not just "popular"
    neighbours = _neighbours(rng, cat, np.where(is_new, 1e-12, popularity**0.25), is_new)

    return pd.DataFrame(
        {
            "ITEM_ID": ids,
            "PRICE": price,
            "CATEGORY_L1": np.asarray(names, dtype=object)[cat],
            "CATEGORY_L2": np.asarray(l2, dtype=object),
            "PRODUCT_NAME": np.asarray(product_name, dtype=object),
            "PRODUCT_DESCRIPTION": np.asarray(description, dtype=object),
            "GENDER": gender.astype(object),
            "PROMOTED": promoted,
            "CREATION_TIMESTAMP": created,
            "POPULARITY": popularity.round(8),
            "NEIGHBOURS": [list(ids[row]) for row in neighbours],
            "IS_NEW": is_new,
        }
    )


def camel_case(field: str) -> str:
    """Return a schema field name as PutItems and PutUsers spell it: ``CATEGORY_L1`` → ``categoryL1``."""
    head, *rest = field.lower().split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def new_edition(product: pd.Series, created: int) -> dict[str, object]:
    """Return the PutItems ``properties`` of a new edition of a catalogue product.

    The launch of notebooks 08 and 11: the same category, price and gender, ", new edition" in
    the name, "New edition." before the description, promoted, and created at ``created``. Keys
    are the Items schema's fields in camel case, as PutItems wants them; an empty field is None.

    Args:
        product: one row of ``make_items`` (a catalogue row, indexed by column name).
        created: the new edition's ``CREATION_TIMESTAMP``, in Unix seconds.

    Returns:
        ``{"price": …, "categoryL1": …, …}``, ready for ``json.dumps``.
    """
    fields = {
        "PRICE": float(product["PRICE"]),
        "CATEGORY_L1": product["CATEGORY_L1"],
        "CATEGORY_L2": product["CATEGORY_L2"],
        "PRODUCT_NAME": f"{product['PRODUCT_NAME']}, new edition",
        "PRODUCT_DESCRIPTION": f"New edition. {product['PRODUCT_DESCRIPTION']}",
        "GENDER": product["GENDER"],
        "PROMOTED": "Y",
        "CREATION_TIMESTAMP": int(created),
    }
    return {camel_case(name): None if _missing(value) else value for name, value in fields.items()}


def _missing(value: object) -> bool:
    """True for an empty catalogue cell (NaN)."""
    return isinstance(value, float) and np.isnan(value)

"""Ground truth of the synthetic shop: what each shopper truly likes, for grading recommendations."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.recsys.baselines import top_columns

from .interactions import NOISE, PERSONA_MIX, choice_weights
from .vocabulary import CATEGORIES, PRICE_SENSITIVITIES


def category_mix(users: pd.DataFrame) -> pd.DataFrame:
    """Each shopper's true chance that a session falls in each category.

    Args:
        users: from ``make_users`` (needs ``USER_ID`` and ``PERSONA``).

    Returns:
        One row per user (index ``USER_ID``), one column per ``CATEGORY_L1``; rows sum to 1.
    """
    names = list(CATEGORIES)
    mix = np.full((len(users), len(names)), NOISE / len(names))
    share = (1 - NOISE) * np.asarray(PERSONA_MIX) / sum(PERSONA_MIX)
    for row, persona in enumerate(users["PERSONA"]):
        for rank, cat in enumerate(persona.split("_")):
            mix[row, names.index(cat)] += share[rank]
    return pd.DataFrame(mix, index=pd.Index(users["USER_ID"], name="USER_ID"), columns=names)


def affinity(users: pd.DataFrame, items: pd.DataFrame) -> np.ndarray:
    """The true probability that a shopper's next freshly chosen product is each item.

    It combines the persona's category mix with the within-category choice (popularity, price
    sensitivity, gender) that ``make_interactions`` samples from; neighbour hops, which only
    move views within a category, are left out.

    Args:
        users: from ``make_users`` (any subset of rows).
        items: from ``make_items``.

    Returns:
        float32 array of shape (len(users), len(items)), rows summing to about 1, in [0, 1].
        New products score 0.
    """
    mix = category_mix(users).to_numpy()
    item_cat = items["CATEGORY_L1"].map({c: i for i, c in enumerate(CATEGORIES)}).to_numpy()
    out = np.zeros((len(users), len(items)), dtype=np.float32)
    gender = users["GENDER"].to_numpy()
    sens = users["PRICE_SENSITIVITY"].to_numpy()
    for g in ("F", "M"):
        for s in PRICE_SENSITIVITIES:
            rows = np.flatnonzero((gender == g) & (sens == s))
            if len(rows):
                out[rows] = mix[rows][:, item_cat] * choice_weights(items, g, s)[None, :]
    return out


def top_items(users: pd.DataFrame, items: pd.DataFrame, k: int = 25, chunk: int = 2_000) -> pd.DataFrame:
    """Each shopper's ``k`` truly most liked products: the ideal recommendation list.

    Args:
        users: from ``make_users``.
        items: from ``make_items``.
        k: list length, at least 1.
        chunk: users scored at a time (bounds memory).

    Returns:
        ``len(users) * k`` rows: ``USER_ID``, ``RANK`` (1 = best), ``ITEM_ID``, ``SCORE`` (the
        ``affinity``); ties broken by ``ITEM_ID``.

    Raises:
        ValueError: ``k`` is not a positive integer or exceeds the number of items.
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= len(items):
        raise ValueError(f"k must be an integer in [1, {len(items)}], not {k!r}")
    ids = items["ITEM_ID"].to_numpy(dtype=object)
    by_id = np.argsort(ids, kind="stable")  # score ties go to the smaller ITEM_ID
    frames = []
    for lo in range(0, len(users), chunk):
        part = users.iloc[lo : lo + chunk]
        scores = affinity(part, items)[:, by_id]
        best = top_columns(-scores, k)  # the stable order's first k, without sorting whole rows
        frames.append(
            pd.DataFrame(
                {
                    "USER_ID": np.repeat(part["USER_ID"].to_numpy(dtype=object), k),
                    "RANK": np.tile(np.arange(1, k + 1), len(part)),
                    "ITEM_ID": ids[by_id][best].ravel(),
                    "SCORE": np.take_along_axis(scores, best, axis=1).ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)

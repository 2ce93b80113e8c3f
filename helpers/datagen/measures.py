"""Measure the structure built into the synthetic shop, the way an analyst would from the CSVs."""

from __future__ import annotations

import numpy as np
import pandas as pd


def top_category_share(interactions: pd.DataFrame, items: pd.DataFrame, k: int = 3) -> pd.Series:
    """Share of each shopper's events that fall in their own ``k`` most frequent categories.

    A high value means tastes are concentrated: the signal a personalised recommender needs.

    Args:
        interactions: with ``USER_ID`` and ``ITEM_ID``.
        items: with ``ITEM_ID`` and ``CATEGORY_L1``.
        k: how many top categories count, at least 1.

    Returns:
        One value per ``USER_ID`` (sorted index), in (0, 1].
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    cat = interactions["ITEM_ID"].map(items.set_index("ITEM_ID")["CATEGORY_L1"])
    counts = pd.DataFrame({"USER_ID": interactions["USER_ID"], "CATEGORY_L1": cat}).value_counts()
    counts = (
        counts.rename("n")
        .reset_index()
        .sort_values(["USER_ID", "n", "CATEGORY_L1"], ascending=[True, False, True])
    )
    top = counts[counts.groupby("USER_ID").cumcount() < k].groupby("USER_ID")["n"].sum()
    return (top / counts.groupby("USER_ID")["n"].sum()).sort_index()


def head_share(interactions: pd.DataFrame, head: float = 0.1) -> float:
    """Share of events that go to the most popular ``head`` share of products with events.

    Args:
        interactions: with ``ITEM_ID``.
        head: share of products, in (0, 1).

    Returns:
        A share in (0, 1]; ``head`` itself if every product were equally popular.
    """
    if not 0 < head < 1:
        raise ValueError(f"head must be in (0, 1), got {head}")
    pop = interactions["ITEM_ID"].value_counts()
    return float(pop.iloc[: max(1, int(len(pop) * head))].sum() / pop.sum())


def co_view_lift(
    interactions: pd.DataFrame, items: pd.DataFrame, rng: np.random.Generator, gap: int = 600
) -> dict[str, float]:
    """How much more often consecutive views are co-view neighbours than chance would have it.

    We pair each view with the same shopper's next view when it comes within ``gap`` seconds,
    and count the pairs that are neighbours (either way round). Chance is the same count after
    shuffling the second products among products of their own category, which keeps category
    tastes and popularity but breaks the product-to-product link.

    Args:
        interactions: with ``USER_ID``, ``ITEM_ID``, ``TIMESTAMP``, ``EVENT_TYPE``.
        items: with ``ITEM_ID``, ``CATEGORY_L1`` and ``NEIGHBOURS``.
        rng: generator for the shuffle.
        gap: longest pause between two views of one visit, in seconds.

    Returns:
        ``{"pairs": n, "observed": share, "chance": share, "lift": observed / chance}``.
    """
    views = interactions[interactions["EVENT_TYPE"] == "View"].sort_values(
        ["USER_ID", "TIMESTAMP"], kind="stable"
    )
    a, b = views.iloc[:-1].reset_index(drop=True), views.iloc[1:].reset_index(drop=True)
    keep = (
        (a["USER_ID"] == b["USER_ID"])
        & (b["TIMESTAMP"] - a["TIMESTAMP"] <= gap)
        & (a["ITEM_ID"] != b["ITEM_ID"])
    )
    pairs = pd.DataFrame({"a": a.loc[keep, "ITEM_ID"].to_numpy(), "b": b.loc[keep, "ITEM_ID"].to_numpy()})
    catalogue = pd.Index(items["ITEM_ID"])
    links = items[["ITEM_ID", "NEIGHBOURS"]].explode("NEIGHBOURS")
    ends = catalogue.get_indexer(links["ITEM_ID"]), catalogue.get_indexer(links["NEIGHBOURS"])
    known = (ends[0] >= 0) & (ends[1] >= 0)
    n = len(catalogue)
    linked = np.concatenate([ends[0][known] * n + ends[1][known], ends[1][known] * n + ends[0][known]])

    def share(first, second) -> float:
        """Share of the pairs ``(first[i], second[i])`` that are neighbours, either way round."""
        x, y = catalogue.get_indexer(first), catalogue.get_indexer(second)
        return float(np.mean(np.isin(x * n + y, linked) & (x >= 0) & (y >= 0))) if len(x) else 0.0

    cat = pairs["b"].map(items.set_index("ITEM_ID")["CATEGORY_L1"]).to_numpy()
    shuffled = pairs["b"].to_numpy().copy()
    for c in np.unique(cat):
        where = np.flatnonzero(cat == c)
        shuffled[where] = shuffled[rng.permutation(where)]
    observed, chance = share(pairs["a"], pairs["b"]), share(pairs["a"], shuffled)
    return {
        "pairs": len(pairs),
        "observed": observed,
        "chance": chance,
        "lift": observed / chance if chance else np.inf,
    }

"""Charts of chapter 00 (recommender concepts): similarity, user-item weights, method rankings."""

from __future__ import annotations

import seaborn as sns

from helpers.plots import FIGSIZE, chart_axes


def _squarechart_axes(ax):
    """Return ``ax`` or a fresh Axes with room for a labelled item-by-item heatmap."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(FIGSIZE[0], FIGSIZE[0] * 0.75))
    return ax


def similarity_heatmap(df, ax=None, title: str | None = None, label: str = "cosine similarity (0-1)"):
    """Heatmap of an item-item similarity matrix, with the most similar pair in the title.

    Args:
        df: square DataFrame, items as index and columns, similarities in [0, 1].
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding computed from ``df``.
        label: colour-bar label, with units.

    Returns:
        The Axes.
    """
    import numpy as np

    values = df.to_numpy(dtype=float)
    if values.ndim != 2 or values.shape[0] != values.shape[1] or values.shape[0] < 2:
        raise ValueError(f"df must be a square matrix of at least 2 items, got shape {values.shape}")
    upper = np.where(np.triu(np.ones_like(values, dtype=bool), k=1), values, -np.inf)
    i, j = np.unravel_index(int(np.argmax(upper)), upper.shape)  # first maximum: ties by position
    ax = _squarechart_axes(ax)
    sns.heatmap(
        df, ax=ax, vmin=0, vmax=1, cmap="viridis", square=True, annot=True, fmt=".1f",
        annot_kws={"fontsize": 7}, linewidths=0.5, cbar_kws={"label": label},
    )  # fmt: skip
    ax.set_title(title or f"Most alike: {df.index[i]} & {df.columns[j]} ({values[i, j]:.2f})")
    ax.set_xlabel("item")
    ax.set_ylabel("item")
    return ax


def user_item_heatmap(df, ax=None, title: str | None = None, label: str = "interaction weight (0 = none)"):
    """Heatmap of a user-item matrix, with its share of empty cells in the title.

    Args:
        df: DataFrame with shoppers as index, items as columns and non-negative weights.
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding computed from ``df``.
        label: colour-bar label, with units.

    Returns:
        The Axes.
    """
    import numpy as np

    values = df.to_numpy(dtype=float)
    if values.size == 0:
        raise ValueError("df must hold at least one shopper and one item")
    empty = float(np.mean(values == 0))
    annot = np.where(values > 0, np.vectorize(lambda v: f"{v:g}")(values), "")
    ax = chart_axes(ax)
    sns.heatmap(
        df, ax=ax, vmin=0, cmap="Blues", annot=annot, fmt="", linewidths=0.5, linecolor="0.85",
        cbar_kws={"label": label},
    )  # fmt: skip
    ax.set_title(title or f"{empty:.0%} of the shopper x item matrix is empty")
    ax.set_xlabel("item")
    ax.set_ylabel("shopper")
    ax.tick_params(axis="y", rotation=0)
    return ax


def method_comparison_bars(df, ax=None, title: str | None = None):
    """Horizontal grouped bars of each method's scores for the items some method recommends.

    Args:
        df: long DataFrame with columns ``method``, ``item`` and ``score`` (in [0, 1]), one row
            per method and item; item order is kept top to bottom.
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding computed from ``df`` (each method's top pick).

    Returns:
        The Axes.
    """
    missing = {"method", "item", "score"} - set(df.columns)
    if missing:
        raise ValueError(f"df lacks column(s) {sorted(missing)}")
    if df.empty:
        raise ValueError("df must hold at least one row")
    order = list(dict.fromkeys(df["item"]))
    positions = df["item"].map(order.index)
    ranked = df.assign(_pos=positions).sort_values(["score", "_pos"], ascending=[False, True])
    picks = ranked.drop_duplicates("method").set_index("method")["item"]
    methods = list(dict.fromkeys(df["method"]))
    if picks.nunique() == 1:
        finding = f"Every method ranks {picks.iloc[0]} first"
    else:
        by_item = {item: [m for m in methods if picks[m] == item] for item in dict.fromkeys(picks[methods])}
        finding = "First pick: " + ", ".join(f"{item} ({', '.join(ms)})" for item, ms in by_item.items())
    ax = chart_axes(ax)
    sns.barplot(data=df, x="score", y="item", hue="method", order=order, hue_order=methods, ax=ax)
    ax.set_title(title or finding)
    ax.set_xlabel("score (0-1, higher = recommend sooner)")
    ax.set_ylabel("item")
    ax.set_xlim(0, 1)
    ax.legend(title="method", loc="lower right")
    return ax


def popularity_bars(df, ax=None, title: str | None = None, top: int = 3):
    """Bars of each item's number of shoppers, most popular first: the long tail.

    Args:
        df: DataFrame with columns ``item`` and ``shoppers`` (non-negative counts).
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding computed from ``df`` (share of the ``top`` items).
        top: how many head items the title's share counts, at least 1.

    Returns:
        The Axes.
    """
    missing = {"item", "shoppers"} - set(df.columns)
    if missing:
        raise ValueError(f"df lacks column(s) {sorted(missing)}")
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    ranked = df.reset_index(drop=True).reset_index()
    ranked = ranked.sort_values(["shoppers", "index"], ascending=[False, True])
    total = ranked["shoppers"].sum()
    share = ranked["shoppers"].head(top).sum() / total if total else 0.0
    ax = chart_axes(ax)
    sns.barplot(data=ranked, x="item", y="shoppers", order=list(ranked["item"]), color="C0", ax=ax)
    ax.set_title(title or f"The top {top} of {len(ranked)} items get {share:.0%} of all interactions")
    ax.set_xlabel("item (most popular first)")
    ax.set_ylabel("shoppers who interacted (count)")
    ax.tick_params(axis="x", rotation=45)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
    return ax

"""One plotting theme for the series, and one function per chart.

Each chart function takes a DataFrame (and optionally an ``ax``), draws one chart with a
title that states the finding and axis labels with units, and returns the ``Axes``.
"""

from __future__ import annotations

import textwrap

import matplotlib as mpl
import seaborn as sns

FIGSIZE = (8, 4.5)
DPI = 80
PALETTE = "colorblind"


def use_theme() -> None:
    """Apply the series' seaborn theme, palette, figure size and PNG output."""
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook")
    mpl.rcParams.update(
        {
            "figure.figsize": FIGSIZE,
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
            "axes.titleweight": "bold",
            "figure.autolayout": True,
        }
    )
    try:  # inline backend: PNG keeps notebooks small and nbval ignores it
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
    except ImportError:  # pragma: no cover - outside Jupyter
        pass


def _axes(ax):
    """Return ``ax`` or a fresh Axes of the series' size."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=FIGSIZE)
    return ax


# --- 00_recsys_concepts -------------------------------------------------------------------


def _square_axes(ax):
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
    ax = _square_axes(ax)
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
    ax = _axes(ax)
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
    ax = _axes(ax)
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
    ax = _axes(ax)
    sns.barplot(data=ranked, x="item", y="shoppers", order=list(ranked["item"]), color="C0", ax=ax)
    ax.set_title(title or f"The top {top} of {len(ranked)} items get {share:.0%} of all interactions")
    ax.set_xlabel("item (most popular first)")
    ax.set_ylabel("shoppers who interacted (count)")
    ax.tick_params(axis="x", rotation=45)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
    return ax


# --- 01-03: the synthetic shop ------------------------------------------------------------


def _need(df, columns, name="df"):
    """Raise ValueError if ``df`` lacks any of ``columns`` or has no rows."""
    missing = set(columns) - set(df.columns)
    if missing:
        raise ValueError(f"{name} lacks column(s) {sorted(missing)}")
    if df.empty:
        raise ValueError(f"{name} must hold at least one row")


def age_histogram(users, ax=None, title: str | None = None):
    """Histogram of shoppers' ages, with the median age in the title.

    Args:
        users: DataFrame with an ``AGE`` column (years).
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding computed from ``users``.

    Returns:
        The Axes.
    """
    _need(users, ["AGE"], "users")
    ax = _axes(ax)
    sns.histplot(users["AGE"], binwidth=2, ax=ax, color="C0")
    ax.set_title(title or f"Half of our shoppers are younger than {users['AGE'].median():.0f}")
    ax.set_xlabel("age (years)")
    ax.set_ylabel("shoppers (count)")
    return ax


def persona_bars(users, ax=None, title: str | None = None):
    """Horizontal bars of shoppers per persona, most common first.

    Args:
        users: DataFrame with a ``PERSONA`` column.
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding computed from ``users``.

    Returns:
        The Axes.
    """
    _need(users, ["PERSONA"], "users")
    counts = users["PERSONA"].value_counts().rename_axis("persona").reset_index(name="shoppers")
    counts = counts.sort_values(["shoppers", "persona"], ascending=[False, True])
    ax = _axes(ax)
    sns.barplot(data=counts, x="shoppers", y="persona", color="C0", ax=ax)
    top, bottom = counts.iloc[0], counts.iloc[-1]
    ax.set_title(
        title or f"{len(counts)} personas, from {top.shoppers} ({top.persona}) to {bottom.shoppers} shoppers"
    )
    ax.set_xlabel("shoppers (count)")
    ax.set_ylabel("persona (three preferred categories)")
    return ax


def category_item_bars(items, ax=None, title: str | None = None):
    """Bars of products per top-level category, largest first.

    Args:
        items: DataFrame with a ``CATEGORY_L1`` column.
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding computed from ``items``.

    Returns:
        The Axes.
    """
    _need(items, ["CATEGORY_L1"], "items")
    counts = items["CATEGORY_L1"].value_counts().rename_axis("category").reset_index(name="products")
    counts = counts.sort_values(["products", "category"], ascending=[False, True])
    ax = _axes(ax)
    sns.barplot(data=counts, x="category", y="products", color="C0", ax=ax)
    largest = counts.iloc[0].category
    ax.set_title(title or f"{len(items):,} products in {len(counts)} categories; {largest} is largest")
    ax.set_xlabel("category (CATEGORY_L1)")
    ax.set_ylabel("products (count)")
    ax.tick_params(axis="x", rotation=45)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
    return ax


def price_by_category_boxes(items, ax=None, title: str | None = None):
    """Box plots of price per category on a log axis, dearest median first.

    Args:
        items: DataFrame with ``CATEGORY_L1`` and ``PRICE`` (USD, positive) columns.
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding computed from ``items``.

    Returns:
        The Axes.
    """
    _need(items, ["CATEGORY_L1", "PRICE"], "items")
    medians = items.groupby("CATEGORY_L1")["PRICE"].median()
    order = sorted(medians.index, key=lambda c: (-medians[c], c))
    ax = _axes(ax)
    sns.boxplot(data=items, x="CATEGORY_L1", y="PRICE", order=order, color="C0", fliersize=1.5, ax=ax)
    ax.set_yscale("log")
    low, high = order[-1], order[0]
    finding = f"Median price: {medians[low]:.0f} USD ({low}) to {medians[high]:.0f} USD ({high})"
    ax.set_title(title or finding)
    ax.set_xlabel("category (CATEGORY_L1)")
    ax.set_ylabel("price (USD, log scale)")
    ax.tick_params(axis="x", rotation=45)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
    return ax


def popularity_curve(interactions, ax=None, title: str | None = None, head: float = 0.1):
    """Cumulative share of events against share of products, most popular first: the long tail.

    Args:
        interactions: DataFrame with an ``ITEM_ID`` column, one row per event.
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding computed from ``interactions``.
        head: share of products, in (0, 1), whose share of events the title reports.

    Returns:
        The Axes.
    """
    import numpy as np

    _need(interactions, ["ITEM_ID"], "interactions")
    if not 0 < head < 1:
        raise ValueError(f"head must be in (0, 1), got {head}")
    counts = np.sort(interactions["ITEM_ID"].value_counts().to_numpy())[::-1]
    x = np.arange(1, len(counts) + 1) / len(counts)
    y = np.cumsum(counts) / counts.sum()
    share = y[max(1, int(len(counts) * head)) - 1]
    ax = _axes(ax)
    ax.plot(x * 100, y * 100, color="C0")
    ax.plot([0, 100], [0, 100], color="0.6", linestyle="--", label="every product equally popular")
    ax.axvline(head * 100, color="C1", linestyle=":", label=f"top {head:.0%} of products")
    ax.set_title(title or f"The top {head:.0%} of products get {share:.0%} of all events")
    ax.set_xlabel("products, most popular first (% of products with events)")
    ax.set_ylabel("cumulative events (%)")
    ax.legend(loc="lower right")
    return ax


def events_per_user_histogram(interactions, ax=None, title: str | None = None):
    """Histogram of events per shopper on a log axis: a few heavy shoppers, many light ones.

    Args:
        interactions: DataFrame with a ``USER_ID`` column, one row per event.
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding computed from ``interactions``.

    Returns:
        The Axes.
    """
    _need(interactions, ["USER_ID"], "interactions")
    per_user = interactions["USER_ID"].value_counts()
    ax = _axes(ax)
    sns.histplot(per_user, log_scale=True, bins=40, color="C0", ax=ax)
    ax.set_title(title or f"Median shopper: {per_user.median():.0f} events; the busiest: {per_user.max():,}")
    ax.set_xlabel("events per shopper (count, log scale)")
    ax.set_ylabel("shoppers (count)")
    return ax


def funnel_bars(interactions, ax=None, title: str | None = None):
    """Bars of events per funnel step (View, AddToCart, Purchase) on a log axis, with shares.

    Args:
        interactions: DataFrame with an ``EVENT_TYPE`` column.
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding computed from ``interactions``.

    Returns:
        The Axes.
    """
    _need(interactions, ["EVENT_TYPE"], "interactions")
    counts = interactions["EVENT_TYPE"].value_counts()
    steps = [s for s in ("View", "AddToCart", "Purchase") if s in counts.index]
    steps += sorted(set(counts.index) - set(steps))
    ax = _axes(ax)
    ax.bar(steps, [counts[s] for s in steps], color=[f"C{i}" for i in range(len(steps))])
    ax.set_yscale("log")
    for i, s in enumerate(steps):
        label = f"{counts[s]:,}\n{counts[s] / counts.sum():.1%}"
        ax.annotate(label, (i, counts[s]), ha="center", va="bottom")
    buy = counts.get("Purchase", 0) / counts.sum()
    ax.set_title(title or f"{buy:.1%} of events are purchases")
    ax.set_xlabel("event type (funnel step)")
    ax.set_ylabel("events (count, log scale)")
    ax.margins(y=0.25)
    return ax


def daily_activity_line(interactions, ax=None, title: str | None = None):
    """Events per day (UTC) as a line, with the busiest weekday in the title.

    Args:
        interactions: DataFrame with a ``TIMESTAMP`` column (Unix seconds).
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding computed from ``interactions``.

    Returns:
        The Axes.
    """
    import pandas as pd

    _need(interactions, ["TIMESTAMP"], "interactions")
    day = pd.to_datetime(interactions["TIMESTAMP"], unit="s", utc=True).dt.floor("D")
    per_day = day.value_counts().sort_index()
    by_weekday = per_day.groupby(per_day.index.day_name()).mean()
    ax = _axes(ax)
    ax.plot(per_day.index, per_day.to_numpy(), color="C0", marker=".")
    lift = by_weekday.max() / by_weekday.min() - 1
    ax.set_title(title or f"{by_weekday.idxmax()}s are busiest: {lift:.0%} over {by_weekday.idxmin()}s")
    ax.set_xlabel("day (UTC)")
    ax.set_ylabel("events per day (count)")
    ax.tick_params(axis="x", rotation=30)
    return ax


def hourly_activity_bars(interactions, ax=None, title: str | None = None):
    """Bars of the share of events per hour of day (UTC), with the peak hour in the title.

    Args:
        interactions: DataFrame with a ``TIMESTAMP`` column (Unix seconds).
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding computed from ``interactions``.

    Returns:
        The Axes.
    """
    import pandas as pd

    _need(interactions, ["TIMESTAMP"], "interactions")
    hour = pd.to_datetime(interactions["TIMESTAMP"], unit="s", utc=True).dt.hour
    share = hour.value_counts(normalize=True).reindex(range(24), fill_value=0.0) * 100
    ax = _axes(ax)
    ax.bar(share.index, share.to_numpy(), color="C0")
    peak, low = int(share.idxmax()), int(share.idxmin())
    ax.set_title(title or f"Traffic peaks at {peak:02d}:00 UTC and is lowest at {low:02d}:00")
    ax.set_xlabel("hour of day (UTC)")
    ax.set_ylabel("events (% of all)")
    ax.set_xticks(range(0, 24, 2))
    return ax


# --- 05-06: recommenders ------------------------------------------------------------------


def metric_label(name: str) -> str:
    """Return a short label for a Personalize metric name, e.g. ``NDCG@10`` or ``MRR@25``.

    Args:
        name: a ``modelMetrics`` key such as ``normalized_discounted_cumulative_gain_at_10``;
            names without a known ``_at_K`` stem come back with spaces for underscores.
    """
    short = {
        "normalized_discounted_cumulative_gain": "NDCG",
        "mean_reciprocal_rank": "MRR",
        "precision": "precision",
        "recall": "recall",
        "ndcg": "NDCG",
        "mean_average_precision": "MAP",
        "novelty": "novelty",
        "diversity": "diversity",
        "persona_share": "persona share",
    }
    stem, _, k = name.rpartition("_at_")
    if stem in short and k.isdigit():
        return f"{short[stem]}@{k}"
    return name.replace("_", " ")


def recommender_metric_bars(
    metrics,
    ax=None,
    title: str | None = None,
    columns: tuple[str, ...] = (
        "coverage",
        "mean_reciprocal_rank_at_25",
        "normalized_discounted_cumulative_gain_at_10",
        "precision_at_10",
    ),
    key: str = "normalized_discounted_cumulative_gain_at_10",
    baseline: str = "most-viewed",
    focus: str | None = None,
):
    """Grouped bars of offline metrics per recommender, the best against a baseline in the title.

    Args:
        metrics: wide DataFrame, one row per recommender (the index, e.g. ``recommended-for-you``),
            one column per Personalize metric (values in [0, 1]); row order is kept in the legend.
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding computed from ``metrics``.
        columns: the metrics to draw, left to right; each must be a column of ``metrics``.
        key: the metric the title compares; must be a column of ``metrics``.
        baseline: the recommender compared against; if absent or zero, the title names the
            compared one and its score only.
        focus: the recommender the title compares with ``baseline``; by default the best on
            ``key`` (ties go to the smaller name).

    Returns:
        The Axes.

    Raises:
        ValueError: ``metrics`` is empty or lacks ``key`` or one of ``columns``, or ``focus`` is
            not one of its rows.
    """
    import pandas as pd

    _need(metrics, [*columns, key], "metrics")
    names = [str(n) for n in metrics.index]
    if focus is not None and focus not in names:
        raise ValueError(f"focus must be one of the recommenders {names}, not {focus!r}")
    scores = pd.Series(metrics[key].to_numpy(dtype=float), index=names)
    best = focus or min(names, key=lambda n: (-scores[n], n))  # ties go to the smaller name
    label = metric_label(key)
    if best != baseline and baseline in scores.index and scores[baseline] > 0:
        finding = f"{best} scores {scores[best] / scores[baseline]:.1f}x {baseline} on {label}"
    else:
        finding = f"{best} scores {scores[best]:.2f} on {label}"
    long = (
        metrics[list(columns)]
        .set_axis(names)
        .rename_axis("recommender")
        .reset_index()
        .melt(id_vars="recommender", var_name="metric", value_name="value")
    )
    long["metric"] = long["metric"].map(metric_label)
    ax = _axes(ax)
    sns.barplot(data=long, x="metric", y="value", hue="recommender", hue_order=names, ax=ax)
    ax.set_title(title or finding)
    ax.set_xlabel("offline metric (on the newest 10% of events of held-out shoppers)")
    ax.set_ylabel("score (0-1, higher is better)")
    ax.set_ylim(0, 1)
    ax.legend(title="recommender", loc="upper right", fontsize="small")
    return ax


def persona_share_histogram(shares, ax=None, title: str | None = None):
    """Histograms, per recommender, of the share of each shopper's list in their persona's categories.

    Args:
        shares: long DataFrame with columns ``recommender`` and ``share`` (in [0, 1]), one row
            per shopper and recommender; recommender order of first appearance is kept.
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding computed from ``shares`` (each recommender's mean share).

    Returns:
        The Axes.

    Raises:
        ValueError: ``shares`` is empty or lacks a column.
    """
    import numpy as np

    _need(shares, ["recommender", "share"], "shares")
    order = list(dict.fromkeys(shares["recommender"]))
    means = shares.groupby("recommender")["share"].mean()
    ax = _axes(ax)
    sns.histplot(
        data=shares, x="share", hue="recommender", hue_order=order, bins=np.linspace(-0.05, 1.05, 12),
        multiple="dodge", shrink=0.9, stat="percent", common_norm=False, ax=ax,
    )  # fmt: skip
    ax.set_title(title or "Mean share in persona: " + ", ".join(f"{r} {means[r]:.0%}" for r in order))
    ax.set_xlabel("share of the list in the shopper's three persona categories (0-1, bins of 0.1)")
    ax.set_ylabel("shoppers (% of those sampled)")
    ax.set_xlim(-0.05, 1.05)
    ax.set_xticks(np.linspace(0, 1, 11))
    return ax


# --- 09: evaluation -----------------------------------------------------------------------


def offline_metric_bars(
    table,
    ax=None,
    title: str | None = None,
    metric: str = "normalized_discounted_cumulative_gain_at_10",
    baselines=(),
):
    """Horizontal bars of one offline metric per list, baselines in grey, best first.

    Args:
        table: DataFrame, one row per recommender or baseline (the index), with ``metric`` in [0, 1].
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding (the best list, and the best baseline beside it).
        metric: the column to draw.
        baselines: index names drawn in grey, the non-personal and simple lists.

    Returns:
        The Axes.

    Raises:
        ValueError: ``table`` is empty or lacks ``metric``.
    """
    _need(table, [metric], "table")
    scores = table[metric].astype(float)
    order = sorted(scores.index, key=lambda n: (-scores[n], str(n)))
    palette = sns.color_palette(PALETTE)
    colours = ["0.65" if name in baselines else palette[0] for name in order]
    ax = _axes(ax)
    ax.barh([str(n) for n in order], [scores[n] for n in order], color=colours)
    ax.invert_yaxis()
    label = metric_label(metric)
    best = order[0]
    others = [n for n in order if (n in baselines) != (best in baselines)]
    finding = f"{best} leads on {label} ({scores[best]:.3f})"
    if others:
        finding += f", {others[0]} next ({scores[others[0]]:.3f})"
    ax.set_title(title or finding)
    ax.set_xlabel(f"{label} on next week's products new to the shopper (0-1)")
    ax.set_ylabel("list (grey: baseline)")
    return ax


def _label_offsets(x, y, line_points: float = 9.0) -> dict:
    """Vertical offsets (points) of point labels, so that labels of nearby points do not overlap.

    Points are labelled from the top down; a label close (under 15% of the x range and 4% of the
    y range) to one already placed moves down a line until it is clear.
    """
    span_x = float(x.max() - x.min()) or 1.0
    span_y = float(y.max() - y.min()) or 1.0
    placed: list[tuple[float, float]] = []
    offsets = {}
    for name in sorted(x.index, key=lambda n: (-y[n], str(n))):
        px, py, dy = (x[name] - x.min()) / span_x, (y[name] - y.min()) / span_y, 3.0
        while any(abs(px - qx) < 0.15 and abs(py - qy) < 0.04 for qx, qy in placed):
            dy -= line_points
            py -= 0.04
        placed.append((px, py))
        offsets[name] = dy
    return offsets


def accuracy_coverage_scatter(
    table,
    ax=None,
    title: str | None = None,
    accuracy: str = "normalized_discounted_cumulative_gain_at_10",
    breadth: str = "coverage",
):
    """Each list as a point: accuracy against catalogue coverage (or another breadth metric).

    Args:
        table: DataFrame, one row per list (the index), with ``accuracy`` and ``breadth`` columns.
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding (the coverage of the most accurate list).
        accuracy: the y column, in [0, 1].
        breadth: the x column (``coverage`` in [0, 1], or ``novelty_at_25`` in bits).

    Returns:
        The Axes.
    """
    _need(table, [accuracy, breadth], "table")
    ax = _axes(ax)
    x, y = table[breadth].astype(float), table[accuracy].astype(float)
    ax.scatter(x, y, s=40)
    for name, dy in _label_offsets(x, y).items():
        ax.annotate(
            str(name), (x[name], y[name]), xytext=(4, dy), textcoords="offset points", fontsize="small"
        )
    best = min(table.index, key=lambda n: (-y[n], str(n)))
    unit = (
        "share of the catalogue, 0-1" if breadth == "coverage" else "bits" if "novelty" in breadth else "0-1"
    )
    ax.set_title(title or f"The most accurate list, {best}, has {metric_label(breadth)} {x[best]:.2f}")
    ax.set_xlabel(f"{metric_label(breadth)} ({unit})")
    ax.set_ylabel(f"{metric_label(accuracy)} (0-1)")
    return ax


def ab_rate_bars(summary, ax=None, title: str | None = None, rate: str = "ctr", treatment: str | None = None):
    """Bars of a rate per A/B arm with its confidence interval.

    Args:
        summary: from ``evaluation.ab_summary`` (index: arm; ``rate``, ``{rate}_low``, ``{rate}_high``).
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding (the treatment's rate as a multiple of each other arm's).
        rate: ``ctr`` or ``conversion``.
        treatment: the arm the title compares; the highest rate by default.

    Returns:
        The Axes.
    """
    _need(summary, [rate, f"{rate}_low", f"{rate}_high"], "summary")
    names = [str(n) for n in summary.index]
    values = summary[rate].astype(float).to_numpy()
    low = values - summary[f"{rate}_low"].astype(float).to_numpy()
    high = summary[f"{rate}_high"].astype(float).to_numpy() - values
    ax = _axes(ax)
    ax.bar(
        names,
        values * 100,
        yerr=[low * 100, high * 100],
        capsize=6,
        color=sns.color_palette(PALETTE)[: len(names)],
    )
    best = treatment or names[int(values.argmax())]
    b = values[names.index(best)]
    ratios = [f"{b / v:.1f}x {n}" for n, v in zip(names, values, strict=True) if n != best and v > 0]
    what = "click-through" if rate == "ctr" else rate
    ax.set_title(title or textwrap.fill(f"{best}: {what} " + ", ".join(ratios), 75))
    ax.set_xlabel("arm of the simulated A/B test")
    ax.set_ylabel(f"{what} (% of sessions, 95% interval)")
    return ax


def sessions_needed_curve(df, ax=None, title: str | None = None, mark: float | None = None):
    """Sessions per arm that a test needs, against the relative lift it must detect (log scale).

    Args:
        df: DataFrame with ``lift`` (relative, e.g. 0.14) and ``sessions`` (per arm).
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding (the sessions needed at ``mark``).
        mark: a lift to highlight, e.g. 0.14; must be one of ``df["lift"]``.

    Returns:
        The Axes.
    """
    _need(df, ["lift", "sessions"], "df")
    ax = _axes(ax)
    ax.plot(df["lift"] * 100, df["sessions"], marker="o")
    ax.set_yscale("log")
    finding = f"Smaller lifts need far more sessions: {df['sessions'].max():,.0f} per arm at the smallest"
    if mark is not None:
        row = df.loc[(df["lift"] - mark).abs().idxmin()]
        ax.axvline(row["lift"] * 100, color="0.5", linestyle="--")
        finding = f"Detecting +{row['lift']:.0%} takes {row['sessions']:,.0f} sessions per arm"
    ax.set_title(title or finding)
    ax.set_xlabel("relative lift to detect (%, two-sided test at 5%, power 80%)")
    ax.set_ylabel("sessions per arm (log scale)")
    return ax


def drift_lines(df, ax=None, title: str | None = None, metric: str = "ndcg_at_10"):
    """One line per strategy: a metric over the weeks after training while tastes drift.

    Args:
        df: from ``evaluation.drift_experiment`` (``week``, ``strategy``, ``metric``).
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding (how much the worst and best strategy keep by the last week).
        metric: the column to draw.

    Returns:
        The Axes.
    """
    _need(df, ["week", "strategy", metric], "df")
    order = list(dict.fromkeys(df["strategy"]))
    ax = _axes(ax)
    sns.lineplot(data=df, x="week", y=metric, hue="strategy", hue_order=order, marker="o", ax=ax)
    first, last = df["week"].min(), df["week"].max()
    kept = {
        s: float(df[(df["strategy"] == s) & (df["week"] == last)][metric].iloc[0])
        / float(df[(df["strategy"] == s) & (df["week"] == first)][metric].iloc[0])
        for s in order
    }
    worst, best = min(order, key=lambda s: kept[s]), max(order, key=lambda s: kept[s])
    ax.set_title(
        title or f"By week {last}: {worst} keeps {kept[worst]:.0%} of week {first}, {best} {kept[best]:.0%}"
    )
    ax.set_xlabel("week after the training data")
    ax.set_ylabel(f"{metric_label(metric)} (0-1)")
    ax.legend(title="strategy", fontsize="small")
    return ax


# --- 10_cost_benefit ------------------------------------------------------------------------


def _usd(value: float) -> str:
    return f"USD {value:,.0f}"


def uplift_vs_cost_lines(uplift, cost: float, ax=None, title: str | None = None):
    """Lines of the extra revenue each uplift brings against the shop's revenue, and the bill.

    Args:
        uplift: DataFrame indexed by monthly revenue (USD, ascending), one column per uplift
            scenario (its label, e.g. ``10% uplift``) holding the extra revenue (USD a month).
        cost: the monthly bill (USD), drawn as a horizontal line.
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding: from which revenue the smallest uplift pays the bill.

    Returns:
        The Axes.

    Raises:
        ValueError: ``uplift`` is empty.
    """
    if uplift.empty:
        raise ValueError("uplift must hold at least one revenue and one scenario")
    ax = _axes(ax)
    for column in uplift.columns:
        ax.plot(uplift.index, uplift[column], marker="o", markersize=3, label=str(column))
    ax.axhline(cost, color="0.3", linestyle="--", label=f"monthly bill ({_usd(cost)})")
    smallest = uplift.min(axis=1)
    paying = smallest.index[smallest.to_numpy() >= cost]
    if len(paying):
        finding = f"From {_usd(paying[0])} of revenue a month, every uplift here pays the bill"
    else:
        finding = f"No uplift here pays the {_usd(cost)} bill in this revenue range"
    ax.set_title(title or finding)
    ax.set_xlabel("shop revenue without recommendations (USD per month)")
    ax.set_ylabel("extra revenue (USD per month)")
    ax.xaxis.set_major_formatter(mpl.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.yaxis.set_major_formatter(mpl.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.legend(loc="upper left", fontsize="small")
    return ax


def break_even_bars(break_even, revenue: float | None = None, ax=None, title: str | None = None):
    """Horizontal bars of the monthly revenue at which each uplift pays for the bill.

    Args:
        break_even: Series indexed by uplift label (e.g. ``10%``), the break-even revenue in USD
            a month; the order is kept, top to bottom.
        revenue: the shop's revenue (USD a month), drawn as a vertical line if given.
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding: the highest break-even revenue.

    Returns:
        The Axes.

    Raises:
        ValueError: ``break_even`` is empty.
    """
    if len(break_even) == 0:
        raise ValueError("break_even must hold at least one uplift")
    ax = _axes(ax)
    labels = [str(i) for i in break_even.index]
    ax.barh(labels, break_even.to_numpy(dtype=float), color=sns.color_palette(PALETTE)[0])
    ax.invert_yaxis()
    if revenue is not None:
        ax.axvline(revenue, color="0.3", linestyle="--", label=f"the shop ({_usd(revenue)})")
        ax.legend(loc="lower right", fontsize="small")
    worst = break_even.idxmax()
    ax.set_title(
        title or f"Even at {worst} uplift, {_usd(break_even.max())} of revenue a month pays the bill"
    )
    ax.set_xlabel("break-even revenue (USD per month)")
    ax.set_ylabel("uplift in revenue")
    ax.xaxis.set_major_formatter(mpl.ticker.StrMethodFormatter("{x:,.0f}"))
    return ax


def net_benefit_heatmap(net, ax=None, title: str | None = None):
    """Heatmap of the monthly net benefit (extra revenue − bill) over revenue and uplift.

    Args:
        net: DataFrame indexed by monthly revenue (USD), one column per uplift label, values the
            net benefit in USD a month (negative: a loss).
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding: the share of scenarios that pay back.

    Returns:
        The Axes.

    Raises:
        ValueError: ``net`` is empty.
    """
    import numpy as np

    values = net.to_numpy(dtype=float)
    if values.size == 0:
        raise ValueError("net must hold at least one revenue and one uplift")
    limit = float(np.abs(values).max()) or 1.0
    ax = _axes(ax)
    sns.heatmap(
        net / 1_000, ax=ax, cmap="RdBu", center=0, vmin=-limit / 1_000, vmax=limit / 1_000, annot=True,
        fmt=".1f", annot_kws={"fontsize": 7}, linewidths=0.5,
        cbar_kws={"label": "net benefit (thousand USD per month)"},
    )  # fmt: skip
    ax.set_yticklabels([f"{v:,.0f}" for v in net.index], rotation=0)
    ax.set_title(title or f"{np.mean(values > 0):.0%} of these scenarios earn more than the bill")
    ax.set_xlabel("uplift in revenue")
    ax.set_ylabel("shop revenue (USD per month)")
    return ax


def run_time_bars(times, ax=None, title: str | None = None):
    """Grouped horizontal bars of how long each resource took here and on AWS, in minutes (log scale).

    Args:
        times: DataFrame indexed by resource name, one column per backend (e.g. ``local
            (measured)``, ``AWS (typical)``), values in minutes (> 0).
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding: how many times faster the first column is in total.

    Returns:
        The Axes.

    Raises:
        ValueError: ``times`` is empty or has fewer than two columns.
    """
    if times.empty or times.shape[1] < 2:
        raise ValueError("times must hold at least one resource and two backends (columns)")
    long = (
        times.rename_axis("resource")
        .reset_index()
        .melt(id_vars="resource", var_name="backend", value_name="min")
    )
    ax = _axes(ax)
    sns.barplot(data=long, y="resource", x="min", hue="backend", orient="h", ax=ax)
    ax.set_xscale("log")
    first, second = times.columns[:2]
    ratio = times[second].sum() / max(times[first].sum(), 1e-9)
    ax.set_title(title or f"{first} took 1/{ratio:,.0f} of the time of {second}")
    ax.set_xlabel("time to create (minutes, log scale)")
    ax.set_ylabel("resource")
    ax.legend(title="backend", loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    return ax


# --- 08_realtime_events_cold_start ----------------------------------------------------------


def category_share_line(steps, ax=None, title: str | None = None):
    """Line of a category's share in a shopper's list after each event they send.

    Args:
        steps: DataFrame with columns ``events`` (events sent so far, 0, 1, …) and ``share``
            (share of the list in the browsed category, in [0, 1]), one row per list asked for.
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding computed from ``steps`` (first and last share).

    Returns:
        The Axes.

    Raises:
        ValueError: ``steps`` is empty or lacks a column.
    """
    _need(steps, ["events", "share"], "steps")
    ax = _axes(ax)
    sns.lineplot(data=steps, x="events", y="share", marker="o", ax=ax)
    first, last = steps["share"].iloc[0], steps["share"].iloc[-1]
    ax.set_title(title or f"The browsed category goes from {first:.0%} to {last:.0%} of the list")
    ax.set_xlabel("events the shopper has sent (views, in order)")
    ax.set_ylabel("share of the list in the browsed category (0-1)")
    ax.set_ylim(-0.05, 1.05)
    ax.set_xticks(steps["events"].tolist())
    return ax

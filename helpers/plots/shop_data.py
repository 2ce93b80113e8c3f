"""Charts of chapters 01-03 (the synthetic shop): users, items and their interactions."""

from __future__ import annotations

import seaborn as sns

from helpers.plots import chart_axes, require_columns


def age_histogram(users, ax=None, title: str | None = None):
    """Histogram of shoppers' ages, with the median age in the title.

    Args:
        users: DataFrame with an ``AGE`` column (years).
        ax: Axes to draw on; a new one if omitted.
        title: overrides the finding computed from ``users``.

    Returns:
        The Axes.
    """
    require_columns(users, ["AGE"], "users")
    ax = chart_axes(ax)
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
    require_columns(users, ["PERSONA"], "users")
    counts = users["PERSONA"].value_counts().rename_axis("persona").reset_index(name="shoppers")
    counts = counts.sort_values(["shoppers", "persona"], ascending=[False, True])
    ax = chart_axes(ax)
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
    require_columns(items, ["CATEGORY_L1"], "items")
    counts = items["CATEGORY_L1"].value_counts().rename_axis("category").reset_index(name="products")
    counts = counts.sort_values(["products", "category"], ascending=[False, True])
    ax = chart_axes(ax)
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
    require_columns(items, ["CATEGORY_L1", "PRICE"], "items")
    medians = items.groupby("CATEGORY_L1")["PRICE"].median()
    order = sorted(medians.index, key=lambda c: (-medians[c], c))
    ax = chart_axes(ax)
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

    require_columns(interactions, ["ITEM_ID"], "interactions")
    if not 0 < head < 1:
        raise ValueError(f"head must be in (0, 1), got {head}")
    counts = np.sort(interactions["ITEM_ID"].value_counts().to_numpy())[::-1]
    x = np.arange(1, len(counts) + 1) / len(counts)
    y = np.cumsum(counts) / counts.sum()
    share = y[max(1, int(len(counts) * head)) - 1]
    ax = chart_axes(ax)
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
    require_columns(interactions, ["USER_ID"], "interactions")
    per_user = interactions["USER_ID"].value_counts()
    ax = chart_axes(ax)
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
    require_columns(interactions, ["EVENT_TYPE"], "interactions")
    counts = interactions["EVENT_TYPE"].value_counts()
    steps = [s for s in ("View", "AddToCart", "Purchase") if s in counts.index]
    steps += sorted(set(counts.index) - set(steps))
    ax = chart_axes(ax)
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

    require_columns(interactions, ["TIMESTAMP"], "interactions")
    day = pd.to_datetime(interactions["TIMESTAMP"], unit="s", utc=True).dt.floor("D")
    per_day = day.value_counts().sort_index()
    by_weekday = per_day.groupby(per_day.index.day_name()).mean()
    ax = chart_axes(ax)
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

    require_columns(interactions, ["TIMESTAMP"], "interactions")
    hour = pd.to_datetime(interactions["TIMESTAMP"], unit="s", utc=True).dt.hour
    share = hour.value_counts(normalize=True).reindex(range(24), fill_value=0.0) * 100
    ax = chart_axes(ax)
    ax.bar(share.index, share.to_numpy(), color="C0")
    peak, low = int(share.idxmax()), int(share.idxmin())
    ax.set_title(title or f"Traffic peaks at {peak:02d}:00 UTC and is lowest at {low:02d}:00")
    ax.set_xlabel("hour of day (UTC)")
    ax.set_ylabel("events (% of all)")
    ax.set_xticks(range(0, 24, 2))
    return ax

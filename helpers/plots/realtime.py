"""Charts of chapter 08 (real-time events and cold start)."""

from __future__ import annotations

import seaborn as sns

from helpers.plots import chart_axes, require_columns


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
    require_columns(steps, ["events", "share"], "steps")
    ax = chart_axes(ax)
    sns.lineplot(data=steps, x="events", y="share", marker="o", ax=ax)
    first, last = steps["share"].iloc[0], steps["share"].iloc[-1]
    ax.set_title(title or f"The browsed category goes from {first:.0%} to {last:.0%} of the list")
    ax.set_xlabel("events the shopper has sent (views, in order)")
    ax.set_ylabel("share of the list in the browsed category (0-1)")
    ax.set_ylim(-0.05, 1.05)
    ax.set_xticks(steps["events"].tolist())
    return ax

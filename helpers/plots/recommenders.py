"""Charts of chapters 05-06 (recommenders): their offline metrics and persona shares."""

from __future__ import annotations

import seaborn as sns

from helpers.plots import chart_axes, metric_label, require_columns


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

    require_columns(metrics, [*columns, key], "metrics")
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
    ax = chart_axes(ax)
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

    require_columns(shares, ["recommender", "share"], "shares")
    order = list(dict.fromkeys(shares["recommender"]))
    means = shares.groupby("recommender")["share"].mean()
    ax = chart_axes(ax)
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

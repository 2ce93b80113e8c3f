"""Charts of chapter 09 (evaluation): offline metrics, A/B rates, test sizes, drift."""

from __future__ import annotations

import textwrap

import seaborn as sns

from helpers.plots import PALETTE, chart_axes, metric_label, require_columns


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
    require_columns(table, [metric], "table")
    scores = table[metric].astype(float)
    order = sorted(scores.index, key=lambda n: (-scores[n], str(n)))
    palette = sns.color_palette(PALETTE)
    colours = ["0.65" if name in baselines else palette[0] for name in order]
    ax = chart_axes(ax)
    ax.barh([str(n) for n in order], [scores[n] for n in order], color=colours)
    ax.invert_yaxis()
    label = metric_label(metric)
    best = order[0]
    others = [n for n in order if (n in baselines) != (best in baselines)]
    finding = f"{best} leads on {label} ({scores[best]:.3f})"
    if others:
        kind = "recommender" if best in baselines else "baseline"
        finding += f"; the best {kind}: {others[0]} ({scores[others[0]]:.3f})"
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
    require_columns(table, [accuracy, breadth], "table")
    ax = chart_axes(ax)
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
    require_columns(summary, [rate, f"{rate}_low", f"{rate}_high"], "summary")
    names = [str(n) for n in summary.index]
    values = summary[rate].astype(float).to_numpy()
    low = values - summary[f"{rate}_low"].astype(float).to_numpy()
    high = summary[f"{rate}_high"].astype(float).to_numpy() - values
    ax = chart_axes(ax)
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
    require_columns(df, ["lift", "sessions"], "df")
    ax = chart_axes(ax)
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
    require_columns(df, ["week", "strategy", metric], "df")
    order = list(dict.fromkeys(df["strategy"]))
    ax = chart_axes(ax)
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

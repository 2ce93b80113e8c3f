"""Charts of chapter 10 (cost/benefit): uplift against the bill, break-even, run times."""

from __future__ import annotations

import matplotlib as mpl
import seaborn as sns

from helpers.plots import PALETTE, chart_axes


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
    ax = chart_axes(ax)
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
    ax = chart_axes(ax)
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
    ax = chart_axes(ax)
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
    ax = chart_axes(ax)
    sns.barplot(data=long, y="resource", x="min", hue="backend", orient="h", ax=ax)
    ax.set_xscale("log")
    first, second = times.columns[:2]
    ratio = times[second].sum() / max(times[first].sum(), 1e-9)
    ax.set_title(title or f"{first} took 1/{ratio:,.0f} of the time of {second}")
    ax.set_xlabel("time to create (minutes, log scale)")
    ax.set_ylabel("resource")
    ax.legend(title="backend", loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    return ax

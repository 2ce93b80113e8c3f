"""One plotting theme for the series, and a module of charts per chapter group.

``use_theme()`` sets the look every chapter shares; ``metric_label`` names metrics the same way
in every chart and table. The charts live by chapter: ``concepts`` (00), ``shop_data`` (01-03),
``recommenders`` (05-06), ``realtime`` (08), ``evaluation`` (09), ``cost_benefit`` (10); a
notebook imports the one it draws (``from helpers.plots import evaluation as charts``).

Each chart function takes a DataFrame (and optionally an ``ax``), draws one chart with a
title that states the finding and axis labels with units, and returns the ``Axes``.
"""

from __future__ import annotations

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


def chart_axes(ax):
    """Return ``ax`` or a fresh Axes of the series' size."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=FIGSIZE)
    return ax


def require_columns(df, columns, name="df"):
    """Raise ValueError if ``df`` lacks any of ``columns`` or has no rows."""
    missing = set(columns) - set(df.columns)
    if missing:
        raise ValueError(f"{name} lacks column(s) {sorted(missing)}")
    if df.empty:
        raise ValueError(f"{name} must hold at least one row")


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

"""One plotting theme for the series, and one function per chart.

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


def _axes(ax):
    """Return ``ax`` or a fresh Axes of the series' size."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=FIGSIZE)
    return ax

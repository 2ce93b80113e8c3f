"""Assertions shared by the chart tests."""

from __future__ import annotations

import matplotlib.axes


def assert_labelled(ax):
    """A chart is an Axes with a title (its finding) and both axes labelled."""
    assert isinstance(ax, matplotlib.axes.Axes)
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()

"""Shared set-up of the chart tests: a headless backend, the series' theme, figures closed after."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from helpers import plots


@pytest.fixture(autouse=True)
def _close_figures():
    plots.use_theme()
    yield
    plt.close("all")

"""The chart functions of notebook 09 return labelled Axes with a finding in the title."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from helpers.plots import evaluation as plots
from tests.unit.plots.checks import assert_labelled

TABLE = pd.DataFrame(
    {
        "normalized_discounted_cumulative_gain_at_10": [0.30, 0.25, 0.02],
        "coverage": [0.6, 0.4, 0.02],
    },
    index=["recommended-for-you", "item-kNN", "most-viewed"],
)


def test_offline_metric_bars():
    ax = plots.offline_metric_bars(TABLE, baselines=("item-kNN", "most-viewed"))
    assert_labelled(ax)
    title = "recommended-for-you leads on NDCG@10 (0.300); the best baseline: item-kNN (0.250)"
    assert ax.get_title() == title
    with pytest.raises(ValueError, match="precision"):
        plots.offline_metric_bars(TABLE, metric="precision_at_10")


def test_accuracy_coverage_scatter():
    ax = plots.accuracy_coverage_scatter(TABLE)
    assert_labelled(ax)
    assert ax.get_title() == "The most accurate list, recommended-for-you, has coverage 0.60"
    assert "catalogue" in ax.get_xlabel()


def test_accuracy_coverage_scatter_moves_labels_of_nearby_points_apart():
    near = pd.DataFrame(
        {"normalized_discounted_cumulative_gain_at_10": [0.30, 0.299, 0.02], "coverage": [0.6, 0.61, 0.02]},
        index=["a", "b", "far"],
    )
    ax = plots.accuracy_coverage_scatter(near)
    offsets = {t.get_text(): t.xyann[1] for t in ax.texts}
    assert offsets["a"] != offsets["b"]
    assert offsets["far"] == offsets["a"]


def test_ab_rate_bars():
    summary = pd.DataFrame(
        {"ctr": [0.3, 0.1], "ctr_low": [0.28, 0.09], "ctr_high": [0.32, 0.11]}, index=["treatment", "control"]
    )
    ax = plots.ab_rate_bars(summary)
    assert_labelled(ax)
    assert ax.get_title() == "treatment: click-through 3.0x control"
    assert "%" in ax.get_ylabel()


def test_sessions_needed_curve():
    df = pd.DataFrame({"lift": [0.05, 0.14, 0.5], "sessions": [60_000, 8_000, 700]})
    ax = plots.sessions_needed_curve(df, mark=0.14)
    assert_labelled(ax)
    assert ax.get_title() == "Detecting +14% takes 8,000 sessions per arm"
    assert ax.get_yscale() == "log"


def test_drift_lines():
    df = pd.DataFrame(
        {
            "week": [1, 2, 1, 2],
            "strategy": ["frozen", "frozen", "streamed", "streamed"],
            "ndcg_at_10": [0.4, 0.2, 0.4, 0.36],
        }
    )
    ax = plots.drift_lines(df)
    assert_labelled(ax)
    assert ax.get_title() == "By week 2: frozen keeps 50% of week 1, streamed 90%"
    assert ax.get_ylabel() == "NDCG@10 (0-1)"


def test_evaluation_charts_draw_on_given_axes():
    _, ax = plt.subplots()
    assert plots.accuracy_coverage_scatter(TABLE, ax=ax, title="custom") is ax
    assert ax.get_title() == "custom"

"""The chart functions of notebooks 05-06 return labelled Axes with a finding in the title."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from helpers.plots import recommenders as plots
from tests.unit.plots.checks import assert_labelled

NDCG10 = "normalized_discounted_cumulative_gain_at_10"


@pytest.fixture
def metrics():
    return pd.DataFrame(
        {
            "coverage": [0.05, 0.04, 0.60],
            "mean_reciprocal_rank_at_25": [0.10, 0.05, 0.30],
            NDCG10: [0.08, 0.03, 0.20],
            "precision_at_10": [0.02, 0.01, 0.06],
        },
        index=["most-viewed", "best-sellers", "recommended-for-you"],
    )


@pytest.mark.parametrize(
    "name, expected",
    [
        (NDCG10, "NDCG@10"),
        ("mean_reciprocal_rank_at_25", "MRR@25"),
        ("precision_at_5", "precision@5"),
        ("coverage", "coverage"),
        ("some_other_metric", "some other metric"),
    ],
)
def test_metric_label(name, expected):
    assert plots.metric_label(name) == expected


def test_recommender_metric_bars(metrics):
    ax = plots.recommender_metric_bars(metrics)
    assert_labelled(ax)
    assert ax.get_title() == "recommended-for-you scores 2.5x most-viewed on NDCG@10"
    assert len(ax.patches) >= 3 * 4  # three recommenders x four metrics
    assert [t.get_text() for t in ax.get_xticklabels()] == ["coverage", "MRR@25", "NDCG@10", "precision@10"]


def test_recommender_metric_bars__given_ax_and_title(metrics):
    _, given = plt.subplots()
    assert plots.recommender_metric_bars(metrics, ax=given, title="custom") is given
    assert given.get_title() == "custom"


def test_recommender_metric_bars__baseline_is_best(metrics):
    ax = plots.recommender_metric_bars(metrics, key="coverage", baseline="recommended-for-you")
    assert ax.get_title() == "recommended-for-you scores 0.60 on coverage"


def test_recommender_metric_bars__focus(metrics):
    ax = plots.recommender_metric_bars(metrics, focus="best-sellers")
    assert ax.get_title() == "best-sellers scores 0.4x most-viewed on NDCG@10"
    with pytest.raises(ValueError, match="focus"):
        plots.recommender_metric_bars(metrics, focus="nope")


def test_recommender_metric_bars__missing_metric(metrics):
    with pytest.raises(ValueError, match="lacks"):
        plots.recommender_metric_bars(metrics.drop(columns=NDCG10))


def test_persona_share_histogram():
    names = ["recommended-for-you"] * 3 + ["most-viewed"] * 3
    shares = pd.DataFrame({"recommender": names, "share": [1.0, 0.8, 0.6, 0.2, 0.1, 0.0]})
    ax = plots.persona_share_histogram(shares)
    assert_labelled(ax)
    assert ax.get_title() == "Mean share in persona: recommended-for-you 80%, most-viewed 10%"
    _, given = plt.subplots()
    assert plots.persona_share_histogram(shares, ax=given, title="custom") is given


def test_persona_share_histogram__missing_column():
    with pytest.raises(ValueError, match="lacks"):
        plots.persona_share_histogram(pd.DataFrame({"share": [0.5]}))

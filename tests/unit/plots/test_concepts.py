"""The chart functions of notebook 00 return labelled Axes with a finding in the title."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from helpers.plots import concepts as plots
from tests.unit.plots.checks import assert_labelled

ITEMS = ["tee", "jeans", "scarf"]


def test_similarity_heatmap():
    df = pd.DataFrame([[1.0, 0.8, 0.1], [0.8, 1.0, 0.8], [0.1, 0.8, 1.0]], index=ITEMS, columns=ITEMS)
    ax = plots.similarity_heatmap(df)
    assert_labelled(ax)
    assert ax.get_title() == "Most alike: tee & jeans (0.80)"  # first of the tied pairs


def test_similarity_heatmap__not_square():
    with pytest.raises(ValueError, match="square"):
        plots.similarity_heatmap(pd.DataFrame([[1.0, 0.5]]))


def test_user_item_heatmap():
    df = pd.DataFrame([[1, 0, 0], [3, 1, 0]], index=["ana", "ben"], columns=ITEMS)
    ax = plots.user_item_heatmap(df)
    assert_labelled(ax)
    assert ax.get_title() == "50% of the shopper x item matrix is empty"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("item", "shopper")


def test_method_comparison_bars():
    df = pd.DataFrame(
        {
            "method": ["content", "content", "collaborative", "collaborative"],
            "item": ["tee", "jeans", "tee", "jeans"],
            "score": [0.9, 0.2, 0.1, 0.6],
        }
    )
    ax = plots.method_comparison_bars(df)
    assert_labelled(ax)
    assert ax.get_title() == "First pick: tee (content), jeans (collaborative)"
    assert "0-1" in ax.get_xlabel()


def test_method_comparison_bars__agreement_and_bad_columns():
    df = pd.DataFrame({"method": ["a", "b"], "item": ["tee", "tee"], "score": [0.5, 0.4]})
    assert plots.method_comparison_bars(df).get_title() == "Every method ranks tee first"
    with pytest.raises(ValueError, match="score"):
        plots.method_comparison_bars(df.drop(columns="score"))


def test_popularity_bars():
    df = pd.DataFrame({"item": ITEMS, "shoppers": [1, 3, 0]})
    ax = plots.popularity_bars(df, top=1)
    assert_labelled(ax)
    assert ax.get_title() == "The top 1 of 3 items get 75% of all interactions"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["jeans", "tee", "scarf"]


def test_plots_draw_on_given_axes():
    _, ax = plt.subplots()
    df = pd.DataFrame({"item": ITEMS, "shoppers": [1, 3, 0]})
    assert plots.popularity_bars(df, ax=ax) is ax

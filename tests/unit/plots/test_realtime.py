"""The chart of notebook 08 returns a labelled Axes with the finding in the title."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from helpers.plots import realtime as plots
from tests.unit.plots.checks import assert_labelled


def test_category_share_line():
    steps = pd.DataFrame({"events": [0, 1, 2, 3], "share": [0.0, 0.3, 0.6, 0.8]})
    ax = plots.category_share_line(steps)
    assert_labelled(ax)
    assert ax.get_title() == "The browsed category goes from 0% to 80% of the list"
    assert list(ax.lines[0].get_ydata()) == [0.0, 0.3, 0.6, 0.8]
    _, given = plt.subplots()
    assert plots.category_share_line(steps, ax=given, title="custom") is given
    assert given.get_title() == "custom"


def test_category_share_line__needs_its_columns():
    with pytest.raises(ValueError, match="lacks"):
        plots.category_share_line(pd.DataFrame({"events": [0]}))

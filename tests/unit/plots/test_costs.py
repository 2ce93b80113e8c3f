"""The chart functions of notebook 10 return labelled Axes with a finding in the title."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.plots import cost_benefit as plots
from tests.unit.plots.checks import assert_labelled

REVENUE = [1_000, 5_000, 10_000]


def test_uplift_vs_cost_lines():
    uplift = pd.DataFrame({"10%": [100, 500, 1_000], "25%": [250, 1_250, 2_500]}, index=REVENUE)
    ax = plots.uplift_vs_cost_lines(uplift, cost=540.10)
    assert_labelled(ax)
    assert ax.get_title() == "From USD 10,000 of revenue a month, every uplift here pays the bill"
    assert len(ax.get_lines()) == 3  # two scenarios and the bill


def test_uplift_vs_cost_lines__never_pays():
    uplift = pd.DataFrame({"1%": [10, 50, 100]}, index=REVENUE)
    assert plots.uplift_vs_cost_lines(uplift, cost=540.10).get_title().startswith("No uplift")


def test_uplift_vs_cost_lines__empty():
    with pytest.raises(ValueError, match="uplift"):
        plots.uplift_vs_cost_lines(pd.DataFrame(), cost=1)


def test_break_even_bars():
    ax = plots.break_even_bars(pd.Series([54_010.0, 5_401.0], index=["1%", "10%"]), revenue=200_000)
    assert_labelled(ax)
    assert ax.get_title() == "Even at 1% uplift, USD 54,010 of revenue a month pays the bill"
    assert len(ax.patches) == 2


def test_break_even_bars__empty():
    with pytest.raises(ValueError, match="break_even"):
        plots.break_even_bars(pd.Series(dtype=float))


def test_net_benefit_heatmap():
    net = pd.DataFrame({"1%": [-530.0, -490.0, -440.0], "10%": [-440.0, -40.0, 460.0]}, index=REVENUE)
    ax = plots.net_benefit_heatmap(net)
    assert_labelled(ax)
    assert ax.get_title() == "17% of these scenarios earn more than the bill"


def test_run_time_bars():
    times = pd.DataFrame({"local": [0.05, 0.05], "AWS": [20.0, 20.0]}, index=["a", "b"])
    ax = plots.run_time_bars(times)
    assert_labelled(ax)
    assert ax.get_title() == "local took 1/400 of the time of AWS"
    assert ax.get_xscale() == "log"


def test_run_time_bars__one_backend():
    with pytest.raises(ValueError, match="two backends"):
        plots.run_time_bars(pd.DataFrame({"local": [1.0]}, index=["a"]))

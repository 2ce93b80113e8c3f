"""Tests for helpers.recsys.abtest: statistics against cases worked out by hand, the simulation's rules."""

import math

import numpy as np
import pytest

from helpers.recsys import abtest

Z95 = 1.959964  # the 97.5% quantile of the standard normal


def test_proportion_ci_is_wilsons_interval():
    # 120 clicks in 1,000 sessions: p = 0.12, z² / n = 0.0038415.
    # centre = (0.12 + z²/2n) / (1 + z²/n) = 0.1219207 / 1.0038415 = 0.121454
    # half = z √(p(1-p)/n + z²/4n²) / (1 + z²/n) = 1.959964 × 0.0103228 / 1.0038415 = 0.020155
    low, high = abtest.proportion_ci(120, 1000)
    assert (low, high) == (pytest.approx(0.101299, abs=1e-5), pytest.approx(0.141609, abs=1e-5))
    # Zero successes still give a proper interval starting at 0.
    assert abtest.proportion_ci(0, 50)[0] == pytest.approx(0.0, abs=1e-12)
    assert 0 < abtest.proportion_ci(0, 50)[1] < 0.1
    with pytest.raises(ValueError, match="successes"):
        abtest.proportion_ci(5, 4)


def test_two_proportion_ztest_worked_case():
    # 120/1000 against 100/1000: pooled p = 0.11, se = √(0.11 × 0.89 × 2/1000) = 0.0139929,
    # z = 0.02 / 0.0139929 = 1.42930, two-sided p = erfc(z / √2) = 0.152918.
    z, p = abtest.two_proportion_ztest(120, 1000, 100, 1000)
    assert z == pytest.approx(1.42930, abs=1e-5)
    assert p == pytest.approx(math.erfc(1.42930 / math.sqrt(2)), abs=1e-5)
    assert p == pytest.approx(0.152918, abs=1e-5)
    assert abtest.two_proportion_ztest(100, 1000, 120, 1000)[0] == pytest.approx(-z)
    assert abtest.two_proportion_ztest(0, 10, 0, 10) == (0.0, 1.0)


def test_relative_lift_ci_worked_case():
    # ratio 0.12 / 0.10 = 1.2; se(log ratio) = √(0.88/120 + 0.90/100) = 0.127802;
    # 1.2 × exp(∓1.959964 × 0.127802) = 0.934106 and 1.541581.
    lift, low, high = abtest.relative_lift_ci(120, 1000, 100, 1000)
    assert lift == pytest.approx(0.2)
    assert low == pytest.approx(1.2 * math.exp(-Z95 * math.sqrt(0.88 / 120 + 0.9 / 100)) - 1, abs=1e-5)
    assert (low, high) == (pytest.approx(-0.065894, abs=1e-5), pytest.approx(0.541581, abs=1e-5))
    with pytest.raises(ValueError, match="both arms"):
        abtest.relative_lift_ci(0, 100, 5, 100)


def test_sessions_needed_worked_case():
    # 10% → 12% at α 0.05, power 0.8: z 1.959964 and 0.841621, p̄ = 0.11:
    # (1.959964 √(2 × 0.11 × 0.89) + 0.841621 √(0.09 + 0.1056))² / 0.02² = 1.536340 / 0.0004 = 3840.85 → 3841.
    assert abtest.sessions_needed(0.10, 0.12) == 3841
    # Smaller effects need more; symmetric in which arm is higher.
    assert abtest.sessions_needed(0.10, 0.11) > 3841
    assert abtest.sessions_needed(0.12, 0.10) == 3841
    with pytest.raises(ValueError, match="differ"):
        abtest.sessions_needed(0.1, 0.1)
    with pytest.raises(ValueError, match="power"):
        abtest.sessions_needed(0.1, 0.2, power=1.0)


def _relevance():
    # Three shoppers, four items; each shopper loves one item and ignores the others.
    rel = np.zeros((3, 4))
    rel[[0, 1, 2], [0, 1, 2]] = 1.0
    return rel


def test_simulate_sessions_rewards_relevant_lists():
    good = np.array([[0, 3], [1, 3], [2, 3]])
    bad = np.array([[3, 1], [3, 2], [3, 0]])
    model = abtest.ClickModel(attraction=0.5, purchase=1.0)
    s = abtest.simulate_sessions(
        np.random.default_rng(3), _relevance(), {"good": good, "bad": bad}, 4_000, model=model
    )
    assert s.arms == ("good", "bad")
    assert len(s.arm) == len(s.user) == len(s.clicks) == 4_000
    good_ctr = (s.clicks[s.arm == 0] > 0).mean()
    # The loved item is first (looked at for sure): CTR 0.5; the bad arm never shows it first.
    assert good_ctr == pytest.approx(0.5, abs=0.04)
    assert (s.clicks[s.arm == 1] > 0).mean() == 0.0
    # Purchase 1.0 × relevance 1: every click is a purchase, of the loved item.
    assert s.purchases.sum() == s.clicks.sum() == len(s.bought)
    assert (s.bought[:, 1] == s.user[s.bought[:, 0]]).all()
    again = abtest.simulate_sessions(
        np.random.default_rng(3), _relevance(), {"good": good, "bad": bad}, 4_000, model=model
    )
    assert (again.clicks == s.clicks).all()


def test_simulate_sessions_position_and_weights():
    # Shopper 0 alone visits; the loved item second is looked at with chance 1/log2(3).
    second = np.array([[3, 0], [3, 1], [3, 2]])
    s = abtest.simulate_sessions(
        np.random.default_rng(4),
        _relevance(),
        {"second": second},
        20_000,
        user_weights=[1, 0, 0],
        model=abtest.ClickModel(attraction=1.0, purchase=0.0),
    )
    assert (s.user == 0).all()
    assert (s.clicks > 0).mean() == pytest.approx(1 / math.log2(3), abs=0.01)
    assert s.purchases.sum() == 0


def test_simulate_sessions_bad_arguments():
    rel = _relevance()
    with pytest.raises(ValueError, match="arms"):
        abtest.simulate_sessions(np.random.default_rng(0), rel, {"a": np.zeros((2, 2), dtype=int)}, 10)
    with pytest.raises(ValueError, match="relevance"):
        abtest.simulate_sessions(np.random.default_rng(0), rel * 2, {"a": np.zeros((3, 2), dtype=int)}, 10)
    with pytest.raises(ValueError, match="user_weights"):
        abtest.simulate_sessions(
            np.random.default_rng(0), rel, {"a": np.zeros((3, 2), dtype=int)}, 10, user_weights=[0, 0, 0]
        )
    with pytest.raises(ValueError, match="attraction"):
        abtest.ClickModel(attraction=0)

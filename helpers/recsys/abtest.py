"""A simulated online A/B test: sessions, clicks and purchases per arm, and the statistics to read them.

The simulation needs what no real shop has: each shopper's true relevance of every product
(``relevance``, in [0, 1]). A session shows one arm's list; the shopper looks at position ``p``
with chance ``1 / log2(1 + p)`` (the discount of NDCG), clicks a product they look at with
chance ``attraction × relevance`` and buys a clicked product with chance
``purchase × relevance``. Those three rules and their two constants are the assumptions;
everything else follows from the lists and the shoppers' tastes.

The statistics are the textbook ones for a test of two proportions: Wilson score intervals,
the pooled two-proportion z-test, a delta-method interval for the relative lift, and the
sessions per arm that a test needs to detect a given lift.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .interactions import check_positive_int


@dataclass(frozen=True)
class ClickModel:
    """How a simulated shopper answers a list: the assumptions of the simulation.

    Attributes:
        attraction: Chance of clicking a product of relevance 1 that the shopper looks at, in (0, 1].
        purchase: Chance of buying a clicked product of relevance 1, in [0, 1].
    """

    attraction: float = 0.3
    purchase: float = 0.1

    def __post_init__(self) -> None:
        if not 0 < self.attraction <= 1:
            raise ValueError(f"attraction must be in (0, 1], got {self.attraction!r}")
        if not 0 <= self.purchase <= 1:
            raise ValueError(f"purchase must be in [0, 1], got {self.purchase!r}")


@dataclass(frozen=True)
class Sessions:
    """Simulated sessions, one entry per session (arrays of length ``n_sessions``).

    Attributes:
        arms: Arm names; ``arm`` indexes them.
        arm: Arm shown in each session.
        user: Row of ``relevance`` (the shopper) of each session.
        clicks: Products clicked in each session, >= 0.
        purchases: Products bought in each session, >= 0.
        bought: ``(n_bought, 2)`` int64 pairs ``(session, item)`` of every purchase.
    """

    arms: tuple[str, ...]
    arm: np.ndarray
    user: np.ndarray
    clicks: np.ndarray
    purchases: np.ndarray
    bought: np.ndarray


def examination(k: int) -> np.ndarray:
    """Chance that a shopper looks at each of the first ``k`` positions: ``1 / log2(1 + p)``, in (0, 1]."""
    return 1.0 / np.log2(np.arange(2, check_positive_int(k, "k") + 2))


def simulate_sessions(
    rng: np.random.Generator,
    relevance: np.ndarray,
    arms: dict[str, np.ndarray],
    n_sessions: int,
    *,
    user_weights=None,
    model: ClickModel | None = None,
) -> Sessions:
    """Simulate ``n_sessions`` sessions, each randomly assigned to one arm with equal chance.

    Args:
        rng: Source of randomness.
        relevance: ``(n_users, n_items)`` true relevance of each product to each shopper, in [0, 1].
        arms: Arm name → ``(n_users, k)`` int lists (best first, -1 padding), one row per shopper.
        n_sessions: Sessions to simulate, > 0.
        user_weights: ``(n_users,)`` relative visit frequency (>= 0); equal when None.
        model: The click model; ``ClickModel()`` when None.

    Returns:
        The ``Sessions``.

    Raises:
        ValueError: On lists of the wrong shape, relevance outside [0, 1] or bad weights.
        TypeError: If ``rng`` is not a ``numpy.random.Generator``.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    n_sessions = check_positive_int(n_sessions, "n_sessions")
    model = model or ClickModel()
    rel = np.asarray(relevance, dtype=np.float64)
    if rel.ndim != 2 or rel.size == 0 or rel.min() < 0 or rel.max() > 1:
        raise ValueError(f"relevance must be a non-empty 2-D array in [0, 1], got shape {rel.shape}")
    if not arms:
        raise ValueError("arms must name at least one arm")
    lists = {name: np.asarray(rows, dtype=np.int64) for name, rows in arms.items()}
    for name, rows in lists.items():
        if rows.ndim != 2 or rows.shape[0] != rel.shape[0] or rows.max() >= rel.shape[1]:
            raise ValueError(f"arms[{name!r}] must be ({rel.shape[0]}, k) item indices < {rel.shape[1]}")
    p = np.ones(rel.shape[0]) if user_weights is None else np.asarray(user_weights, dtype=np.float64)
    if p.shape != (rel.shape[0],) or p.min() < 0 or p.sum() <= 0:
        raise ValueError(f"user_weights must be ({rel.shape[0]},), >= 0 and not all 0")
    user = rng.choice(rel.shape[0], size=n_sessions, p=p / p.sum())
    arm = rng.integers(len(lists), size=n_sessions)
    clicks = np.zeros(n_sessions, dtype=np.int64)
    purchases = np.zeros(n_sessions, dtype=np.int64)
    bought = []
    for a, rows in enumerate(lists.values()):
        where = np.flatnonzero(arm == a)
        shown = rows[user[where]]
        r = np.where(shown >= 0, rel[user[where, None], np.maximum(shown, 0)], 0.0)
        clicked = rng.random(r.shape) < examination(rows.shape[1])[None, :] * model.attraction * r
        buys = clicked & (rng.random(r.shape) < model.purchase * r)
        clicks[where] = clicked.sum(axis=1)
        purchases[where] = buys.sum(axis=1)
        s, pos = np.nonzero(buys)
        bought.append(np.column_stack([where[s], shown[s, pos]]))
    pairs = np.concatenate(bought) if bought else np.empty((0, 2), dtype=np.int64)
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    return Sessions(tuple(lists), arm, user, clicks, purchases, pairs.astype(np.int64))


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    return float(stats.norm.ppf(0.5 + confidence / 2))


def _check_counts(successes: int, trials: int, name: str) -> None:
    if trials <= 0 or not 0 <= successes <= trials:
        raise ValueError(f"{name}: need 0 <= successes <= trials and trials > 0, got {successes}/{trials}")


def proportion_ci(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``successes / trials``.

    Args:
        successes: Sessions with the outcome (e.g. a click), >= 0.
        trials: Sessions, > 0.
        confidence: Coverage of the interval, in (0, 1).

    Returns:
        ``(low, high)`` in [0, 1].
    """
    _check_counts(successes, trials, "proportion_ci")
    z = _z(confidence)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def two_proportion_ztest(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """Pooled two-sided z-test of ``x1 / n1`` against ``x2 / n2``.

    Returns:
        ``(z, p_value)``: z > 0 when the first proportion is higher; p-value in [0, 1].
    """
    _check_counts(x1, n1, "first arm")
    _check_counts(x2, n2, "second arm")
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0, 1.0
    z = (x1 / n1 - x2 / n2) / se
    return z, float(2 * stats.norm.sf(abs(z)))


def relative_lift_ci(
    x1: int, n1: int, x2: int, n2: int, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Relative lift ``(x1/n1) / (x2/n2) - 1`` with a delta-method interval on the log ratio.

    Returns:
        ``(lift, low, high)``, each > -1.

    Raises:
        ValueError: If either arm has no successes (the ratio is undefined).
    """
    _check_counts(x1, n1, "first arm")
    _check_counts(x2, n2, "second arm")
    if x1 == 0 or x2 == 0:
        raise ValueError(f"relative lift needs successes in both arms, got {x1} and {x2}")
    ratio = (x1 / n1) / (x2 / n2)
    se = math.sqrt((1 - x1 / n1) / x1 + (1 - x2 / n2) / x2)
    z = _z(confidence)
    return ratio - 1, ratio * math.exp(-z * se) - 1, ratio * math.exp(z * se) - 1


def sessions_needed(p_control: float, p_treatment: float, *, alpha: float = 0.05, power: float = 0.8) -> int:
    """Sessions per arm for a two-sided two-proportion test to detect ``p_control`` → ``p_treatment``.

    ``n = (z_{1-α/2} √(2 p̄ (1 - p̄)) + z_{power} √(p₁(1-p₁) + p₂(1-p₂)))² / (p₁ - p₂)²``,
    with ``p̄`` the mean of the two rates, rounded up.

    Args:
        p_control: Rate of the control arm, in (0, 1).
        p_treatment: Rate to detect, in (0, 1), not equal to ``p_control``.
        alpha: Significance level (false-positive rate), in (0, 1).
        power: Chance of detecting a true difference of that size, in (0, 1).

    Returns:
        Sessions per arm, >= 1.
    """
    for name, value in (
        ("p_control", p_control),
        ("p_treatment", p_treatment),
        ("alpha", alpha),
        ("power", power),
    ):
        if not 0 < value < 1:
            raise ValueError(f"{name} must be in (0, 1), got {value!r}")
    if p_control == p_treatment:
        raise ValueError("p_treatment must differ from p_control")
    z_alpha = float(stats.norm.ppf(1 - alpha / 2))
    z_power = float(stats.norm.ppf(power))
    mean = (p_control + p_treatment) / 2
    spread = z_alpha * math.sqrt(2 * mean * (1 - mean)) + z_power * math.sqrt(
        p_control * (1 - p_control) + p_treatment * (1 - p_treatment)
    )
    return max(1, math.ceil(spread**2 / (p_control - p_treatment) ** 2))

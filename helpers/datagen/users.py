"""Synthetic shoppers: age, gender, and the hidden persona and price sensitivity behind their clicks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .vocabulary import PERSONAS, PRICE_SENSITIVITIES

USER_COLUMNS: tuple[str, ...] = (
    "USER_ID",
    "AGE",
    "GENDER",
    "PERSONA",
    "PRICE_SENSITIVITY",
    "ACTIVITY",
)
"""Columns of ``make_users``: the USERS schema's three, then the ground truth."""

MIN_AGE, MAX_AGE = 18, 80
"""The youngest and the oldest shopper's age, in years."""


def make_users(rng: np.random.Generator, n_users: int = 6_000) -> pd.DataFrame:
    """Draw ``n_users`` shoppers.

    Each shopper has public attributes (``USER_ID``, ``AGE``, ``GENDER``) that go into the USERS
    dataset, and hidden ones that drive their behaviour and serve as ground truth later:
    ``PERSONA`` (three preferred categories, most preferred first), ``PRICE_SENSITIVITY``
    (``low``/``medium``/``high``) and ``ACTIVITY`` (a relative weight: heavy shoppers exist).

    Args:
        rng: the random generator; the same state gives the same shoppers.
        n_users: number of shoppers, at least 1.

    Returns:
        One row per shopper, ``USER_ID`` "1" … str(n_users) in order, columns ``USER_COLUMNS``.
        ``AGE`` is in [18, 80]; ``ACTIVITY`` is positive with mean about 1.

    Raises:
        ValueError: ``n_users`` is not a positive integer.
        TypeError: ``rng`` is not a ``numpy.random.Generator``.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, not {type(rng).__name__}")
    if isinstance(n_users, bool) or not isinstance(n_users, int | np.integer) or n_users < 1:
        raise ValueError(f"n_users must be a positive integer, not {n_users!r}")
    n = int(n_users)
    # personas are not equally common: a mild, fixed imbalance makes the bar chart interesting
    persona_weights = np.linspace(1.4, 0.6, len(PERSONAS))
    persona = rng.choice(len(PERSONAS), size=n, p=persona_weights / persona_weights.sum())
    gender = np.where(rng.random(n) < 0.5, "F", "M")
    age = _ages(rng, n)
    sensitivity = rng.choice(len(PRICE_SENSITIVITIES), size=n, p=[0.3, 0.45, 0.25])
    activity = rng.lognormal(mean=-0.5, sigma=1.0, size=n)  # mean exp(0) = 1
    return pd.DataFrame(
        {
            "USER_ID": [str(i) for i in range(1, n + 1)],
            "AGE": age,
            "GENDER": gender.astype(object),
            "PERSONA": np.asarray(PERSONAS, dtype=object)[persona],
            "PRICE_SENSITIVITY": np.asarray(PRICE_SENSITIVITIES, dtype=object)[sensitivity],
            "ACTIVITY": activity.round(6),
        }
    )


def _ages(rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw ``n`` adult ages in [18, 80]: most in their thirties and forties, a long tail of older shoppers.

    The years past 18 follow a gamma distribution truncated at 80: a draw beyond it is drawn
    again, so the oldest age is no more common than its neighbours (clipping would pile the
    tail up at 80).

    Returns:
        Integer ages, shape ``(n,)``.
    """
    years = rng.gamma(shape=3.0, scale=7.0, size=n)
    while (beyond := years >= MAX_AGE - MIN_AGE + 1).any():
        years[beyond] = rng.gamma(shape=3.0, scale=7.0, size=int(beyond.sum()))
    return (MIN_AGE + np.floor(years)).astype(np.int64)

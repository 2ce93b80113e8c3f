"""What each notebook's ``results`` cell must show at small scale (config.SMALL_SCALE).

One dict per notebook stem: result key → predicate. Tolerances are wide enough for
small-scale noise and narrow enough to catch a broken notebook.
"""

from __future__ import annotations

from helpers import config

SMALL = config.SMALL_SCALE


def between(low: float, high: float):
    """Return a predicate true for numbers in [low, high]."""
    return lambda value: isinstance(value, int | float) and low <= value <= high


def equals(expected):
    """Return a predicate true for exactly ``expected``."""
    return lambda value: value == expected


EXPECTED: dict[str, dict] = {
    "00_recsys_concepts": {"n_items": equals(12), "n_shoppers": equals(8), "matrix_empty_share": between(0.5, 0.9)},
}

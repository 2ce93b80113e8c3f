"""Tastes that move: the weeks after the training data, with shoppers' personas shifting week by week.

Nothing here changes the generators of notebooks 01–03: each simulated week is an ordinary
``make_interactions`` run on a copy of the shoppers whose ``PERSONA`` has drifted, so the
ground truth of every week (``truth.category_mix`` / ``truth.affinity`` on that week's
personas) stays exact. In the first week the catalogue's new products also go on sale, so a
model trained before them cannot know them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from .interactions import make_interactions
from .vocabulary import CATEGORIES

DAYS_PER_WEEK = 7


def shift_personas(rng: np.random.Generator, users: pd.DataFrame, share: float) -> pd.DataFrame:
    """Give a random ``share`` of the shoppers a new favourite category.

    The new category, drawn uniformly among the 17 outside the persona, becomes the first; the
    old first and second move down one place and the old third is dropped. So a drifted shopper
    spends most sessions somewhere new and still some in their old favourites.

    Args:
        rng: the random generator.
        users: from ``make_users`` (needs ``PERSONA``).
        share: chance that each shopper drifts, in [0, 1].

    Returns:
        A copy of ``users`` with the new ``PERSONA`` strings (``a_b_c``, first preferred).

    Raises:
        ValueError: ``share`` is outside [0, 1].
        TypeError: ``rng`` is not a ``numpy.random.Generator``.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, not {type(rng).__name__}")
    if not 0 <= share <= 1:
        raise ValueError(f"share must be in [0, 1], not {share!r}")
    names = np.asarray(list(CATEGORIES), dtype=object)
    personas = users["PERSONA"].to_numpy(dtype=object).copy()
    moves = np.flatnonzero(rng.random(len(users)) < share)
    draws = rng.random(len(moves))
    for row, u in zip(moves, draws, strict=True):
        old = personas[row].split("_")
        outside = names[~np.isin(names, old)]
        new = outside[min(int(u * len(outside)), len(outside) - 1)]
        personas[row] = "_".join([new, *old[:2]])
    out = users.copy()
    out["PERSONA"] = personas
    return out


def launch_new_products(items: pd.DataFrame) -> pd.DataFrame:
    """Put the catalogue's new products on sale: each gets its category's median popularity.

    Args:
        items: from ``make_items`` (needs ``CATEGORY_L1``, ``POPULARITY``, ``IS_NEW``).

    Returns:
        A copy with ``IS_NEW`` False everywhere and the former new products' ``POPULARITY`` set.
    """
    out = items.copy()
    new = out["IS_NEW"].to_numpy(dtype=bool)
    established = out.loc[~new].groupby("CATEGORY_L1")["POPULARITY"].median()
    out.loc[new, "POPULARITY"] = out.loc[new, "CATEGORY_L1"].map(established).fillna(0.0).to_numpy()
    out["IS_NEW"] = False
    return out


def make_drifting_weeks(
    rng: np.random.Generator,
    users: pd.DataFrame,
    items: pd.DataFrame,
    *,
    start: datetime,
    n_weeks: int,
    events_per_week: int,
    weekly_shift: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate ``n_weeks`` weeks after ``start``, shifting personas before each week.

    Args:
        rng: the random generator; the same state gives the same weeks.
        users: from ``make_users``; their ``PERSONA`` is the taste before the first week.
        items: from ``make_items``; its new products go on sale in week 1.
        start: the end of the training data (``config.NOW``), timezone-aware.
        n_weeks: number of weeks, at least 1.
        events_per_week: events per week, as for ``make_interactions`` with ``n_days=7``.
        weekly_shift: share of shoppers who pick up a new favourite each week, in [0, 1].

    Returns:
        ``(events, personas)``: ``events`` has the ``INTERACTION_COLUMNS`` plus ``WEEK`` (1 …
        ``n_weeks``), week ``w`` lying in ``[start + 7 (w - 1) days, start + 7 w days)``;
        ``personas`` has ``USER_ID``, ``WEEK`` (0 … ``n_weeks``, 0 = before drift) and ``PERSONA``.

    Raises:
        ValueError: an argument is out of range (the message names it).
    """
    if isinstance(n_weeks, bool) or not isinstance(n_weeks, int | np.integer) or n_weeks < 1:
        raise ValueError(f"n_weeks must be a positive integer, not {n_weeks!r}")
    on_sale = launch_new_products(items)
    current = users
    weeks, personas = [], [users[["USER_ID", "PERSONA"]].assign(WEEK=0)]
    for week in range(1, int(n_weeks) + 1):
        current = shift_personas(rng, current, weekly_shift)
        personas.append(current[["USER_ID", "PERSONA"]].assign(WEEK=week))
        events = make_interactions(
            rng,
            current,
            on_sale,
            now=start + timedelta(days=DAYS_PER_WEEK * week),
            n_interactions=events_per_week,
            n_days=DAYS_PER_WEEK,
        )
        weeks.append(events.assign(WEEK=week))
    persona_table = pd.concat(personas, ignore_index=True)[["USER_ID", "WEEK", "PERSONA"]]
    return pd.concat(weeks, ignore_index=True), persona_table

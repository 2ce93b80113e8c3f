"""Synthetic actions and action interactions, for the Next-Best-Action recipe (notebook 11).

An **action** is something the shop wants a shopper to do, not a product to buy; here four that a
shopper can do again and again, each with its ``VALUE`` to the shop. The shop shows each shopper
every action once a week (``VIEWED``); each shopper has one hidden **favourite** action, taken
far more often than the others (``TAKEN``). The favourite is ground truth, like the persona of
``users``: it is not in any dataset, and serves to check what the model finds.

Example::

    >>> rng = np.random.default_rng(0)
    >>> log, favourite = make_action_interactions(rng, ["1", "2"], now=1_700_000_000, weeks=2)
    >>> sorted(set(log["EVENT_TYPE"])), len(favourite)
    (['TAKEN', 'VIEWED'], 2)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ACTIONS = pd.DataFrame(
    {
        "ACTION_ID": ["write-review", "share-product", "order-in-app", "refer-friend"],
        "VALUE": [2.0, 1.0, 5.0, 10.0],
    }
)
"""The shop's actions and their value to it (a relative weight; the more valuable first on a tie)."""

ACTIONS_SCHEMA = {
    "type": "record",
    "name": "Actions",
    "namespace": "com.amazonaws.personalize.schema",
    "fields": [{"name": "ACTION_ID", "type": "string"}, {"name": "VALUE", "type": "float"}],
    "version": "1.0",
}
"""The Avro schema of ``ACTIONS``: the action's id and its value."""

ACTION_INTERACTIONS_SCHEMA = {
    "type": "record",
    "name": "ActionInteractions",
    "namespace": "com.amazonaws.personalize.schema",
    "fields": [
        {"name": "USER_ID", "type": "string"},
        {"name": "ACTION_ID", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
        {"name": "EVENT_TYPE", "type": "string"},
    ],
    "version": "1.0",
}
"""The Avro schema of ``make_action_interactions``' log: the four fields the guide requires."""

SECONDS_PER_WEEK = 7 * 86_400


def make_action_interactions(
    rng: np.random.Generator,
    user_ids: list[str],
    now: int,
    weeks: int = 6,
    favourite_rate: float = 0.4,
    other_rate: float = 0.03,
) -> tuple[pd.DataFrame, pd.Series]:
    """Draw ``weeks`` weeks of action interactions ending at ``now``.

    Every week each shopper views every action of ``ACTIONS`` once, at a random moment; they take
    their favourite with probability ``favourite_rate`` and any other with ``other_rate``, a
    minute after viewing it.

    Args:
        rng: the random generator; the same state gives the same log.
        user_ids: the shoppers, as strings.
        now: the end of the log, in Unix seconds.
        weeks: its length in weeks, at least 1 (Personalize trains on the last 6).
        favourite_rate: the weekly probability of taking the favourite action, in [0, 1].
        other_rate: the weekly probability of taking each other action, in [0, 1].

    Returns:
        ``(log, favourite)``: the log with ``USER_ID``, ``ACTION_ID``, ``TIMESTAMP`` and
        ``EVENT_TYPE`` (``VIEWED`` or ``TAKEN``) sorted by time; each shopper's favourite
        ``ACTION_ID``, indexed by ``USER_ID``.

    Raises:
        TypeError: ``rng`` is not a ``numpy.random.Generator``.
        ValueError: ``weeks`` is below 1, or a rate is outside [0, 1].
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, not {type(rng).__name__}")
    if int(weeks) < 1:
        raise ValueError(f"weeks must be at least 1, not {weeks!r}")
    for name, rate in (("favourite_rate", favourite_rate), ("other_rate", other_rate)):
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"{name} must be in [0, 1], not {rate!r}")
    users = np.asarray(user_ids, dtype=object)
    actions = ACTIONS["ACTION_ID"].to_numpy(dtype=object)
    favourite = rng.integers(len(actions), size=len(users))
    # one view per shopper, week and action: index arrays in that order
    u, w, a = (
        g.ravel()
        for g in np.meshgrid(np.arange(len(users)), np.arange(weeks), np.arange(len(actions)), indexing="ij")
    )
    seen = int(now) - (int(weeks) - w) * SECONDS_PER_WEEK + rng.integers(SECONDS_PER_WEEK - 60, size=len(u))
    taken = rng.random(len(u)) < np.where(a == favourite[u], favourite_rate, other_rate)
    log = pd.concat(
        [
            pd.DataFrame(
                {"USER_ID": users[u], "ACTION_ID": actions[a], "TIMESTAMP": seen, "EVENT_TYPE": "VIEWED"}
            ),
            pd.DataFrame(
                {
                    "USER_ID": users[u[taken]],
                    "ACTION_ID": actions[a[taken]],
                    "TIMESTAMP": seen[taken] + 60,
                    "EVENT_TYPE": "TAKEN",
                }
            ),
        ],
        ignore_index=True,
    )
    log = log.sort_values(["TIMESTAMP", "USER_ID", "ACTION_ID"], kind="stable", ignore_index=True)
    return log, pd.Series(actions[favourite], index=pd.Index(users, name="USER_ID"), name="FAVOURITE")

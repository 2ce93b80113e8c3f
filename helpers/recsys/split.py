"""Amazon Personalize's offline-evaluation split.

Personalize trains on a random 90% of users with all their interactions. For
each of the other 10% of users it feeds the oldest 90% of their interactions
to the model as input and compares the recommendations with the newest 10%.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .interactions import as_index_array


@dataclass(frozen=True)
class PersonalizeSplit:
    """Boolean masks over the input events (all of length ``n_events``).

    Attributes:
        train: Events of training users: fit the model on these.
        history: Older events of test users: the model's input at evaluation.
        holdout: Newest events of test users: the ground truth.
        test_users: Sorted int64 indices of the test users.
    """

    train: np.ndarray
    history: np.ndarray
    holdout: np.ndarray
    test_users: np.ndarray


def _check_fraction(value: float, name: str) -> float:
    if not 0 < value < 1:
        raise ValueError(f"{name} must be in (0, 1), got {value!r}")
    return float(value)


def personalize_split(
    user_idx,
    timestamps,
    rng: np.random.Generator,
    *,
    test_user_fraction: float = 0.1,
    holdout_fraction: float = 0.1,
    min_user_events: int = 2,
) -> PersonalizeSplit:
    """Split events as Personalize does for its solution-version metrics.

    Test users are drawn at random among users with at least
    ``min_user_events`` events (others always train). For each test user, the
    newest ``ceil(holdout_fraction × n)`` events (at least 1, at most ``n - 1``)
    are held out; ties in time go to the later position in the input.

    Args:
        user_idx: User index per event.
        timestamps: Event times, int seconds.
        rng: Source of randomness, e.g. ``np.random.default_rng(seed)``.
        test_user_fraction: Share of eligible users put in the test set, in (0, 1).
        holdout_fraction: Share of each test user's newest events held out, in (0, 1).
        min_user_events: Users with fewer events are never test users, >= 2.

    Returns:
        A ``PersonalizeSplit``; ``train | history | holdout`` covers every event exactly once.

    Raises:
        ValueError: On mismatched lengths or out-of-range fractions.
        TypeError: If ``rng`` is not a ``numpy.random.Generator``.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    test_user_fraction = _check_fraction(test_user_fraction, "test_user_fraction")
    holdout_fraction = _check_fraction(holdout_fraction, "holdout_fraction")
    if isinstance(min_user_events, bool) or not isinstance(min_user_events, int) or min_user_events < 2:
        raise ValueError(f"min_user_events must be an integer >= 2, got {min_user_events!r}")
    users = as_index_array(user_idx, "user_idx")
    ts = np.asarray(timestamps, dtype=np.int64)
    if ts.shape != users.shape:
        raise ValueError(f"timestamps must have the length of user_idx ({len(users)}), got {ts.shape}")
    n = len(users)
    train = np.ones(n, dtype=bool)
    history = np.zeros(n, dtype=bool)
    holdout = np.zeros(n, dtype=bool)
    if n == 0:
        return PersonalizeSplit(train, history, holdout, np.empty(0, dtype=np.int64))
    counts = np.bincount(users)
    eligible = np.flatnonzero(counts >= min_user_events)
    n_test = int(round(test_user_fraction * len(eligible)))
    test_users = np.sort(rng.choice(eligible, size=n_test, replace=False)) if n_test else eligible[:0]
    is_test_user = np.zeros(len(counts), dtype=bool)
    is_test_user[test_users] = True
    test_events = np.flatnonzero(is_test_user[users])
    # Order each test user's events by time (stable: input order breaks ties).
    order = test_events[np.lexsort((test_events, ts[test_events], users[test_events]))]
    u_sorted = users[order]
    starts = np.searchsorted(u_sorted, u_sorted, side="left")
    position = np.arange(len(order)) - starts
    n_user = counts[u_sorted]
    n_hold = np.clip(np.ceil(holdout_fraction * n_user - 1e-9).astype(np.int64), 1, n_user - 1)
    is_hold = position >= n_user - n_hold
    train[order] = False
    holdout[order[is_hold]] = True
    history[order[~is_hold]] = True
    return PersonalizeSplit(
        train=train, history=history, holdout=holdout, test_users=test_users.astype(np.int64)
    )


def test_cases(s: PersonalizeSplit, user_idx, item_idx) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Each test user's evaluation case: the model's input and the items it should find.

    Args:
        s: the split of these events, from ``personalize_split``.
        user_idx: User index per event.
        item_idx: Item index per event.

    Yields:
        ``(user, history_rows, truth)`` per test user, in ``s.test_users`` order:
        ``history_rows`` are the user's input events (row numbers, in input order) and
        ``truth`` the sorted held-out items not already in that history (may be empty).
    """
    users = as_index_array(user_idx, "user_idx")
    items = as_index_array(item_idx, "item_idx")
    if items.shape != users.shape or s.history.shape != users.shape:
        raise ValueError(f"user_idx, item_idx and the split must have one length, got {users.shape}")
    hist_rows = np.flatnonzero(s.history)
    hist_rows = hist_rows[np.argsort(users[hist_rows], kind="stable")]
    hold_rows = np.flatnonzero(s.holdout)
    hold_rows = hold_rows[np.argsort(users[hold_rows], kind="stable")]
    hist_bounds = np.searchsorted(users[hist_rows], [s.test_users, s.test_users + 1])
    hold_bounds = np.searchsorted(users[hold_rows], [s.test_users, s.test_users + 1])
    for n, user in enumerate(s.test_users.tolist()):
        rows = hist_rows[hist_bounds[0, n] : hist_bounds[1, n]]
        held = items[hold_rows[hold_bounds[0, n] : hold_bounds[1, n]]]
        yield user, rows, np.setdiff1d(held, items[rows])

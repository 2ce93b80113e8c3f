"""Next best action: how likely each user is to take each action within a period.

An **action** is something a shop wants a user to do (join the loyalty programme, install the
app); an action interaction says a user ``TAKEN``, ``NOT_TAKEN`` or ``VIEWED`` it. A user's
**propensity** for an action is the probability that they take it within the next
``period_days``. Takings are counted as a Poisson process per user and action, and a user's rate
is shrunk toward the action's rate over all users (a Gamma prior worth ``prior_days`` of
observation), so a user with no history gets the action's average and a user who took it often
gets more::

    rate(u, a)       = (taken(u, a) + prior_days · rate(a)) / (observed_days + prior_days)
    propensity(u, a) = 1 − exp(−rate(u, a) · period_days)

``rate(a)`` is the action's takings per user and day over the observed days. Only actions with
at least ``min_taken`` takings and ``min_other`` other interactions (not taken or viewed) are
scored; the others score 0. Lists are ordered by propensity, then by the action's value (the
more valuable of two equally likely actions first), then by id.

Worked example: user 0 took action 0 twice in 9 days, user 1 only viewed action 1; over one
day user 0 is likelier to take action 0 than user 1, who took nothing, and both more than 0::

    >>> model = fit_actions(np.array([0, 0, 1]), np.array([0, 0, 1]), np.array([0, 5, 9]) * 86_400,
    ...                     np.array([True, True, False]), 2, 2, values=np.array([1.0, 5.0]),
    ...                     period_days=1, prior_days=10, min_taken=1, min_other=0)
    >>> float(model.propensity(0)[0]) > float(model.propensity(1)[0]) > 0
    True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SECONDS_PER_DAY = 86_400
MIN_TAKEN = 50
"""Takings an action needs to be scored (the guide: 50 ``TAKEN`` action interactions)."""
MIN_OTHER = 50
"""Other interactions an action needs to be scored (the guide: 50 ``NOT_TAKEN`` or ``VIEWED``)."""


@dataclass(frozen=True)
class ActionModel:
    """Per user and action takings, and what turns them into propensities.

    Attributes:
        taken: ``(n_users, n_actions)`` ``float64`` takings per user and action.
        action_rate: per action, takings per user and day (0 for an action that is not scored).
        scored: per action, whether it has enough interactions to be scored.
        values: per action, its value (NaN if unknown).
        observed_days: length of the training data, in days (> 0).
        period_days: the horizon of a propensity, in days (> 0).
        prior_days: weight of the action's rate in a user's, in days of observation (> 0).
    """

    taken: np.ndarray
    action_rate: np.ndarray
    scored: np.ndarray
    values: np.ndarray
    observed_days: float
    period_days: float
    prior_days: float

    @property
    def n_actions(self) -> int:
        """Number of actions."""
        return self.taken.shape[1]

    def propensity(self, user: int | None) -> np.ndarray:
        """Each action's propensity for a user row (None: a user the model has not seen).

        Returns:
            ``float64`` array of length ``n_actions``, values in [0, 1).
        """
        taken = self.taken[user] if user is not None else np.zeros(self.n_actions)
        rate = (taken + self.prior_days * self.action_rate) / (self.observed_days + self.prior_days)
        return np.where(self.scored, 1.0 - np.exp(-rate * self.period_days), 0.0)

    def rank(self, user: int | None, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best actions for a user row: by propensity, then value, then index.

        Returns:
            ``(action indices, propensities)``, best first.
        """
        scores = self.propensity(user)
        order = np.lexsort((np.arange(self.n_actions), -np.nan_to_num(self.values, nan=0.0), -scores))
        return order[:k], scores[order[:k]]

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays for ``np.savez``; ``from_arrays`` restores the model."""
        settings = [self.observed_days, self.period_days, self.prior_days]
        return {
            "act_taken": self.taken,
            "act_rate": self.action_rate,
            "act_scored": self.scored,
            "act_values": self.values,
            "act_settings": np.asarray(settings, dtype=np.float64),
        }

    @classmethod
    def from_arrays(cls, a) -> ActionModel:
        """Rebuild from ``to_arrays()`` output (or an ``np.load`` result)."""
        observed, period, prior = (float(x) for x in a["act_settings"])
        return cls(a["act_taken"], a["act_rate"], a["act_scored"], a["act_values"], observed, period, prior)


def fit_actions(
    user_idx: np.ndarray,
    action_idx: np.ndarray,
    timestamps: np.ndarray,
    taken: np.ndarray,
    n_users: int,
    n_actions: int,
    *,
    values: np.ndarray | None = None,
    period_days: float = 14.0,
    prior_days: float = 14.0,
    min_taken: int = MIN_TAKEN,
    min_other: int = MIN_OTHER,
) -> ActionModel:
    """Fit propensities on action interactions (see the module doc).

    Args:
        user_idx, action_idx, timestamps: per interaction (timestamps in Unix seconds).
        taken: per interaction, whether it is a taking (``TAKEN``); the others are not taken or viewed.
        n_users, n_actions: the sizes of the indices.
        values: per action, its value (NaN if unknown); none by default.
        period_days: the horizon of a propensity, > 0.
        prior_days: weight of the action's average, > 0.
        min_taken, min_other: what an action needs to be scored, >= 0.

    Raises:
        ValueError: mismatched lengths, no interactions, or a non-positive period or prior.
    """
    user_idx, action_idx = np.asarray(user_idx, dtype=np.int64), np.asarray(action_idx, dtype=np.int64)
    timestamps, taken = np.asarray(timestamps, dtype=np.int64), np.asarray(taken, dtype=bool)
    if not (len(user_idx) == len(action_idx) == len(timestamps) == len(taken)):
        raise ValueError("user_idx, action_idx, timestamps and taken must have the same length")
    if not len(user_idx):
        raise ValueError("there are no action interactions to fit on")
    if period_days <= 0 or prior_days <= 0:
        raise ValueError(f"period_days and prior_days must be positive, got {period_days} and {prior_days}")
    counts = np.zeros((n_users, n_actions))
    np.add.at(counts, (user_idx[taken], action_idx[taken]), 1.0)
    n_taken = np.bincount(action_idx[taken], minlength=n_actions)
    n_other = np.bincount(action_idx[~taken], minlength=n_actions)
    scored = (n_taken >= min_taken) & (n_other >= min_other)
    observed = max(float(timestamps.max() - timestamps.min()) / SECONDS_PER_DAY, 1.0)
    rate = np.where(scored, n_taken / (max(n_users, 1) * observed), 0.0)
    values = np.full(n_actions, np.nan) if values is None else np.asarray(values, dtype=np.float64)
    return ActionModel(counts, rate, scored, values, observed, float(period_days), float(prior_days))

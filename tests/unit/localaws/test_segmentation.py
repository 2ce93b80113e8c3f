"""The segmentation recipes' affinities: every user at once, as one user's history scores alone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from helpers.localaws.personalize.training import segmentation, usecases
from helpers.recsys import interactions, personalization, segments, tuning

N_USERS, N_ITEMS = 40, 30


def _model(settings: tuning.Settings) -> tuple[usecases.Model, tuple[np.ndarray, ...]]:
    """A fitted EASE model and its events (sorted by user then time; user 7 has none)."""
    rng = np.random.default_rng(3)
    users = np.sort(rng.choice(np.setdiff1d(np.arange(N_USERS), [7]), size=400))
    items = rng.integers(0, N_ITEMS, size=400)
    ts = 1_700_000_000 + np.sort(rng.integers(0, 90 * 86_400, size=400))
    weights = rng.choice([1.0, 2.0, 4.0], size=400).astype(np.float32)
    ease = personalization.fit_ease(
        interactions.build_user_item_matrix(users, items, N_USERS, N_ITEMS, weights)
    )
    tuned = tuning.Tuning(settings, None, (), 0)
    model = usecases.Model(
        "aws-user-personalization", np.arange(N_ITEMS).astype(str), ease.popularity, personal=ease
    )
    return replace(model, tuning=tuned), (users, items, weights, ts)


@pytest.mark.parametrize(
    "settings",
    [tuning.Settings(half_life_days=10.0), tuning.Settings(half_life_days=None, combination="binary")],
)
def test_affinities_of_every_user_at_once_equal_each_users_own(settings):
    model, (users, items, weights, ts) = _model(settings)
    together = segmentation._affinities(model, N_USERS, users, items, weights, ts)
    for user in range(N_USERS):
        mine = users == user
        scores = np.maximum(usecases.personal_scores(model, (items[mine], weights[mine], ts[mine])), 0.0)
        alone = scores / scores.sum() if scores.sum() > 0 else scores
        np.testing.assert_array_equal(together[user], alone)  # bit for bit: segments rank by them
    assert not together[7].any() and np.allclose(together[together.any(axis=1)].sum(axis=1), 1.0)


def test_segment_scores_in_blocks_equal_the_whole_mean(monkeypatch):
    scores = np.random.default_rng(5).random((37, 12), dtype=np.float32)
    items = np.array([1, 4, 5, 9, 11])
    monkeypatch.setattr(segments, "BLOCK_USERS", 8)
    np.testing.assert_array_equal(
        segments.segment_scores(scores, items), scores[:, items].astype(np.float64).mean(axis=1)
    )

"""A small synthetic shop, generated once per test session."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import config
from helpers.datagen import make_interactions, make_items, make_users

N_USERS, N_ITEMS, N_INTERACTIONS, N_DAYS = 600, 1_000, 40_000, 30


def build(seed: int = 7):
    """Users, items and interactions at test scale, each from its own stream of ``seed``."""
    users = make_users(np.random.default_rng([seed, 1]), N_USERS)
    items = make_items(np.random.default_rng([seed, 2]), N_ITEMS, now=config.NOW, n_days=N_DAYS)
    inter = make_interactions(
        np.random.default_rng([seed, 3]),
        users,
        items,
        now=config.NOW,
        n_interactions=N_INTERACTIONS,
        n_days=N_DAYS,
    )
    return users, items, inter


@pytest.fixture(scope="session")
def shop():
    return build()

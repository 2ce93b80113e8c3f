"""The drift generator: personas really shift, week by week, and the old generators are untouched."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import config
from helpers.datagen import drift, make_interactions, truth
from helpers.datagen.vocabulary import CATEGORIES

from .conftest import N_USERS


def test_shift_personas_moves_the_share_asked(shop):
    users, _, _ = shop
    moved = drift.shift_personas(np.random.default_rng(1), users, 0.5)
    changed = moved["PERSONA"] != users["PERSONA"]
    assert 0.4 < changed.mean() < 0.6
    for old, new in zip(users.loc[changed, "PERSONA"], moved.loc[changed, "PERSONA"], strict=True):
        old_cats, new_cats = old.split("_"), new.split("_")
        # a new favourite first, the old first and second after it, all distinct and real
        assert new_cats[0] not in old_cats and new_cats[1:] == old_cats[:2]
        assert len(set(new_cats)) == 3 and set(new_cats) <= set(CATEGORIES)
    assert users["PERSONA"].equals(shop[0]["PERSONA"])  # the input is not changed
    assert drift.shift_personas(np.random.default_rng(1), users, 0.0)["PERSONA"].equals(users["PERSONA"])


def test_shift_personas_bad_arguments(shop):
    with pytest.raises(ValueError, match="share"):
        drift.shift_personas(np.random.default_rng(1), shop[0], 1.5)
    with pytest.raises(TypeError, match="rng"):
        drift.shift_personas(1, shop[0], 0.1)


def test_launch_new_products(shop):
    _, items, _ = shop
    launched = drift.launch_new_products(items)
    new = items["IS_NEW"].to_numpy(dtype=bool)
    assert new.any() and not launched["IS_NEW"].any()
    assert (launched.loc[new, "POPULARITY"] > 0).all()
    assert launched.loc[~new, "POPULARITY"].equals(items.loc[~new, "POPULARITY"])


@pytest.fixture(scope="module")
def weeks(shop):
    users, items, _ = shop
    return drift.make_drifting_weeks(
        np.random.default_rng(5),
        users,
        items,
        start=config.NOW,
        n_weeks=4,
        events_per_week=8_000,
        weekly_shift=0.3,
    )


def test_weeks_follow_each_other(weeks):
    events, personas = weeks
    assert sorted(events["WEEK"].unique()) == [1, 2, 3, 4]
    assert (events.groupby("WEEK").size() == 8_000).all()
    start = int(config.NOW.timestamp())
    for week, part in events.groupby("WEEK"):
        assert part["TIMESTAMP"].min() >= start + (week - 1) * 7 * 86_400
        assert part["TIMESTAMP"].max() < start + week * 7 * 86_400
    assert personas.groupby("WEEK").size().tolist() == [N_USERS] * 5


def test_preferences_really_shift(shop, weeks):
    users, items, _ = shop
    events, personas = weeks
    by_week = personas.pivot(index="USER_ID", columns="WEEK", values="PERSONA")
    changed = by_week.ne(by_week[0], axis=0).mean()
    assert changed.is_monotonic_increasing and changed[1] > 0.2 and changed[4] > 0.6  # 1 - 0.7⁴ = 0.76
    # Behaviour follows: the share of each week's events in the original persona's categories falls.
    cat = events["ITEM_ID"].map(items.set_index("ITEM_ID")["CATEGORY_L1"])
    home = events["USER_ID"].map(users.set_index("USER_ID")["PERSONA"])
    inside = (
        pd.Series([c in p.split("_") for c, p in zip(cat, home, strict=True)])
        .groupby(events["WEEK"].to_numpy())
        .mean()
    )
    assert inside[1] > inside[4] + 0.1
    # ... while the ground truth of the last week's personas matches the last week's behaviour.
    last = users.assign(PERSONA=by_week[4].reindex(users["USER_ID"]).to_numpy())
    mix = truth.category_mix(last)
    now_home = events["USER_ID"].map(last.set_index("USER_ID")["PERSONA"])
    now_inside = np.mean(
        [
            c in p.split("_")
            for c, p in zip(cat[events["WEEK"] == 4], now_home[events["WEEK"] == 4], strict=True)
        ]
    )
    assert now_inside > inside[4] and mix.to_numpy().sum(axis=1) == pytest.approx(1.0)


def test_new_products_sell_after_launch(shop, weeks):
    _, items, inter = shop
    new_ids = set(items.loc[items["IS_NEW"], "ITEM_ID"])
    assert not new_ids & set(inter["ITEM_ID"])  # never in the training data
    assert new_ids & set(weeks[0]["ITEM_ID"])


def test_drift_leaves_the_generators_inputs_and_outputs_alone(shop, weeks):
    users, items, inter = shop
    again = make_interactions(
        np.random.default_rng([7, 3]), users, items, now=config.NOW, n_interactions=len(inter), n_days=30
    )
    assert again.equals(inter)
    assert items["IS_NEW"].any()  # launching the new products worked on a copy


def test_bad_weeks(shop):
    with pytest.raises(ValueError, match="n_weeks"):
        drift.make_drifting_weeks(
            np.random.default_rng(5),
            shop[0],
            shop[1],
            start=config.NOW,
            n_weeks=0,
            events_per_week=8_000,
            weekly_shift=0.1,
        )

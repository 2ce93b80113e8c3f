"""``usecases.update``: a trained Recommended-for-you model brought to new data without refitting."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.localaws.personalize.training import usecases
from helpers.recsys import tuning

SETTINGS = tuning.Tuning(tuning.Settings(relative_l2=1.0, half_life_days=None), None, (), 0)


def _frame(n_users: int, items: list[str], seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [
        (f"u{u}", items[(u + k) % len(items)], 1_000 + 10 * k, "View")
        for u in range(n_users)
        for k in range(int(rng.integers(3, 8)))
    ]
    return pd.DataFrame(rows, columns=["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"])


def test_update_keeps_the_weights_and_takes_in_new_items_and_events():
    items = [f"i{k:02d}" for k in range(20)]
    old = _frame(60, items, seed=1)
    model = usecases.fit(usecases.prepare(old), usecases.FOR_YOU, tuned=SETTINGS)
    newer = pd.concat([old, pd.DataFrame([("u0", "a-new", 5_000, "View"), ("late", "i03", 5_001, "View")],
                                         columns=old.columns)])  # fmt: skip
    updated = usecases.update(model, usecases.prepare(newer))

    assert updated.item_ids[: len(model.item_ids)].tolist() == model.item_ids.tolist()
    assert updated.item_ids[-1] == "a-new" and updated.item_index("a-new") == len(model.item_ids)
    n = len(model.item_ids)
    assert np.array_equal(updated.personal.weights[:n, :n], model.personal.weights)
    assert not updated.personal.weights[n:].any() and not updated.personal.weights[:, n:].any()
    assert updated.tuning == model.tuning
    assert updated.user_history("late")[0].tolist() == [updated.item_index("i03")]
    assert updated.item_index("a-new") in updated.user_history("u0")[0].tolist()
    assert updated.catalogue.counts[updated.item_index("a-new")] == 1


def test_update_without_new_data_serves_the_same_lists():
    items = [f"i{k:02d}" for k in range(20)]
    frame = _frame(60, items, seed=2)
    ev = usecases.prepare(frame)
    model = usecases.fit(ev, usecases.FOR_YOU, tuned=SETTINGS)
    updated = usecases.update(model, ev)
    for user in ("u1", "u7", "u30"):
        history = model.user_history(user)[:3]
        again = updated.user_history(user)[:3]
        assert (
            usecases.rank(model, 5, history=history)[0].tolist()
            == usecases.rank(updated, 5, history=again)[0].tolist()
        )

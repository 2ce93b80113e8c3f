"""helpers.evaluation: event tables to matrices and truths, the A/B summary, the drift study."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import config, evaluation
from helpers.datagen import drift
from helpers.recsys import abtest
from tests.unit.datagen.conftest import build

EVENTS = pd.DataFrame(
    {
        "USER_ID": ["a", "a", "a", "b", "c"],
        "ITEM_ID": ["x", "y", "x", "z", "x"],
        "TIMESTAMP": [0, 10, 20, 30, 40],
        "EVENT_TYPE": ["View", "View", "Purchase", "View", "View"],
    }
)
ITEMS = pd.Series([0, 1, 2], index=["x", "y", "z"])


def test_user_item_matrix_weights_events_and_drops_strangers():
    users = pd.Series([0, 1], index=["a", "b"])
    m = evaluation.user_item_matrix(EVENTS, users, ITEMS).toarray()
    # a: View x (1) + Purchase x (4), View y (1); b: View z; c is not asked for.
    assert m.tolist() == [[5.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    bought = evaluation.user_item_matrix(EVENTS, users, ITEMS, event_types=("Purchase",)).toarray()
    assert bought.tolist() == [[4.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    decayed = evaluation.user_item_matrix(
        EVENTS, users, ITEMS, reference_time=86_400 + 20, half_life_days=1.0
    )
    assert decayed[0, 0] == pytest.approx(0.5 * (2 ** (-20 / 86_400) + 4), rel=1e-4)


def test_truth_lists_leave_out_what_was_seen():
    seen = evaluation.user_item_matrix(
        EVENTS[EVENTS["TIMESTAMP"] < 15], pd.Series([0, 1, 2], index=["a", "c", "d"]), ITEMS
    )
    got = evaluation.truth_lists(EVENTS, ["a", "c", "d"], ITEMS)
    assert [t.tolist() for t in got] == [[0, 1], [0], []]
    assert [t.tolist() for t in evaluation.truth_lists(EVENTS, ["a", "c", "d"], ITEMS, seen)] == [[], [0], []]


def test_persona_share():
    recs = np.array([[0, 1, -1], [2, 2, 1]])
    category = np.array(["books", "toys", "pets"])
    # first list: books in, toys out, padding out → 1/3; second: pets, pets, toys with persona pets → 2/3
    assert evaluation.persona_share(
        recs, ["books_tools_floral", "pets_books_kitchen"], category, 3
    ) == pytest.approx(0.5)


def test_persona_share_is_the_mean_of_each_lists_share():
    rng = np.random.default_rng(3)
    category = rng.choice(["books", "toys", "pets", "tools", "floral"], 40)
    recs = rng.integers(-1, 40, size=(300, 12))
    personas = ["_".join(rng.choice(["books", "toys", "pets", "tools", "kitchen"], 3)) for _ in range(300)]
    shares = [
        np.isin(category[row[row >= 0]], persona.split("_")).sum() / 10
        for row, persona in zip(recs[:, :10], personas, strict=True)
    ]
    assert evaluation.persona_share(recs, personas, category, 10) == np.mean(shares)  # bit for bit
    assert evaluation.persona_share(recs[:0], [], category, 10) == 0.0
    with pytest.raises(ValueError, match="one entry per list"):
        evaluation.persona_share(recs, personas[:-1], category, 10)


def test_ab_summary_matches_the_statistics():
    sessions = abtest.Sessions(
        arms=("t", "c"),
        arm=np.repeat([0, 1], 1000),
        user=np.zeros(2000, dtype=int),
        clicks=np.concatenate([np.repeat([1, 0], [120, 880]), np.repeat([2, 0], [100, 900])]),
        purchases=np.concatenate([np.repeat([1, 0], [12, 988]), np.repeat([1, 0], [10, 990])]),
        bought=np.empty((0, 2), dtype=int),
    )
    table = evaluation.ab_summary(sessions, "t")
    assert table.loc["t", "ctr"] == pytest.approx(0.12) and table.loc["c", "ctr"] == pytest.approx(0.10)
    assert table.loc["c", "ctr_ratio"] == pytest.approx(1.2)
    assert table.loc["c", "ctr_p_value"] == pytest.approx(
        abtest.two_proportion_ztest(120, 1000, 100, 1000)[1]
    )
    assert (table.loc["t", "ctr_low"], table.loc["t", "ctr_high"]) == pytest.approx(
        abtest.proportion_ci(120, 1000)
    )
    assert table.loc["c", "conversion"] == pytest.approx(0.01)
    with pytest.raises(ValueError, match="treatment"):
        evaluation.ab_summary(sessions, "x")


def test_drift_experiment_decays_without_events_and_recovers_with_them():
    users, items, train = build(11)
    weeks, personas = drift.make_drifting_weeks(
        np.random.default_rng(12),
        users,
        items,
        start=config.NOW,
        n_weeks=3,
        events_per_week=9_000,
        weekly_shift=0.5,
    )
    study = evaluation.drift_experiment(train, weeks, personas, items, users["USER_ID"].iloc[:300])
    assert set(study.columns) == {"week", "strategy", "ndcg_at_10", "persona_share_at_10"}
    assert len(study) == 3 * len(evaluation.DRIFT_STRATEGIES)
    share = study.pivot(index="week", columns="strategy", values="persona_share_at_10")
    frozen, streamed = share["no retraining, no events"], share["streamed events only"]
    assert share.loc[1].nunique() == 1  # in week 1 every strategy knows the same
    assert frozen[3] < frozen[1] - 0.1  # tastes moved away from the frozen lists
    assert streamed[3] > frozen[3] + 0.05  # streamed events follow them
    assert share["retrain weekly"][3] >= frozen[3]


def test_user_item_matrix__decay_needs_a_reference_time():
    with pytest.raises(ValueError, match="reference_time"):
        evaluation.user_item_matrix(EVENTS, ITEMS, ITEMS, half_life_days=1.0)


def _ab(ctr: dict, conversion: dict) -> pd.DataFrame:
    return pd.DataFrame({"ctr": ctr, "conversion": conversion})


def test_verdict_names_the_strongest_free_list_and_arm():
    ndcg = pd.Series({"rfy": 0.13, "knn": 0.12, "favcat": 0.10, "oracle": 0.2})
    ab = _ab({"rfy": 0.08, "favcat": 0.11, "random": 0.01}, {"rfy": 0.004, "favcat": 0.005, "random": 0.0})
    judged = evaluation.verdict(ndcg, ab, "rfy", ["knn", "favcat"])
    assert judged["strongest_offline"] == "knn" and judged["ndcg_ratio"] == pytest.approx(0.13 / 0.12)
    assert judged["strongest_arm"] == "favcat" and judged["ctr_ratio"] == pytest.approx(0.08 / 0.11)
    assert judged["conversion_ratio"] == pytest.approx(0.8)
    sentence = evaluation.verdict_sentence(judged)
    assert "1.08x" in sentence and "(knn)" in sentence and "free list is the better buy" in sentence


@pytest.mark.parametrize(
    ("ndcg_ratio", "ctr_ratio", "says"),
    [(1.2, 1.1, "beats every free list"), (0.9, 0.8, "does not earn its bill"), (0.9, 1.1, "click it more")],
)
def test_verdict_sentence_concludes_from_both_ratios(ndcg_ratio, ctr_ratio, says):
    judged = {"treatment": "t", "strongest_offline": "a", "strongest_arm": "b", "ndcg_ratio": ndcg_ratio,
              "ctr_ratio": ctr_ratio, "conversion_ratio": 1.0}  # fmt: skip
    assert says in evaluation.verdict_sentence(judged)

"""Evaluation plumbing for notebook 09: event tables to index arrays, the A/B summary, the drift study.

``helpers.recsys`` holds the algorithms and statistics (pure, arrays in and out); this module
joins them to the shop's tables (pandas, string ids) the way the notebook needs them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from helpers.recsys import abtest, baselines, interactions, metrics, personalization

#: Strategies of the drift study: name → (retrain every this many weeks, 0 = never; stream events).
DRIFT_STRATEGIES: dict[str, tuple[int, bool]] = {
    "no retraining, no events": (0, False),
    "streamed events only": (0, True),
    "retrain every 4 weeks": (4, True),
    "retrain weekly": (1, True),
}


def user_item_matrix(
    events: pd.DataFrame,
    user_index: pd.Series,
    item_index: pd.Series,
    *,
    reference_time: int | None = None,
    half_life_days: float | None = None,
    event_types: tuple[str, ...] | None = None,
) -> sp.csr_matrix:
    """Event-weighted (View 1, AddToCart 2, Purchase 4) users × items matrix of an events table.

    Args:
        events: ``USER_ID``, ``ITEM_ID``, ``TIMESTAMP``, ``EVENT_TYPE``.
        user_index: ``USER_ID`` → row; events of other users are dropped.
        item_index: ``ITEM_ID`` → column; events of other items are dropped.
        reference_time: "now" for recency weights, Unix seconds (with ``half_life_days``).
        half_life_days: an event this many days old counts half; None for no decay.
        event_types: keep only these event types; all when None.

    Returns:
        ``csr_matrix`` of shape ``(len(user_index), len(item_index))``.

    Raises:
        ValueError: ``half_life_days`` without ``reference_time``.
    """
    if half_life_days is not None and reference_time is None:
        raise ValueError("reference_time is required with half_life_days")
    keep = events["USER_ID"].isin(user_index.index) & events["ITEM_ID"].isin(item_index.index)
    if event_types is not None:
        keep &= events["EVENT_TYPE"].isin(event_types)
    ev = events[keep]
    weights = interactions.event_weights(ev["EVENT_TYPE"].to_numpy(), default=1.0)
    if half_life_days is not None:
        weights = weights * interactions.recency_weights(
            ev["TIMESTAMP"].to_numpy(), reference_time, half_life_days
        )
    return interactions.build_user_item_matrix(
        ev["USER_ID"].map(user_index).to_numpy(),
        ev["ITEM_ID"].map(item_index).to_numpy(),
        len(user_index),
        len(item_index),
        weights,
    )


def truth_lists(
    events: pd.DataFrame, users, item_index: pd.Series, seen: sp.csr_matrix | None = None
) -> list:
    """Each user's distinct items in ``events`` (sorted indices), minus the non-zeros of ``seen``.

    Args:
        events: ``USER_ID`` and ``ITEM_ID``.
        users: ``USER_ID`` per row of the result, in order.
        item_index: ``ITEM_ID`` → index.
        seen: optional ``(len(users), n_items)`` matrix of items to leave out per user.

    Returns:
        One int64 array per user.
    """
    users = list(users)
    rows = pd.Series(np.arange(len(users)), index=users)
    ev = events[events["ITEM_ID"].isin(item_index.index) & events["USER_ID"].isin(rows.index)]
    out = _items_per_row(
        ev["USER_ID"].map(rows).to_numpy(), ev["ITEM_ID"].map(item_index).to_numpy(), len(users)
    )
    if seen is not None:
        out = [np.setdiff1d(items, seen[row].indices) for row, items in enumerate(out)]
    return out


def _items_per_row(rows: np.ndarray, items: np.ndarray, n_rows: int) -> list:
    """Each row's distinct items (sorted int64 array), from one row and one item index per event."""
    pairs = np.unique(np.column_stack([rows, items]), axis=0)
    bounds = np.searchsorted(pairs[:, 0], np.arange(n_rows + 1))
    return [pairs[bounds[row] : bounds[row + 1], 1].astype(np.int64) for row in range(n_rows)]


def persona_share(recs: np.ndarray, personas, item_category: np.ndarray, k: int) -> float:
    """Mean share of each top-``k`` list that falls in the shopper's three persona categories.

    Args:
        recs: ``(n_users, >= k)`` item indices, -1 padding.
        personas: one ``a_b_c`` persona string per row.
        item_category: category name per item index.
        k: list length, > 0.

    Returns:
        The mean share in [0, 1] (padding counts as outside).
    """
    top = np.asarray(recs)[:, :k]
    personas = list(personas)
    if len(personas) != len(top):
        raise ValueError(f"personas must have one entry per list ({len(top)}), got {len(personas)}")
    if not personas:
        return 0.0
    category, names = pd.factorize(np.asarray(item_category), use_na_sentinel=False)
    code = {name: c for c, name in enumerate(names)}
    wanted = np.zeros((len(personas), len(names)), dtype=bool)  # list × category: in its persona
    for row, persona in enumerate(personas):
        wanted[row, [code[name] for name in persona.split("_") if name in code]] = True
    inside = (wanted[np.arange(len(top))[:, None], category[top]] & (top >= 0)).sum(axis=1)
    return float(np.mean(inside / k))


def ab_summary(sessions: abtest.Sessions, treatment: str, confidence: float = 0.95) -> pd.DataFrame:
    """Click-through and conversion per arm with intervals, and the treatment against each other arm.

    Args:
        sessions: from ``abtest.simulate_sessions``.
        treatment: the arm to compare with the others.
        confidence: coverage of the intervals.

    Returns:
        One row per arm (index: arm): ``sessions``, ``ctr``, ``ctr_low``, ``ctr_high``,
        ``conversion``, ``conversion_low``, ``conversion_high``, and for the other arms
        ``ctr_lift`` (treatment / arm - 1), its interval and ``ctr_p_value``, and ``ctr_ratio``.
    """
    if treatment not in sessions.arms:
        raise ValueError(f"treatment must be one of {sessions.arms}, got {treatment!r}")
    counts = {}
    for a, name in enumerate(sessions.arms):
        mask = sessions.arm == a
        counts[name] = (
            int(mask.sum()),
            int((sessions.clicks[mask] > 0).sum()),
            int((sessions.purchases[mask] > 0).sum()),
        )
    n_t, c_t, _ = counts[treatment]
    rows = []
    for name, (n, clicked, converted) in counts.items():
        row = {"arm": name, "sessions": n, "ctr": clicked / n, "conversion": converted / n}
        row["ctr_low"], row["ctr_high"] = abtest.proportion_ci(clicked, n, confidence)
        row["conversion_low"], row["conversion_high"] = abtest.proportion_ci(converted, n, confidence)
        if name != treatment:
            row["ctr_ratio"] = (c_t / n_t) / (clicked / n) if clicked else np.inf
            row["ctr_lift"], row["ctr_lift_low"], row["ctr_lift_high"] = abtest.relative_lift_ci(
                c_t, n_t, clicked, n, confidence
            )
            row["ctr_p_value"] = abtest.two_proportion_ztest(c_t, n_t, clicked, n)[1]
        rows.append(row)
    return pd.DataFrame(rows).set_index("arm")


def verdict(ndcg_at_10: pd.Series, ab: pd.DataFrame, treatment: str, others: list[str]) -> dict:
    """The treatment against the strongest other list, next week and in the A/B test.

    Args:
        ndcg_at_10: NDCG@10 per list on next week's products.
        ab: ``ab_summary`` of the simulated A/B test.
        treatment: the list judged.
        others: the lists it must beat offline (the A/B test's other arms are its controls).

    Returns:
        JSON-ready: the strongest list offline and arm, the treatment's figures and theirs, and
        the ratios (treatment ÷ strongest) of NDCG@10, click-through and conversion.
    """
    offline = ndcg_at_10.reindex(others).dropna()
    best, arm = str(offline.idxmax()), str(ab.drop(index=treatment)["ctr"].idxmax())
    ratio = lambda a, b: float(a / b) if b else float("inf")  # noqa: E731
    return {
        "treatment": treatment,
        "strongest_offline": best,
        "ndcg_at_10": float(ndcg_at_10[treatment]),
        "ndcg_at_10_strongest": float(offline[best]),
        "ndcg_ratio": ratio(ndcg_at_10[treatment], offline[best]),
        "strongest_arm": arm,
        "ctr": float(ab.loc[treatment, "ctr"]),
        "ctr_strongest": float(ab.loc[arm, "ctr"]),
        "ctr_ratio": ratio(ab.loc[treatment, "ctr"], ab.loc[arm, "ctr"]),
        "conversion": float(ab.loc[treatment, "conversion"]),
        "conversion_strongest": float(ab.loc[arm, "conversion"]),
        "conversion_ratio": ratio(ab.loc[treatment, "conversion"], ab.loc[arm, "conversion"]),
    }


def verdict_sentence(judged: dict) -> str:
    """``verdict`` in one sentence, its conclusion drawn from the two ratios."""
    offline, online = judged["ndcg_ratio"] >= 1, judged["ctr_ratio"] >= 1
    if offline and online:
        conclusion = "it beats every free list on both"
    elif offline:
        conclusion = (
            "it predicts next week better, but the simulated shoppers click the free list more, so "
            "on this shop's carousel the free list is the better buy"
        )
    elif online:
        conclusion = "the simulated shoppers click it more, although a free list predicts next week better"
    else:
        conclusion = "a free list does better on both, so the recommender does not earn its bill here"
    return (
        f"Next week {judged['treatment']} scores {judged['ndcg_ratio']:.2f}x the NDCG@10 of the "
        f"strongest other list ({judged['strongest_offline']}); in the simulated A/B test it gets "
        f"{judged['ctr_ratio']:.2f}x the click-through and {judged['conversion_ratio']:.2f}x the "
        f"conversion of the strongest free arm ({judged['strongest_arm']}): {conclusion}."
    )


def _lists(model, history: sp.csr_matrix, purchased: sp.csr_matrix, k: int) -> np.ndarray:
    """Recommended-for-you lists: history × item weights, popularity after, purchases left out."""
    product = history @ model.weights
    scores = product.toarray() if sp.issparse(product) else np.asarray(product, dtype=np.float64)
    fill = -1.0 + model.popularity / (float(model.popularity.max()) + 1.0)  # in [-1, 0): after any hit
    scores = np.where(scores > 0, scores, fill[None, :])
    return baselines.rank_rows(scores, purchased, k)


def drift_experiment(
    train: pd.DataFrame,
    weeks: pd.DataFrame,
    personas: pd.DataFrame,
    items: pd.DataFrame,
    users,
    *,
    k: int = 10,
    half_life_days: float = 30.0,
    strategies: dict[str, tuple[int, bool]] | None = None,
) -> pd.DataFrame:
    """How Recommended for you decays as tastes drift, per retraining and event strategy.

    Every model is ``personalization.fit_personalization`` on the event-weighted matrix of all
    shoppers' events up to its training time; a list scores the shopper's history (events
    weighted by type and by recency, half-life ``half_life_days``) and leaves out their
    purchases. At the start of week ``w``, a strategy that streams events knows the shopper's
    events up to then; one that does not knows only the training data. It is graded on what the
    shopper did in week ``w``.

    Args:
        train: the training events (``INTERACTION_COLUMNS``).
        weeks: from ``drift.make_drifting_weeks`` (with ``WEEK``).
        personas: from ``drift.make_drifting_weeks``.
        items: the catalogue (``ITEM_ID``, ``CATEGORY_L1``), in item-index order.
        users: ``USER_ID`` of the shoppers to grade.
        k: list length, > 0.
        half_life_days: recency half-life of the history weights.
        strategies: name → (retrain every n weeks, 0 = never; stream events); ``DRIFT_STRATEGIES``.

    Returns:
        One row per week and strategy: ``week``, ``strategy``, ``ndcg_at_{k}``,
        ``persona_share_at_{k}`` (share of the list in the shopper's persona of that week).
    """
    strategies = strategies or DRIFT_STRATEGIES
    users = list(users)

    def column(name: str) -> np.ndarray:
        return np.concatenate([train[name].to_numpy(), weeks[name].to_numpy()])

    item = pd.Index(items["ITEM_ID"]).get_indexer(column("ITEM_ID"))
    in_catalogue = item >= 0
    item = item[in_catalogue]
    codes, all_users = pd.factorize(column("USER_ID")[in_catalogue], sort=True)
    week_of = np.concatenate([np.zeros(len(train), dtype=np.int64), weeks["WEEK"].to_numpy()])[in_catalogue]
    ts = column("TIMESTAMP").astype(np.int64)[in_catalogue]
    event_type = column("EVENT_TYPE")[in_catalogue]
    weight = interactions.event_weights(event_type, default=1.0)
    purchase = event_type == "Purchase"
    grade_row = pd.Series(np.arange(len(users)), index=users).reindex(all_users).fillna(-1).to_numpy(np.int64)
    graded_event = grade_row[codes] >= 0
    category = items["CATEGORY_L1"].to_numpy()

    def matrix(mask: np.ndarray, values: np.ndarray) -> sp.csr_matrix:
        rows = grade_row[codes[mask]]
        return interactions.build_user_item_matrix(rows, item[mask], len(users), len(items), values)

    # week -> strategy -> (events known before week, model trained before week)
    test_weeks = sorted(int(w) for w in np.unique(week_of[week_of > 0]))
    plan = {
        week: {
            name: (week if stream else 1, 1 if every == 0 else 1 + every * ((week - 1) // every))
            for name, (every, stream) in strategies.items()
        }
        for week in test_weeks
    }
    model_weeks = sorted({trained for known in plan.values() for _, trained in known.values()})
    models = _models_before(model_weeks, codes, item, weight, week_of, len(all_users), len(items))

    train_end = int(ts[week_of == 0].max()) + 1
    rows = []
    for week, known_and_trained in plan.items():
        in_week = week_of == week
        now = max(int(ts[in_week].min()), train_end)
        graded_in_week = in_week & graded_event
        truth = _items_per_row(grade_row[codes[graded_in_week]], item[graded_in_week], len(users))
        has_truth = np.array([len(t) > 0 for t in truth], dtype=bool)
        persona = personas[personas["WEEK"] == week].set_index("USER_ID")["PERSONA"].reindex(users).to_numpy()
        # strategies that know the same events and use the same model get the same lists: one
        # history per known week, one list (and grade) per known week and model
        inputs: dict[int, tuple[sp.csr_matrix, sp.csr_matrix]] = {}
        graded: dict[tuple[int, int], tuple[float, float]] = {}
        for name, (known_before, trained_before) in known_and_trained.items():
            if known_before not in inputs:
                known = graded_event & (week_of < known_before)
                recency = interactions.recency_weights(ts[known], now, half_life_days)
                bought = known & purchase
                inputs[known_before] = (
                    matrix(known, weight[known] * recency),
                    matrix(bought, np.ones(int(bought.sum()), dtype=np.float32)),
                )
            if (known_before, trained_before) not in graded:
                recs = _lists(models[trained_before], *inputs[known_before], k)
                ndcg = metrics.ndcg_at_k_per_user(truth, recs, k)[has_truth]
                graded[known_before, trained_before] = (
                    float(np.mean(ndcg)) if ndcg.size else 0.0,
                    persona_share(recs, persona, category, k),
                )
            ndcg, share = graded[known_before, trained_before]
            rows.append(
                {"week": week, "strategy": name, f"ndcg_at_{k}": ndcg, f"persona_share_at_{k}": share}
            )
    return pd.DataFrame(rows)


def _models_before(
    weeks: list[int],
    users: np.ndarray,
    items: np.ndarray,
    weights: np.ndarray,
    week_of: np.ndarray,
    n_users: int,
    n_items: int,
) -> dict[int, personalization.PersonalizationModel]:
    """``fit_personalization`` on the events before each of ``weeks`` (ascending), by week.

    EASE (the choice up to ``DEFAULT_MAX_EASE_ITEMS`` items) grows each week's Gram from the last.
    """
    matrices = (
        interactions.build_user_item_matrix(users[m], items[m], n_users, n_items, weights[m])
        for m in (week_of < week for week in weeks)
    )
    if n_items <= personalization.DEFAULT_MAX_EASE_ITEMS:
        fitted = personalization.fit_ease_growing(matrices)
    else:
        fitted = map(personalization.fit_personalization, matrices)
    return dict(zip(weeks, fitted, strict=True))

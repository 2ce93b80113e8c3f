"""The Next-Best-Action recipe (``aws-next-best-action``) as a model: actions ranked per user.

From the developer guide's "Next-Best-Action recipe": it recommends, from the Actions dataset,
the actions a user will most likely take within the **action optimization period**, ordered by a
propensity score, the more valuable action first when two are equally likely; an action is
scored once the training data has at least 50 ``TAKEN`` and 50 ``NOT_TAKEN`` or ``VIEWED``
action interactions with it, within 6 weeks of the newest one; until then it scores 0.0.

Locally (``helpers.recsys.actions``): the action interactions imported and streamed
(PutActionInteractions) within those 6 weeks train a Gamma-Poisson model of each user's
takings per action; the Actions dataset (imported and PutActions) gives the actions and their
``VALUE``. An action interaction's ``EVENT_TYPE`` is read case-insensitively, a space counting
as an underscore (``Not taken`` is ``NOT_TAKEN``). The version's metrics are Personalize's names
on a temporal hold-out: the model fitted before the last period ranks every action for each
user who took one in it (the later half of the data, if it spans less than two periods).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.localaws.engine.store import Store
from helpers.localaws.personalize import streams
from helpers.localaws.personalize.training import usecases
from helpers.recsys import actions, metrics

RECIPE = "aws-next-best-action"
PERIOD_PARAMETER = "action_optimization_period"
DEFAULT_PERIOD_DAYS = 14
"""The action optimization period when the solution gives none (the guide's example: 14 days)."""
WINDOW_DAYS = 42
"""Action interactions count if they are at most 6 weeks older than the newest one (the guide)."""
TAKEN = "TAKEN"


def event_kind(event_type: pd.Series) -> pd.Series:
    """``EVENT_TYPE`` values in the guide's spelling: upper case, spaces as underscores."""
    return event_type.astype(str).str.strip().str.upper().str.replace(r"[\s-]+", "_", regex=True)


def _frame(store: Store, group_arn: str, dataset_type: str) -> pd.DataFrame | None:
    """A dataset's imported rows followed by its streamed ones (the newest row per action for the
    Actions dataset: PutActions replaces an action)."""
    imported = store.read_dataset(group_arn, dataset_type)
    records = store.records(streams.stream_of(store, group_arn, dataset_type))
    streamed = pd.DataFrame([row for _, _, row in records]) if records else None
    parts = [f for f in (imported, streamed) if f is not None and len(f)]
    if not parts:
        return None
    frame = pd.concat(parts, ignore_index=True)
    if dataset_type == "Actions":
        return frame.drop_duplicates(subset="ACTION_ID", keep="last", ignore_index=True)
    return frame


def training_data(store: Store, group_arn: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Actions and the action interactions (within ``WINDOW_DAYS`` of the newest) to train on.

    Raises:
        TrainingFailed: no actions or no action interactions.
    """
    acts = _frame(store, group_arn, "Actions")
    if acts is None:
        raise usecases.TrainingFailed(
            f"{RECIPE} needs an Actions dataset with actions; {group_arn} has none."
        )
    inter = _frame(store, group_arn, "Action_Interactions")
    if inter is None:
        raise usecases.TrainingFailed(
            f"{RECIPE} needs an Action interactions dataset with data; {group_arn} has none."
        )
    inter = inter[inter["ACTION_ID"].astype(str).isin(set(acts["ACTION_ID"].astype(str)))]
    ts = pd.to_numeric(inter["TIMESTAMP"]).to_numpy(dtype=np.int64)
    recent = ts >= ts.max() - WINDOW_DAYS * actions.SECONDS_PER_DAY if len(ts) else ts.astype(bool)
    return acts, inter[recent].reset_index(drop=True)


def period_days(config: dict | None) -> float:
    """The solution's action optimization period in days (``featureTransformationParameters``)."""
    given = ((config or {}).get("featureTransformationParameters") or {}).get(PERIOD_PARAMETER)
    return float(given) if given is not None else float(DEFAULT_PERIOD_DAYS)


def _fit(inter: pd.DataFrame, acts: pd.DataFrame, users: np.ndarray, days: float) -> actions.ActionModel:
    action_ids = acts["ACTION_ID"].astype(str).to_numpy()
    user_idx = pd.Index(users).get_indexer(inter["USER_ID"].astype(str))
    action_idx = pd.Index(action_ids).get_indexer(inter["ACTION_ID"].astype(str))
    values = pd.to_numeric(acts["VALUE"], errors="coerce").to_numpy() if "VALUE" in acts else None
    return actions.fit_actions(
        user_idx,
        action_idx,
        pd.to_numeric(inter["TIMESTAMP"]).to_numpy(dtype=np.int64),
        (event_kind(inter["EVENT_TYPE"]) == TAKEN).to_numpy(),
        len(users),
        len(action_ids),
        values=values,
        period_days=days,
        prior_days=days,
    )


def train(store: Store, group_arn: str, config: dict | None) -> tuple[usecases.Model, dict[str, float]]:
    """Fit the Next-Best-Action model of a dataset group and its metrics (see the module doc).

    Raises:
        TrainingFailed: no actions or action interactions.
    """
    acts, inter = training_data(store, group_arn)
    acts = acts.sort_values("ACTION_ID", key=lambda s: s.astype(str), ignore_index=True)
    if not len(inter):
        raise usecases.TrainingFailed(
            f"{RECIPE}: no action interaction names an action of the Actions dataset."
        )
    users = np.unique(inter["USER_ID"].astype(str).to_numpy(dtype=str))
    days = period_days(config)
    model = _fit(inter, acts, users, days)
    action_ids = acts["ACTION_ID"].astype(str).to_numpy(dtype=str)
    values = np.nan_to_num(model.values, nan=0.0)
    served = usecases.Model(RECIPE, action_ids, fallback=values, actions=model, action_users=users)
    return served, _evaluate(inter, acts, users, days)


def _evaluate(inter: pd.DataFrame, acts: pd.DataFrame, users: np.ndarray, days: float) -> dict[str, float]:
    """Personalize's metrics of the model fitted before the hold-out, on the takings in it: the
    last ``days``, or the later half of the data when it spans less than two periods."""
    ts = pd.to_numeric(inter["TIMESTAMP"]).to_numpy(dtype=np.int64)
    cut = ts.max() - min(days * actions.SECONDS_PER_DAY, (ts.max() - ts.min()) / 2)
    before, after = (
        inter[ts < cut],
        inter[(ts >= cut) & (event_kind(inter["EVENT_TYPE"]) == TAKEN).to_numpy()],
    )
    if not len(before) or not len(after):
        return {}
    model = _fit(before, acts, users, days)
    action_ids = pd.Index(acts["ACTION_ID"].astype(str))
    truths, recs = [], []
    for user, rows in after.groupby(after["USER_ID"].astype(str), sort=True):
        ranked, _ = model.rank(int(np.searchsorted(users, user)), usecases.EVAL_K)
        truths.append(np.unique(action_ids.get_indexer(rows["ACTION_ID"].astype(str))))
        recs.append(np.pad(ranked, (0, usecases.EVAL_K - len(ranked)), constant_values=-1))
    return {k: round(float(v), 4) for k, v in metrics.evaluate(truths, recs, len(action_ids)).items()}

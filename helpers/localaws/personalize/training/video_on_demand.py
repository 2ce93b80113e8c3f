"""The VIDEO_ON_DEMAND domain's use cases as models, on the shared training path.

Each use case (``usecases.VIDEO_ON_DEMAND``) is trained as the ECOMMERCE model of the same kind
(``MODEL_OF``), on the events its table names:

==================================  ==============================================================
use case (recipe)                   model
==================================  ==============================================================
Because you watched X               co-views (``Watch`` events in one visit), as Customers who
                                    viewed X; the videos the user watched are left out
More like X                         co-views of events of any type; the videos the user watched
                                    are left out; it needs an Items dataset, as on AWS
Most popular                        event counts over the last ``usecases.LOOKBACK_DAYS``
Trending now                        the recency-weighted growth of each video's events
                                    (``recsys.trending``), per 2-hour interval
Top picks for you                   Recommended for you's model on events of any type
==================================  ==============================================================

A ``Watch`` event counts as the ``View`` of its ECOMMERCE model; for the two "X" use cases it also
marks the video as the user's own (the ``Purchase`` the ECOMMERCE models leave out), since the
guide says they leave out what the user watched.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from helpers.localaws.personalize.training import usecases
from helpers.recsys import popularity, trending

WATCH = "Watch"
MODEL_OF = {
    "aws-vod-because-you-watched-x": usecases.ALSO_VIEWED,
    "aws-vod-more-like-x": usecases.ALSO_VIEWED,
    "aws-vod-most-popular": usecases.MOST_VIEWED,
    "aws-vod-trending-now": usecases.TRENDING_NOW,
    "aws-vod-top-picks": usecases.FOR_YOU,
}
"""VIDEO_ON_DEMAND use case → the model it trains."""
LEAVES_OUT_WATCHED = ("aws-vod-because-you-watched-x", "aws-vod-more-like-x")
"""Use cases that leave out the videos the user watched (the guide)."""
NEEDS_ITEMS = ("aws-vod-more-like-x",)
"""Use cases that need an Items dataset (the guide)."""
TREND_INTERVAL_SECONDS = 7_200


def as_ecommerce(ev: usecases.Events, recipe: str) -> usecases.Events:
    """The events as the ECOMMERCE model of ``recipe`` reads them: its event type as ``view``,
    and, for the use cases that leave them out, ``Watch`` events as ``purchase``."""
    case = usecases.VIDEO_ON_DEMAND[recipe]
    types = ev.event_types if ev.event_types is not None else np.full(len(ev.item_idx), "")
    typed = types == case.event_type if case.event_type else np.ones(len(types), dtype=bool)
    watched = types == WATCH if recipe in LEAVES_OUT_WATCHED else np.zeros(len(types), dtype=bool)
    return dataclasses.replace(ev, view=typed, purchase=watched)


def check_minimums(ev: usecases.Events, recipe: str, has_items: bool) -> None:
    """The use case's data minimum (``usecases.VIDEO_ON_DEMAND``), and its Items dataset.

    Raises:
        TrainingFailed: too few events of its type, or no Items dataset where it needs one.
    """
    case = usecases.VIDEO_ON_DEMAND[recipe]
    found = int(as_ecommerce(ev, recipe).view.sum())
    kind = f"{case.event_type} events" if case.event_type else "events"
    if found < case.min_events:
        raise usecases.TrainingFailed(
            f"The {case.name} use case ({recipe}) needs at minimum {case.min_events} {kind}; "
            f"the Interactions dataset has {found}."
        )
    if recipe in NEEDS_ITEMS and not has_items:
        raise usecases.TrainingFailed(f"The {case.name} use case ({recipe}) needs an Items dataset.")


def fit(ev: usecases.Events, recipe: str, mask: np.ndarray | None = None, tuned=None) -> usecases.Model:
    """Fit a VIDEO_ON_DEMAND use case's model on the events ``mask`` selects (all by default)."""
    mask = np.ones(len(ev.item_idx), dtype=bool) if mask is None else mask
    read = as_ecommerce(ev, recipe)
    model_of = MODEL_OF[recipe]
    if model_of == usecases.TRENDING_NOW:
        counts = popularity.count_events(ev.item_idx[mask], ev.n_items).astype(np.float64)
        trend = trending.fit_trending(
            ev.item_idx[mask], ev.ts[mask], ev.n_items, interval_seconds=TREND_INTERVAL_SECONDS
        )
        return usecases.Model(recipe, ev.item_ids, fallback=counts, popular=trend.rank_scores())
    return dataclasses.replace(usecases.fit(read, model_of, mask, tuned), recipe=recipe)


def evaluate(ev: usecases.Events, recipe: str, tuned=None) -> dict[str, float]:
    """Personalize's offline metrics of a VIDEO_ON_DEMAND use case (``usecases.evaluate``)."""
    read = as_ecommerce(ev, recipe)
    return usecases.evaluate(read, MODEL_OF[recipe], fitter=lambda e, m: fit(e, recipe, m, tuned))

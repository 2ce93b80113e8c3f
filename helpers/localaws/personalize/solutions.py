"""Amazon Personalize solutions and solution versions, locally: the custom recipes.

``personalize`` answers these operations (its ``__getattr__`` finds them here). A **solution**
is a recipe and its configuration on a dataset group (custom or domain); a **solution version**
is one trained model of it. Training is the recommenders' path (``usecases.fit`` and
``usecases.evaluate`` on ``recommenders.training_events``); each recipe maps to a model:

===============================================  ==============================================
recipe                                           model (``helpers.recsys``)
===============================================  ==============================================
aws-user-personalization(-v2)                    Recommended for you's EASE / item-kNN on event-
aws-personalized-ranking(-v2)                    and age-weighted history (``usecases.FOR_YOU``)
aws-sims                                         co-view neighbours of every event, visits split
                                                 at 30-min gaps (``usecases.ALSO_VIEWED``)
aws-popularity-count                             event counts of every item (``popularity``)
aws-trending-now                                 a recency-weighted rate of change of each
                                                 item's events per interval (``trending``)
aws-similar-items                                TF-IDF cosine of the Items dataset's categorical
                                                 and textual fields (``content``)
aws-semantic-similarity                          cosine of LSA text embeddings of the same fields
                                                 (``semantic``)
aws-next-best-action                             each user's propensity per action, from the
                                                 action interactions (``next_best_action``)
aws-item-affinity, aws-item-attribute-affinity   User-Personalization's model, users ranked by
                                                 their scores (``segmentation``)
===============================================  ==============================================

**Semantic-Similarity** on AWS embeds the items' text with a language model (the guide: "the
textual descriptions and attributes of items"); locally the embedding is latent semantic
analysis (``recsys.semantic``: TF-IDF of the words of the textual and item name fields and of the
categorical values, reduced by a truncated SVD), so items are near when their texts are about the
same things. The guide requires an Items dataset with a ``textual`` field and an ``itemName``
field (``"itemName": true``); locally a version without a textual field ends CREATE FAILED, and
the item name is used when the schema has one, not required. Like Similar-Items it is served
through GetRecommendations with ``itemId``. **Next-Best-Action** trains on the Actions and
Action interactions datasets only (``training.next_best_action``) and is served only through
GetActionRecommendations. A Semantic-Similarity campaign's (or batch job's) ``rankingInfluence``
weighs popularity and freshness into the similar items' order (``usecases.influenced``).

Similar-Items on AWS blends co-occurrence in user histories with metadata similarity; here it is
metadata only, and like AWS it answers an item it did not train on with popular items (an item
added with PutItems counts from the next version on, since training reads the streamed items).
Trending-Now's intervals are its ``trend_discovery_frequency`` (2 hours by default); its
campaigns answer GetRecommendations without ``userId`` and, as on AWS, it gives no batch
recommendations. As on AWS it needs no new version to see new interactions (``current_trend``):
its campaigns answer from the data as it is at the request (on AWS, as it was at the last of its
2-hourly refreshes).

**What a solution trains on** (``training_selection``): every interaction whatever its
``EVENT_TYPE`` (an Interactions dataset of a custom dataset group may have none), or only those of
``eventType``; of them, with ``solutionConfig.eventValueThreshold`` (which needs ``eventType``),
only those whose ``EVENT_VALUE`` is at least the threshold; a v2 recipe's ``eventsConfig`` keeps
only the event types it lists, each above its own threshold, weighed by its ``weight`` in the
user×item matrix (streamed events keep the default weights at request time). At least
``MIN_INTERACTIONS`` must remain, or the version ends CREATE FAILED; training and the metrics
both use what remains.

**Hyperparameters** (``algorithms`` lists them and checks them at
CreateSolution): ``recency_mask`` / ``apply_recency_bias`` false weighs a user's history without
a half-life; the percentile featurization parameters leave users (items) with the shortest and
longest histories out of the fit; SIMS' ``popularity_discount_factor`` is the exponent of the
co-view normalisation (0.5, the default, is the cosine) and ``min_cointeraction_count`` the
fewest visits a pair must share; ``trend_discovery_frequency`` sets Trending-Now's interval.
Names without an analogue (``hidden_dimension``, ``bptt``, …) are recorded and ignored, and a
name not given keeps the local model's setting. ``performHPO`` decides the settings of the
user-personalization and personalized-ranking models: without it they are ``tuning.Settings``'
defaults; with it ``usecases.fit`` tunes them on a validation split of the training data (the
tuner of Recommended for you), within an ``hpoConfig`` range of ``recency_mask`` if one is
given; for SIMS it searches ``popularity_discount_factor`` and ``min_cointeraction_count``
(``tune_sims``). DescribeSolutionVersion reports the choice in ``tunedHPOParams``.

The USER_SEGMENTATION recipes (``segmentation``) answer no campaign and no batch inference job,
only batch segment jobs (``batch_segment_jobs``), and offer no ``performHPO``; their metrics are
Personalize's for segments.

Lifecycles: a solution ``CREATE PENDING`` → ``ACTIVE``; a version ``CREATE PENDING`` →
``CREATE IN_PROGRESS`` (training) → ``ACTIVE`` | ``CREATE FAILED``, or ``CREATE STOPPING`` →
``CREATE STOPPED`` after StopSolutionVersionCreation; deleting a solution deletes its versions
and their model files. ``trainingMode`` UPDATE (user-personalization, after an ACTIVE version)
is not a retraining, as on AWS: it keeps the newest ACTIVE version's weights and settings, takes
in the items and events imported and streamed since (``usecases.update``; a new item has no
weights, so exploration shows it), and reports that version's metrics.
**Automatic training**: ``performAutoTraining`` defaults to true, as on AWS, where it trains (and
bills) a new version every 7 days (``rate(7 days)``, the schedule a solution gets when it names
none) until the solution is deleted; a schedule outside 1–30 days is InvalidInputException.
CreateSolution and UpdateSolution record these settings; locally no version trains by itself.
GetSolutionMetrics answers the metrics of ``usecases.evaluate``: Personalize's names, on
Personalize's evaluation split.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import itertools
import threading
import time

import numpy as np

from helpers.localaws.engine import errors, jobs
from helpers.localaws.engine.store import Store
from helpers.localaws.personalize import algorithms, recipes, recommenders, streams
from helpers.localaws.personalize import resources as p
from helpers.localaws.personalize.training import next_best_action, segmentation, usecases
from helpers.recsys import content, interactions, popularity, semantic, trending, tuning

__all__ = [
    "create_solution",
    "create_solution_version",
    "get_solution_metrics",
    "stop_solution_version_creation",
    "update_solution",
]

KIND = "solution"
VERSION = "solution-version"

SEMANTIC = "aws-semantic-similarity"
NEXT_BEST_ACTION = next_best_action.RECIPE
SEMANTIC_DIMENSIONS = semantic.DEFAULT_DIMENSIONS
"""The size of Semantic-Similarity's text embeddings."""

SERVED_AS = {
    "aws-user-personalization": usecases.FOR_YOU,
    "aws-user-personalization-v2": usecases.FOR_YOU,
    "aws-personalized-ranking": usecases.FOR_YOU,
    "aws-personalized-ranking-v2": usecases.FOR_YOU,
    "aws-sims": usecases.ALSO_VIEWED,
    "aws-similar-items": usecases.ALSO_VIEWED,
    SEMANTIC: usecases.ALSO_VIEWED,
    "aws-popularity-count": usecases.MOST_VIEWED,
    usecases.TRENDING_NOW: usecases.TRENDING_NOW,
}
"""Custom recipe → the use case whose model (and way of serving) it shares."""

RANKING_RECIPES = ("aws-personalized-ranking", "aws-personalized-ranking-v2")
"""Recipes answered by GetPersonalizedRanking (and not by GetRecommendations)."""

UPDATE_RECIPES = ("aws-user-personalization",)
"""Recipes whose solutions accept ``trainingMode`` UPDATE."""

_FIELDS = (
    "name", "solutionArn", "performHPO", "performAutoML", "performAutoTraining", "recipeArn",
    "datasetGroupArn", "eventType", "solutionConfig", "status", "creationDateTime", "lastUpdatedDateTime",
    "latestSolutionUpdate",
)  # fmt: skip
_SUMMARY_FIELDS = ("name", "solutionArn", "status", "creationDateTime", "lastUpdatedDateTime", "recipeArn")
_VERSION_FIELDS = (
    "name", "solutionVersionArn", "solutionArn", "performHPO", "performAutoML", "recipeArn", "eventType",
    "datasetGroupArn", "solutionConfig", "trainingHours", "trainingMode", "tunedHPOParams", "status",
    "failureReason", "creationDateTime", "lastUpdatedDateTime", "trainingType",
)  # fmt: skip
_VERSION_SUMMARY_FIELDS = (
    "solutionVersionArn", "status", "trainingMode", "trainingType", "creationDateTime",
    "lastUpdatedDateTime", "failureReason",
)  # fmt: skip
_TRAINING = ("CREATE PENDING", "CREATE IN_PROGRESS", "CREATE STOPPING")
_DEFAULTS = tuning.Tuning(tuning.Settings(), None, (), 0)
"""The settings of a solution trained without ``performHPO``."""


def _now() -> float:
    return time.time()


def recipe_of(doc: dict) -> str:
    """The recipe name of a solution or solution version document."""
    return doc["recipeArn"].removeprefix(usecases.RECIPE_PREFIX)


# --- models ---------------------------------------------------------------------------------
MIN_INTERACTIONS = 1_000
"""Interactions a custom recipe trains on at minimum, after ``eventType`` and ``eventValueThreshold``."""


def training_selection(ev: usecases.Events, solution: dict) -> usecases.Events:
    """The events a solution trains and is evaluated on: those of its ``eventType``, and of them
    those whose ``EVENT_VALUE`` is at least ``solutionConfig.eventValueThreshold``; with an
    ``eventsConfig`` (the v2 recipes) only the types it lists, each above its own threshold and
    weighed by its ``weight`` (1 if none; only the ratios matter to the model, weight 0 leaves
    the type out).

    Raises:
        TrainingFailed: the threshold without an ``EVENT_VALUE`` field, or fewer than
            ``MIN_INTERACTIONS`` events left.
    """
    keep = np.ones(len(ev.item_idx), dtype=bool)
    event_type = solution.get("eventType")
    threshold = (solution.get("solutionConfig") or {}).get("eventValueThreshold")
    if event_type:
        keep &= ev.event_types == event_type
    if threshold is not None:
        keep &= _at_least(ev, threshold, "solutionConfig.eventValueThreshold")
    parameters = ((solution.get("solutionConfig") or {}).get("eventsConfig") or {}).get("eventParametersList")
    if parameters:  # only the listed types count, each with its weight and its own threshold
        listed, weights = np.zeros_like(keep), np.zeros_like(ev.weights)
        for given in parameters:
            of_type = ev.event_types == given["eventType"]
            if given.get("eventValueThreshold") is not None:
                of_type &= _at_least(ev, given["eventValueThreshold"], "eventsConfig.eventValueThreshold")
            listed |= of_type
            weights[of_type] = given.get("weight", 1.0)
        keep &= listed & (weights > 0)
        ev = dataclasses.replace(ev, weights=weights)
    if int(keep.sum()) < MIN_INTERACTIONS:
        raise usecases.TrainingFailed(
            f"{recipe_of(solution)} needs at least {MIN_INTERACTIONS} interactions after filtering by "
            f"eventType ({event_type}) and eventValueThreshold ({threshold}); {int(keep.sum())} remain."
        )
    return ev if keep.all() else usecases.select(ev, keep)


def _at_least(ev: usecases.Events, threshold, what: str) -> np.ndarray:
    """Mask of the events whose ``EVENT_VALUE`` is at least ``threshold`` (a missing one is not).

    Raises:
        TrainingFailed: the Interactions dataset has no ``EVENT_VALUE`` field.
    """
    if ev.values is None:
        raise usecases.TrainingFailed(f"{what} needs an EVENT_VALUE field in the Interactions schema.")
    with np.errstate(invalid="ignore"):
        return ev.values >= float(threshold)


def _featurization(ev: usecases.Events, mask: np.ndarray, values: dict) -> np.ndarray:
    """``mask`` without the users and items the given percentile parameters leave out."""
    for key, of in (("user_history_length", ev.user_idx), ("item_interaction_count", ev.item_idx)):
        low, high = values.get(f"min_{key}_percentile"), values.get(f"max_{key}_percentile")
        if low is None and high is None:
            continue
        inside = interactions.count_percentile_mask(of[mask], low or 0.0, 1.0 if high is None else high)
        mask = mask.copy()
        mask[np.flatnonzero(mask)[~inside]] = False
    return mask


def _settings(recency: tuple[bool, ...] | None) -> tuple[tuning.Tuning, tuple]:
    """The settings without ``performHPO`` and the half-lives HPO may choose, for a recency switch."""
    if recency == (False,):
        return tuning.Tuning(tuning.Settings(half_life_days=None), None, (), 0), (None,)
    if recency == (True,):
        return _DEFAULTS, tuple(h for h in tuning.HALF_LIFE_GRID if h is not None)
    return _DEFAULTS, tuning.HALF_LIFE_GRID


def fit_recipe(
    ev: usecases.Events,
    recipe: str,
    mask: np.ndarray | None = None,
    tuned: tuning.Tuning | None = None,
    config: algorithms.Honoured | None = None,
) -> usecases.Model:
    """Fit a custom recipe's model (see the module doc) on the events ``mask`` selects.

    Args:
        ev: the training data (``training_selection``'s).
        recipe: a key of ``SERVED_AS``.
        mask: the events to fit on; all by default.
        tuned: the personalisation model's settings; tuned on the data if None (``performHPO``).
        config: the solution's honoured hyperparameters (``algorithms.honoured``); none by default.

    Raises:
        TrainingFailed: similar-items without item metadata, or no events selected.
    """
    config = config or algorithms.Honoured({}, None)
    mask = np.ones(len(ev.item_idx), dtype=bool) if mask is None else mask
    mask = _featurization(ev, mask, config.values)
    every = dataclasses.replace(ev, view=np.ones(len(ev.item_idx), dtype=bool))  # untyped: all count
    served = SERVED_AS[recipe]
    counts = popularity.count_events(ev.item_idx[mask], ev.n_items).astype(np.float64)
    if recipe == "aws-popularity-count":
        return usecases.Model(recipe, ev.item_ids, fallback=counts, popular=counts)
    if recipe == usecases.TRENDING_NOW:
        frequency = config.values.get("trend_discovery_frequency", algorithms.TREND_DEFAULT)
        trend = trending.fit_trending(
            ev.item_idx[mask], ev.ts[mask], ev.n_items, interval_seconds=algorithms.TREND_INTERVALS[frequency]
        )
        return usecases.Model(recipe, ev.item_ids, fallback=counts, popular=trend.rank_scores())
    if recipe == "aws-similar-items":
        if not ev.tokens or not any(ev.tokens):
            raise usecases.TrainingFailed(
                f"{recipe} needs an Items dataset with categorical or textual fields; found none."
            )
        sims = content.content_similarity(content.fit_content(ev.tokens), usecases.NEIGHBORS)
        return usecases.Model(recipe, ev.item_ids, fallback=counts, similar=sims)
    if recipe == SEMANTIC:
        if not ev.tokens or not any(ev.tokens):
            raise usecases.TrainingFailed(
                f"{recipe} needs an Items dataset with a textual field; found none."
            )
        embedded = semantic.fit_semantic(
            ev.tokens, SEMANTIC_DIMENSIONS, rng=np.random.default_rng(usecases.SEED)
        )
        sims = semantic.semantic_similarity(embedded, usecases.NEIGHBORS)
        catalogue = usecases.item_catalogue(ev, mask)  # popularity and freshness: rankingInfluence
        return usecases.Model(recipe, ev.item_ids, fallback=counts, similar=sims, catalogue=catalogue)
    if recipe == "aws-sims":
        options = {}
        if "min_cointeraction_count" in config.values:
            options["min_count"] = max(1, int(config.values["min_cointeraction_count"]))
        if "popularity_discount_factor" in config.values:
            options["popularity_discount"] = float(config.values["popularity_discount_factor"])
        return usecases.fit_co_view(every, mask, recipe, **options)
    defaults, half_lives = _settings(config.recency)
    if tuned is None:
        tuned = usecases.tune(every, mask, half_lives)
    elif tuned is _DEFAULTS:
        tuned = defaults
    return dataclasses.replace(usecases.fit(every, served, mask, tuned), recipe=recipe)


SIMS_TUNED = ("popularity_discount_factor", "min_cointeraction_count")
"""The SIMS hyperparameters ``performHPO`` tunes."""


def tune_sims(ev: usecases.Events, solution_config: dict | None) -> dict[str, float]:
    """SIMS' hyperparameters for ``performHPO``: the pair with the best NDCG@10 on a validation
    split of the training data (``usecases.validation_ndcg``), over ``algorithms.hpo_values`` of
    each (three values of its ``hpoConfig`` range, else of its whole range; a given value is
    kept), at most ``maxNumberOfTrainingJobs`` pairs in that order. Ties keep the earlier pair:
    the smaller discount, then the smaller count.

    Returns:
        ``SIMS_TUNED`` name → chosen value.
    """
    grids = [algorithms.hpo_values("aws-sims", solution_config, name) for name in SIMS_TUNED]
    candidates = [dict(zip(SIMS_TUNED, pair, strict=True)) for pair in itertools.product(*grids)]

    def score(values: dict[str, float]) -> float:
        config = algorithms.Honoured(values, None)
        return usecases.validation_ndcg(ev, lambda e, m: fit_recipe(e, "aws-sims", m, config=config))

    # the trials are independent: two at a time, as training jobs run side by side
    with concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="sims hpo") as pool:
        scores = list(pool.map(score, candidates[: algorithms.max_jobs(solution_config)]))
    return candidates[scores.index(max(scores))]  # the first of the best


_trends: dict[tuple[str, str], usecases.Model] = {}
_trends_lock = threading.Lock()


def current_trend(store: Store, version: dict) -> usecases.Model:
    """A Trending-Now version's model on its dataset group's data as it is now.

    Trending-Now needs no new version to see new interactions: its trends are fitted again (with
    the version's configuration) on what was imported and streamed since it trained, once per
    change of the data (``recommenders.data_version``), cached per process. If the data no
    longer trains (``TrainingFailed``), the version's own model answers.

    Args:
        store: the state.
        version: an ACTIVE Trending-Now solution version's document.
    """
    group = version["datasetGroupArn"]
    data = recommenders.data_version(store, group)
    trained = lambda: usecases.load(store.absolute(version["modelFile"]))  # noqa: E731
    if data == version.get("dataVersion"):
        return trained()
    key = (version["solutionVersionArn"], data)
    with _trends_lock:
        if key in _trends:
            return _trends[key]
    try:
        events = training_selection(recommenders.training_events(store, group)[0], version)
    except usecases.TrainingFailed:
        return trained()
    config = algorithms.honoured(usecases.TRENDING_NOW, version.get("solutionConfig"))
    model = fit_recipe(events, usecases.TRENDING_NOW, config=config)
    with _trends_lock:
        _trends.clear()  # one data version at a time: the older ones are stale
        _trends[key] = model
    return model


def _hyperparameters(tuned: tuning.Tuning) -> dict[str, str]:
    """The tuned settings as Personalize reports hyperparameters: names to strings."""
    settings = dataclasses.asdict(tuned.settings)
    if tuned.l2 is not None:
        settings["lambda"] = tuned.l2
    return {name: str(value) for name, value in sorted(settings.items())}


def _version_id(solution_arn: str, n: int) -> str:
    """The id of a solution's ``n``-th version: the same script names the same versions."""
    return hashlib.sha1(f"{solution_arn}#{n}".encode()).hexdigest()[:8]


def _train(store: Store, arn: str) -> None:
    doc = store.get(VERSION, arn)
    if doc is None or doc["status"] not in ("CREATE PENDING", "CREATE IN_PROGRESS"):
        return  # stopped, deleted, or done by an earlier run
    p.set_status(store, VERSION, arn, "CREATE IN_PROGRESS")
    recipe = recipe_of(doc)
    version = recommenders.data_version(store, doc["datasetGroupArn"])
    sims_tuned, through = None, 0
    if recipe == NEXT_BEST_ACTION:  # actions, not items: its own datasets
        model, metrics = next_best_action.train(store, doc["datasetGroupArn"], doc.get("solutionConfig"))
        _save(store, arn, model, metrics, through, version, sims_tuned)
        return
    if recipe == SEMANTIC:
        _check_text(store, doc["datasetGroupArn"])
    events, through = recommenders.training_events(store, doc["datasetGroupArn"])
    events = training_selection(events, doc)
    if doc.get("trainingMode") == "UPDATE":
        model, metrics = _updated(store, doc, events)
    elif recipe in segmentation.RECIPES:
        personal = lambda ev, mask: fit_recipe(ev, segmentation.MODEL_RECIPE, mask, _DEFAULTS)  # noqa: E731
        model, metrics = segmentation.train(store, doc["datasetGroupArn"], events, recipe, personal)
        model = dataclasses.replace(model, recipe=recipe)
    else:
        config = algorithms.honoured(recipe, doc.get("solutionConfig"))
        if doc.get("performHPO") and recipe == "aws-sims":
            sims_tuned = tune_sims(events, doc.get("solutionConfig"))
            config = dataclasses.replace(config, values={**config.values, **sims_tuned})
        entry = _shared(events, recipe, bool(doc.get("performHPO")), config)
        with entry.lock:  # solutions that train alike at once: the first trains, the others wait
            model = entry.model
            if model is None:
                model = fit_recipe(
                    events, recipe, tuned=None if doc.get("performHPO") else _DEFAULTS, config=config
                )
            metrics = entry.metrics
            if metrics is None:
                refit = lambda ev, mask: fit_recipe(ev, recipe, mask, model.tuning, config)  # noqa: E731
                metrics = usecases.evaluate(events, SERVED_AS[recipe], fitter=refit)
            if entry.shared:
                entry.model, entry.metrics = model, metrics
        model = dataclasses.replace(model, recipe=recipe)
    _save(store, arn, model, metrics, through, version, sims_tuned)


_SHARED_RECIPES = tuple(recipe for recipe, served in SERVED_AS.items() if served == usecases.FOR_YOU)
"""Recipes that fit the same model (``fit_recipe``'s last branch) and metrics given the same settings."""


@dataclasses.dataclass
class _Trained:
    """A model (and its metrics) that several solutions train alike; ``shared`` if it is cached."""

    shared: bool
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    model: usecases.Model | None = None
    metrics: dict | None = None


_trained: dict[tuple, _Trained] = {}
_trained_events: list[usecases.Events] = []  # the training selection the cache is for
_trained_lock = threading.Lock()


def _shared(events: usecases.Events, recipe: str, hpo: bool, config: algorithms.Honoured) -> _Trained:
    """The cache entry of a training: train once what several solutions of the same data train alike.

    User-Personalization(-v2) and Personalized-Ranking(-v2) fit the same model and metrics on the
    same events with the same settings (only the recipe name differs). The cache (per process)
    holds the trainings of one training selection at a time: the ``Events`` object
    ``training_events`` caches per change of the data (``training_selection`` passes it on when it
    keeps every event).

    Returns:
        The entry to fill under its lock; a fresh, unshared one for the other recipes.
    """
    if recipe not in _SHARED_RECIPES:
        return _Trained(shared=False)
    key = (hpo, tuple(sorted(config.values.items())), config.recency)
    with _trained_lock:
        if not _trained_events or _trained_events[0] is not events:
            _trained.clear()  # one training selection at a time: the others are stale
            _trained_events[:] = [events]
        return _trained.setdefault(key, _Trained(shared=True))


def _check_text(store: Store, group_arn: str) -> None:
    """TrainingFailed unless the dataset group's Items schema has a textual field."""
    fields = streams.item_fields(store, group_arn)
    if fields is None or not fields.textual:
        raise usecases.TrainingFailed(
            f'{SEMANTIC} needs an Items dataset whose schema has a textual field ("textual": true); '
            f"dataset group {group_arn} has {'no Items dataset' if fields is None else 'none'}."
        )


def _save(
    store: Store,
    arn: str,
    model: usecases.Model,
    metrics: dict,
    through: int,
    version: str,
    sims_tuned: dict | None,
) -> None:
    """Write a trained version's model file and make the version ACTIVE (unless it was stopped)."""
    path = store.models_dir / VERSION / f"{arn.rsplit('/', 2)[-2]}-{arn.rsplit('/', 1)[-1]}.npz"
    store.write_file(path, usecases.to_bytes(model))
    model_file = store.relative(path)
    with store.transaction():
        current = store.get(VERSION, arn)
        if current is None or current["status"] != "CREATE IN_PROGRESS":
            store.after_commit(lambda: store.remove_file(model_file))
            return
        hours = round((_now() - current["creationDateTime"]) / 3600, 4)
        changes = {"status": "ACTIVE", "lastUpdatedDateTime": _now(), "trainingHours": hours}
        changes.update(modelFile=model_file, metrics=metrics, streamedThrough=through, dataVersion=version)
        if current.get("performHPO") and model.tuning is not None:
            changes["tunedHPOParams"] = {"algorithmHyperParameters": _hyperparameters(model.tuning)}
        if sims_tuned is not None:
            chosen = {name: f"{value:g}" for name, value in sorted(sims_tuned.items())}
            changes["tunedHPOParams"] = {"algorithmHyperParameters": chosen}
        store.update(VERSION, arn, changes)


def _updated(store: Store, doc: dict, events: usecases.Events) -> tuple[usecases.Model, dict]:
    """An UPDATE version: the newest ACTIVE version's model brought to the data as it is now
    (``usecases.update``: new items and events, no refit), and that version's metrics."""
    parent = next(
        v
        for _, v in sorted(
            store.items(VERSION, parent=doc["solutionArn"]), key=lambda kv: -kv[1]["creationDateTime"]
        )
        if v["status"] == "ACTIVE"
    )
    model = usecases.update(usecases.load(store.absolute(parent["modelFile"])), events)
    return model, parent.get("metrics", {})


def _stop(store: Store, key: str) -> None:
    arn = key.partition("|")[2]
    doc = store.get(VERSION, arn)
    if doc is not None and doc["status"] == "CREATE STOPPING":
        p.set_status(store, VERSION, arn, "CREATE STOPPED")


def _set_update(store: Store, arn: str, status: str, reason: str | None = None) -> dict | None:
    """Move a solution's ``latestSolutionUpdate`` to ``status``; return the solution's document."""
    with store.transaction():
        doc = store.get(KIND, arn)
        if doc is None or not doc.get("latestSolutionUpdate"):
            return None
        update = {**doc["latestSolutionUpdate"], "status": status, "lastUpdatedDateTime": _now()}
        if reason is not None:
            update["failureReason"] = reason
        changes: dict = {"latestSolutionUpdate": update}
        if status == "ACTIVE":  # the update's settings become the solution's
            config = {**(doc.get("solutionConfig") or {}), **update.get("solutionUpdateConfig", {})}
            changes.update(performAutoTraining=update["performAutoTraining"], solutionConfig=config)
        return store.update(KIND, arn, changes)


def _update_fail(store: Store, key: str, reason: str) -> None:
    _set_update(store, key.partition("|")[2], "CREATE FAILED", reason)


def _update_work(store: Store, key: str) -> None:
    arn = key.partition("|")[2]
    update = ((store.get(KIND, arn) or {}).get("latestSolutionUpdate")) or {}
    if update.get("status") in ("CREATE PENDING", "CREATE IN_PROGRESS"):
        _set_update(store, arn, "CREATE IN_PROGRESS")
        _set_update(store, arn, "ACTIVE")


def _latest_version(store: Store, arn: str) -> dict | None:
    found = p.summaries(store, VERSION, _VERSION_SUMMARY_FIELDS, arn)
    return found[0] if found else None


def _shown(store: Store, doc: dict, answer: dict) -> None:
    """A solution's Describe shows a summary of its newest version."""
    latest = _latest_version(store, doc["solutionArn"])
    if latest is not None:
        answer["latestSolutionVersion"] = latest


def _deletable(store: Store, arn: str, doc: dict) -> None:
    """ResourceInUseException while a campaign uses it or a version trains."""
    if doc["status"] in ("CREATE PENDING", "DELETE PENDING"):
        raise errors.ResourceInUseException(f"Solution {arn} is {doc['status']}.")
    if store.count("campaign", parent=arn):
        raise errors.ResourceInUseException(f"Solution {arn} still has campaigns; delete them first.")
    for version_arn, version in store.items(VERSION, parent=arn):
        if version["status"] in _TRAINING:
            raise errors.ResourceInUseException(f"Solution version {version_arn} is {version['status']}.")


p.declare(
    p.Kind(
        name=KIND,
        member="solution",
        arn_member="solutionArn",
        fields=_FIELDS,
        list_key="solutions",
        summary_fields=_SUMMARY_FIELDS,
        parent="dataset-group",
        parent_member="datasetGroupArn",
        deletable=_deletable,
        children=(VERSION,),
        shown=_shown,
    )
)  # fmt: skip
p.declare(
    p.Kind(
        name=VERSION,
        member="solutionVersion",
        arn_member="solutionVersionArn",
        fields=_VERSION_FIELDS,
        list_key="solutionVersions",
        summary_fields=_VERSION_SUMMARY_FIELDS,
        parent=KIND,
        parent_member="solutionArn",
        parent_must_exist=True,
        work=_train,
        parent_waits=False,
    )
)  # fmt: skip
jobs.register("solution-update", _update_work, _update_fail)
jobs.register("solution-version-stop", _stop, p.settle(VERSION, "CREATE STOPPED"))


# --- solutions ------------------------------------------------------------------------------
def _check_recipe(recipe_arn: str) -> str:
    name = recipe_arn.removeprefix(usecases.RECIPE_PREFIX)
    if not recipe_arn.startswith(usecases.RECIPE_PREFIX) or name not in recipes.CUSTOM_RECIPES:
        if name in usecases.USE_CASES or name in usecases.VIDEO_ON_DEMAND:
            raise errors.InvalidInputException(
                f"Recipe {recipe_arn} is a use case: create a recommender with it, not a solution."
            )
        raise errors.ResourceNotFoundException(f"Could not find recipe: {recipe_arn}")
    return name


AUTO_TRAINING_SCHEDULE = "rate(7 days)"
"""The schedule of automatic training when a solution names none (AWS's default)."""


def _with_schedule(params: dict) -> dict | None:
    """The solution's ``solutionConfig``, with AWS's default schedule when it trains automatically."""
    config = params.get("solutionConfig")
    if not params.get("performAutoTraining", True) or (config or {}).get("autoTrainingConfig"):
        return config
    return {**(config or {}), "autoTrainingConfig": {"schedulingExpression": AUTO_TRAINING_SCHEDULE}}


def create_solution(store: Store, params: dict) -> dict:
    """Create a solution: a custom recipe and its configuration on an ACTIVE dataset group.

    The configuration is checked (``algorithms.check_solution_config``): names the recipe does
    not have, values out of range and an ``eventValueThreshold`` without ``eventType`` are
    InvalidInputException. ``performAutoTraining`` defaults to true with a ``rate(7 days)``
    schedule, as on AWS.
    """
    recipe = _check_recipe(params["recipeArn"])
    algorithms.check_solution_config(recipe, params)
    if params.get("performAutoML"):
        raise errors.InvalidInputException("performAutoML is not supported by the local backend.")
    if params.get("performHPO") and recipe in segmentation.RECIPES:
        raise errors.InvalidInputException(
            f"performHPO: the {recipe} recipe offers no hyperparameter optimization."
        )
    group_arn = params["datasetGroupArn"]
    group = p.get(store, group_arn, "dataset-group")
    if group["status"] != "ACTIVE":
        raise errors.ResourceInUseException(f"Dataset group {group_arn} is {group['status']}, not ACTIVE.")
    arn = p.arn(KIND, params["name"])
    now = _now()
    doc = {
        "name": params["name"],
        "solutionArn": arn,
        "performHPO": bool(params.get("performHPO", False)),
        "performAutoML": False,
        "performAutoTraining": bool(params.get("performAutoTraining", True)),
        "recipeArn": params["recipeArn"],
        "datasetGroupArn": group_arn,
        "eventType": params.get("eventType"),
        "solutionConfig": _with_schedule(params),
        "status": "CREATE PENDING",
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
        "tags": p.check_tags(params),
        "versions": 0,
    }
    if not store.insert(KIND, arn, doc, parent=group_arn):
        raise errors.ResourceAlreadyExistsException(f"Solution {params['name']} already exists: {arn}")
    jobs.start(store, arn, KIND)
    return {"solutionArn": arn}


def update_solution(store: Store, params: dict) -> dict:
    """Change an ACTIVE solution's automatic training (``performAutoTraining``, its schedule) or,
    for a v2 recipe, its ``eventsConfig`` (the next version trains with it).

    The update goes ``CREATE PENDING`` → ``CREATE IN_PROGRESS`` → ``ACTIVE`` in
    ``latestSolutionUpdate``; then the solution shows the new settings. The local backend records
    the schedule; it trains no version by itself.
    """
    arn = params["solutionArn"]
    doc = p.get(store, arn, KIND)
    update = (doc.get("latestSolutionUpdate") or {}).get("status", "")
    busy = update in ("CREATE PENDING", "CREATE IN_PROGRESS")
    if doc["status"] != "ACTIVE" or busy:
        state = doc["status"] + (f" with an update {update}" if busy else "")
        raise errors.ResourceInUseException(f"Solution {arn} is {state}; it must be ACTIVE and not updating.")
    config = params.get("solutionUpdateConfig") or {}
    algorithms.check_events_config(recipe_of(doc), config.get("eventsConfig"), "solutionUpdateConfig")
    algorithms.check_schedule(config, "solutionUpdateConfig")
    now = _now()
    summary = {
        "solutionUpdateConfig": config,
        "status": "CREATE PENDING",
        "performAutoTraining": bool(params.get("performAutoTraining", doc.get("performAutoTraining", True))),
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
    }
    store.update(KIND, arn, {"latestSolutionUpdate": summary})
    jobs.start(store, f"solution-update|{arn}", "solution-update")
    return {"solutionArn": arn}


# --- solution versions ----------------------------------------------------------------------
def create_solution_version(store: Store, params: dict) -> dict:
    """Train a new version of an ACTIVE solution on the dataset group's data as it is now.

    ``trainingMode`` FULL trains on everything; UPDATE (user-personalization only, after an
    ACTIVE version) takes in new items and events without refitting (``_updated``).
    """
    solution_arn = params["solutionArn"]
    solution = p.get(store, solution_arn, KIND)
    if solution["status"] != "ACTIVE":
        raise errors.ResourceInUseException(f"Solution {solution_arn} is {solution['status']}, not ACTIVE.")
    versions = [v for _, v in store.items(VERSION, parent=solution_arn)]
    busy = [v["solutionVersionArn"] for v in versions if v["status"] in _TRAINING]
    if busy:
        raise errors.ResourceInUseException(
            f"Solution version {busy[0]} of {solution_arn} is still training."
        )
    mode = params.get("trainingMode") or "FULL"
    recipe = recipe_of(solution)
    if mode == "UPDATE":
        if recipe not in UPDATE_RECIPES:
            raise errors.InvalidInputException(
                f"trainingMode UPDATE needs a solution of {', '.join(UPDATE_RECIPES)}, not {recipe}."
            )
        if not any(v["status"] == "ACTIVE" for v in versions):
            raise errors.InvalidInputException(
                f"trainingMode UPDATE needs an ACTIVE solution version of {solution_arn}; "
                "train a FULL one first."
            )
    elif mode != "FULL":
        raise errors.InvalidInputException(f"trainingMode must be FULL or UPDATE, not {mode}.")
    group_arn = solution["datasetGroupArn"]
    group = p.get(store, group_arn, "dataset-group")
    if recipe == NEXT_BEST_ACTION:
        for dataset_type in ("Actions", "Action_Interactions"):
            recommenders.check_data(store, group_arn, group, dataset_type)
    else:
        recommenders.check_data(store, group_arn, group)
    n = solution.get("versions", 0) + 1
    arn = f"{solution_arn}/{_version_id(solution_arn, n)}"
    if params.get("name") and any(v.get("name") == params["name"] for v in versions):
        raise errors.ResourceAlreadyExistsException(
            f"Solution {solution_arn} already has a version named {params['name']}."
        )
    now = _now()
    doc = {
        **({"name": params["name"]} if params.get("name") else {}),  # no name member unless given
        "solutionVersionArn": arn,
        "solutionArn": solution_arn,
        **{f: solution.get(f) for f in ("performHPO", "performAutoML", "recipeArn", "eventType")},
        "datasetGroupArn": group_arn,
        "solutionConfig": solution.get("solutionConfig"),
        "trainingMode": mode,
        "trainingType": "MANUAL",
        "status": "CREATE PENDING",
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
        "tags": p.check_tags(params),
    }
    store.insert(VERSION, arn, doc, parent=solution_arn)
    store.update(KIND, solution_arn, {"versions": n})
    jobs.start(store, arn, VERSION)
    return {"solutionVersionArn": arn}


def stop_solution_version_creation(store: Store, params: dict) -> dict:
    """Stop a version's training: ``CREATE STOPPING`` → ``CREATE STOPPED``, no model kept."""
    arn = params["solutionVersionArn"]
    doc = p.get(store, arn, VERSION)
    if doc["status"] not in ("CREATE PENDING", "CREATE IN_PROGRESS"):
        raise errors.ResourceInUseException(
            f"Solution version {arn} is {doc['status']}; only a training version can be stopped."
        )
    p.set_status(store, VERSION, arn, "CREATE STOPPING")
    jobs.start(store, f"solution-version-stop|{arn}", "solution-version-stop")
    return {}


def active_version(store: Store, arn: str) -> dict:
    """An ACTIVE solution version's document.

    Raises:
        ResourceNotFoundException: there is no such version.
        ResourceInUseException: it is not ACTIVE.
    """
    doc = p.get(store, arn, VERSION)
    if doc["status"] != "ACTIVE":
        raise errors.ResourceInUseException(f"Solution version {arn} is {doc['status']}, not ACTIVE.")
    return doc


def get_solution_metrics(store: Store, params: dict) -> dict:
    """The offline metrics of an ACTIVE solution version (Personalize's names, at 5/10/25)."""
    arn = params["solutionVersionArn"]
    return {"solutionVersionArn": arn, "metrics": active_version(store, arn).get("metrics", {})}

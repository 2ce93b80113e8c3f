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
aws-similar-items                                TF-IDF cosine of the Items dataset's categorical
                                                 and textual fields (``content``)
aws-item-affinity, aws-item-attribute-affinity   User-Personalization's model, users ranked by
                                                 their scores (``segmentation``)
===============================================  ==============================================

Similar-Items on AWS blends co-occurrence in user histories with metadata similarity; here it is
metadata only, and like AWS it answers an item it did not train on with popular items (an item
added with PutItems counts from the next version on, since training reads the streamed items).
Custom recipes train on every interaction whatever its ``EVENT_TYPE`` (an Interactions dataset
of a custom dataset group may have none). Each recipe is served like the use case of the same
model (``SERVED_AS``): the runtime reads that table. ``performHPO`` decides the settings of the
user-personalization and personalized-ranking models: without it they are ``tuning.Settings``'
defaults; with it ``usecases.fit`` tunes them on a validation split of the training data (the
tuner of Recommended for you) and DescribeSolutionVersion reports the choice in
``tunedHPOParams``. ``solutionConfig`` is recorded as given.

The USER_SEGMENTATION recipes (``segmentation``) answer no campaign and no batch inference job,
only batch segment jobs (``batch_segment_jobs``), and offer no ``performHPO``; their metrics are
Personalize's for segments.

Lifecycles: a solution ``CREATE PENDING`` → ``ACTIVE``; a version ``CREATE PENDING`` →
``CREATE IN_PROGRESS`` (training) → ``ACTIVE`` | ``CREATE FAILED``, or ``CREATE STOPPING`` →
``CREATE STOPPED`` after StopSolutionVersionCreation; deleting a solution deletes its versions
and their model files. ``trainingMode`` UPDATE (user-personalization, after an ACTIVE version)
fits on everything imported and streamed by then, as FULL does: locally a fit takes seconds.
UpdateSolution records the automatic-training settings; no version trains by itself.
GetSolutionMetrics answers the metrics of ``usecases.evaluate``: Personalize's names, on
Personalize's evaluation split.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time

import numpy as np

from helpers.localaws import errors, jobs, recommenders, segmentation, usecases
from helpers.localaws import personalize as p
from helpers.localaws.store import Store
from helpers.recsys import content, popularity, tuning

__all__ = [
    "create_solution",
    "create_solution_version",
    "delete_solution",
    "describe_solution",
    "describe_solution_version",
    "get_solution_metrics",
    "list_solution_versions",
    "list_solutions",
    "stop_solution_version_creation",
    "update_solution",
]

KIND = "solution"
VERSION = "solution-version"

SERVED_AS = {
    "aws-user-personalization": usecases.FOR_YOU,
    "aws-user-personalization-v2": usecases.FOR_YOU,
    "aws-personalized-ranking": usecases.FOR_YOU,
    "aws-personalized-ranking-v2": usecases.FOR_YOU,
    "aws-sims": usecases.ALSO_VIEWED,
    "aws-similar-items": usecases.ALSO_VIEWED,
    "aws-popularity-count": usecases.MOST_VIEWED,
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
def fit_recipe(
    ev: usecases.Events, recipe: str, mask: np.ndarray | None = None, tuned: tuning.Tuning | None = None
) -> usecases.Model:
    """Fit a custom recipe's model (see the module doc) on the events ``mask`` selects.

    Args:
        ev: the training data.
        recipe: a key of ``SERVED_AS``.
        mask: the events to fit on; all by default.
        tuned: the personalisation model's settings; tuned on the data if None (``performHPO``).

    Raises:
        TrainingFailed: similar-items without item metadata, or no events selected.
    """
    mask = np.ones(len(ev.item_idx), dtype=bool) if mask is None else mask
    every = dataclasses.replace(ev, view=np.ones(len(ev.item_idx), dtype=bool))  # untyped: all count
    served = SERVED_AS[recipe]
    if recipe == "aws-popularity-count":
        counts = popularity.count_events(ev.item_idx[mask], ev.n_items).astype(np.float64)
        return usecases.Model(recipe, ev.item_ids, fallback=counts, popular=counts)
    if recipe == "aws-similar-items":
        if not ev.tokens or not any(ev.tokens):
            raise usecases.TrainingFailed(
                f"{recipe} needs an Items dataset with categorical or textual fields; found none."
            )
        sims = content.content_similarity(content.fit_content(ev.tokens), usecases.NEIGHBORS)
        counts = popularity.count_events(ev.item_idx[mask], ev.n_items).astype(np.float64)
        return usecases.Model(recipe, ev.item_ids, fallback=counts, similar=sims)
    return dataclasses.replace(usecases.fit(every, served, mask, tuned), recipe=recipe)


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
    events, through = recommenders.training_events(store, doc["datasetGroupArn"])
    if recipe in segmentation.RECIPES:
        personal = lambda ev, mask: fit_recipe(ev, segmentation.MODEL_RECIPE, mask, _DEFAULTS)  # noqa: E731
        model, metrics = segmentation.train(store, doc["datasetGroupArn"], events, recipe, personal)
        model = dataclasses.replace(model, recipe=recipe)
    else:
        model = fit_recipe(events, recipe, tuned=None if doc.get("performHPO") else _DEFAULTS)
        metrics = usecases.evaluate(
            events, SERVED_AS[recipe], fitter=lambda ev, mask: fit_recipe(ev, recipe, mask, model.tuning)
        )
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
        store.update(VERSION, arn, changes)


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


jobs.register(
    KIND, p.transition(KIND, "CREATE", "ACTIVE"), p.settle(KIND, "CREATE FAILED"), parent_waits=True
)
jobs.register("solution-update", _update_work, _update_fail)
jobs.register(VERSION, _train, p.settle(VERSION, "CREATE FAILED"))
jobs.register("solution-version-stop", _stop, p.settle(VERSION, "CREATE STOPPED"))


# --- solutions ------------------------------------------------------------------------------
def _check_recipe(recipe_arn: str) -> str:
    name = recipe_arn.removeprefix(usecases.RECIPE_PREFIX)
    if not recipe_arn.startswith(usecases.RECIPE_PREFIX) or name not in p.CUSTOM_RECIPES:
        if name in usecases.USE_CASES:
            raise errors.InvalidInputException(
                f"Recipe {recipe_arn} is a use case: create a recommender with it, not a solution."
            )
        raise errors.ResourceNotFoundException(f"Could not find recipe: {recipe_arn}")
    if name not in SERVED_AS and name not in segmentation.RECIPES:
        allowed = ", ".join(sorted(SERVED_AS))
        raise errors.InvalidInputException(
            f"Recipe {name} is not emulated by the local backend yet; it trains {allowed}."
        )
    return name


def create_solution(store: Store, params: dict) -> dict:
    """Create a solution: a custom recipe and its configuration on an ACTIVE dataset group."""
    recipe = _check_recipe(params["recipeArn"])
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
        "performAutoTraining": bool(params.get("performAutoTraining", False)),
        "recipeArn": params["recipeArn"],
        "datasetGroupArn": group_arn,
        "eventType": params.get("eventType"),
        "solutionConfig": params.get("solutionConfig"),
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


def _latest_version(store: Store, arn: str) -> dict | None:
    found = p.summaries(store, VERSION, _VERSION_SUMMARY_FIELDS, arn)
    return found[0] if found else None


def describe_solution(store: Store, params: dict) -> dict:
    """Describe a solution, with a summary of its newest version and its latest update."""
    arn = params["solutionArn"]
    answer = p.public_fields(p.get(store, arn, KIND), _FIELDS)
    latest = _latest_version(store, arn)
    if latest is not None:
        answer["latestSolutionVersion"] = latest
    return {"solution": answer}


def list_solutions(store: Store, params: dict) -> dict:
    """List solutions (of a dataset group), newest first."""
    found = p.summaries(store, KIND, _SUMMARY_FIELDS, params.get("datasetGroupArn"))
    return p.paginate(found, params, "solutions")


def delete_solution(store: Store, params: dict) -> dict:
    """Delete a solution and its versions; ResourceInUseException while a campaign uses it or a
    version trains."""
    arn = params["solutionArn"]
    doc = p.get(store, arn, KIND)
    if doc["status"] in ("CREATE PENDING", "DELETE PENDING"):
        raise errors.ResourceInUseException(f"Solution {arn} is {doc['status']}.")
    if store.count("campaign", parent=arn):
        raise errors.ResourceInUseException(f"Solution {arn} still has campaigns; delete them first.")
    for version_arn, version in store.items(VERSION, parent=arn):
        if version["status"] in _TRAINING:
            raise errors.ResourceInUseException(f"Solution version {version_arn} is {version['status']}.")
    p.start_delete(store, KIND, arn)
    return {}


def update_solution(store: Store, params: dict) -> dict:
    """Change an ACTIVE solution's automatic training (``performAutoTraining``, its schedule).

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
    if config.get("eventsConfig"):
        raise errors.InvalidInputException("eventsConfig is not supported by the local backend yet.")
    now = _now()
    summary = {
        "solutionUpdateConfig": config,
        "status": "CREATE PENDING",
        "performAutoTraining": bool(params.get("performAutoTraining", doc.get("performAutoTraining", False))),
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
    ACTIVE version) takes in new items and streamed events — locally by the same fit.
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
    recommenders.check_data(store, group_arn, p.get(store, group_arn, "dataset-group"))
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


def describe_solution_version(store: Store, params: dict) -> dict:
    """Describe a solution version; a training whose process died is resumed here."""
    arn = params["solutionVersionArn"]
    return {"solutionVersion": p.public_fields(p.get(store, arn, VERSION), _VERSION_FIELDS)}


def list_solution_versions(store: Store, params: dict) -> dict:
    """List solution versions (of a solution), newest first."""
    solution_arn = params.get("solutionArn")
    if solution_arn:
        p.get(store, solution_arn, KIND)
    found = p.summaries(store, VERSION, _VERSION_SUMMARY_FIELDS, solution_arn)
    return p.paginate(found, params, "solutionVersions")


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

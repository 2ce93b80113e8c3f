"""Amazon Personalize recommenders, locally: the use cases of a domain dataset group (the five of
ECOMMERCE, ``training.usecases``; the five of VIDEO_ON_DEMAND, ``training.video_on_demand``).

``personalize`` answers these operations (its ``__getattr__`` finds them here). Lifecycles, as
the CreateRecommender documentation gives them:

- create: ``CREATE PENDING`` → ``CREATE IN_PROGRESS`` (training) → ``ACTIVE`` | ``CREATE FAILED``;
- stop/start: ``STOP PENDING`` → ``STOP IN_PROGRESS`` → ``INACTIVE`` → ``START PENDING`` →
  ``START IN_PROGRESS`` → ``ACTIVE`` (start trains nothing);
- update: the recommender stays ``ACTIVE`` and serves its previous configuration while its
  ``latestRecommenderUpdate`` goes ``CREATE PENDING`` → ``CREATE IN_PROGRESS`` → ``ACTIVE``; it
  retrains on the data imported and streamed by then if that changed since it last trained
  (``dataVersion``) or ``trainingDataConfig`` changed;
- delete: ``DELETE PENDING`` → gone (with its model file).

``recommenderConfig.enableMetadataWithRecommendations`` lets requests ask for ``metadataColumns``
(``runtime``).

Training (``training.usecases``) reads the dataset group's imported Interactions (and
Items) and what PutEvents (PutItems) streamed (``streams``), checks the use
case's data minimum (``usecases.USE_CASES``: too few ``View`` or ``Purchase`` events end
``CREATE FAILED`` with a failureReason that says so), fits and evaluates the use case and
writes ``models/recommender/<name>-<id>.npz`` atomically; the document's ``modelFile``
switches to it in the transaction that sets ``ACTIVE``, so GetRecommendations serves a whole
model, old or new, never a half-written one.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Callable

import pandas as pd

from helpers.localaws.engine import errors, jobs
from helpers.localaws.engine.store import Store, dataset_arn
from helpers.localaws.personalize import resources as p
from helpers.localaws.personalize import streams
from helpers.localaws.personalize.training import usecases, video_on_demand

__all__ = ["create_recommender", "start_recommender", "stop_recommender", "update_recommender"]

KIND = "recommender"
_EXPLORATION = {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"}
"""Defaults of ``itemExplorationConfig`` (Recommended for you only)."""
_TRAINING_COLUMNS = ("USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE")
_BUSY = ("PENDING", "IN_PROGRESS")


def _now() -> float:
    return time.time()


def _busy(status: str) -> bool:
    return status.endswith(_BUSY)


# --- checks ---------------------------------------------------------------------------------
DOMAIN_USE_CASES = {"ECOMMERCE": usecases.USE_CASES, "VIDEO_ON_DEMAND": usecases.VIDEO_ON_DEMAND}
"""Each domain's use cases."""


def _recipe(recipe_arn: str, domain: str | None = None) -> str:
    """The use case a recipe ARN names, of ``domain`` if given (else of either domain).

    Raises:
        InvalidInputException: it names no use case (of the domain), or the dataset group has none.
    """
    name = recipe_arn.removeprefix(usecases.RECIPE_PREFIX)
    if domain is None:
        known = {**usecases.USE_CASES, **usecases.VIDEO_ON_DEMAND}
        if recipe_arn.startswith(usecases.RECIPE_PREFIX) and name in known:
            return name
        domain = "VIDEO_ON_DEMAND" if name in usecases.VIDEO_ON_DEMAND else "ECOMMERCE"
    cases = DOMAIN_USE_CASES[domain]
    if not recipe_arn.startswith(usecases.RECIPE_PREFIX) or name not in cases:
        allowed = ", ".join(usecases.RECIPE_PREFIX + n for n in cases)
        raise errors.InvalidInputException(
            f"Recipe {recipe_arn} is not a use case of the {domain} domain; "
            f"a recommender of a {domain} dataset group needs one of {allowed}."
        )
    return name


def exploration_config(recipe: str, given: dict | None) -> dict | None:
    """``itemExplorationConfig`` with its defaults for Recommended for you (None for other use cases).

    Raises:
        InvalidInputException: given for another use case, an unknown key, or a value out of range.
    """
    if recipe != usecases.FOR_YOU:
        if given:
            raise errors.InvalidInputException(
                f"itemExplorationConfig applies only to {usecases.FOR_YOU}, not to {recipe}."
            )
        return None
    config = {**_EXPLORATION, **(given or {})}
    unknown = sorted(set(config) - set(_EXPLORATION))
    if unknown:
        raise errors.InvalidInputException(
            f"itemExplorationConfig has {unknown[0]}; allowed keys are {sorted(_EXPLORATION)}."
        )
    try:
        weight, cutoff = float(config["explorationWeight"]), float(config["explorationItemAgeCutOff"])
    except ValueError as exc:
        raise errors.InvalidInputException(f"itemExplorationConfig values must be numbers: {exc}") from exc
    if not 0 <= weight <= 1 or cutoff <= 0:
        raise errors.InvalidInputException(
            "explorationWeight must be in [0, 1] and explorationItemAgeCutOff greater than 0."
        )
    return config


def _training(given: dict | None) -> dict | None:
    if not given:
        return None
    for member in ("excludedDatasetColumns", "includedDatasetColumns"):
        for dataset_type, columns in (given.get(member) or {}).items():
            if dataset_type.upper() not in ("INTERACTIONS", "ITEMS", "USERS"):
                raise errors.InvalidInputException(
                    f"{member} has dataset type {dataset_type}; use INTERACTIONS, ITEMS or USERS."
                )
            required = [c for c in columns if c in _TRAINING_COLUMNS]
            if member == "excludedDatasetColumns" and required:
                raise errors.InvalidInputException(
                    f"{required[0]} is required for training and cannot be excluded."
                )
    return given


def _config(recipe: str, given: dict | None) -> dict:
    """The recommenderConfig as Describe shows it: what was given, with the service's defaults."""
    given = given or {}
    config: dict = {
        "minRecommendationRequestsPerSecond": int(given.get("minRecommendationRequestsPerSecond") or 1),
        "enableMetadataWithRecommendations": bool(given.get("enableMetadataWithRecommendations")),
    }
    exploration = exploration_config(recipe, given.get("itemExplorationConfig"))
    if exploration is not None:
        config["itemExplorationConfig"] = exploration
    training = _training(given.get("trainingDataConfig"))
    if training is not None:
        config["trainingDataConfig"] = training
    return config


def check_data(store: Store, group_arn: str, group: dict, dataset_type: str = "Interactions") -> None:
    """The dataset group must hold an ACTIVE dataset of the type (Interactions by default) with
    data, imported or streamed, and no running import into it."""
    ds_arn = dataset_arn(group_arn, group["name"], dataset_type)
    ds = store.get("dataset", ds_arn)
    noun = dataset_type.replace("_", " ").capitalize()
    if ds is None:
        raise errors.InvalidInputException(
            f"Dataset group {group_arn} has no {noun} dataset; create one and import {noun.lower()} first."
        )
    if ds["status"] != "ACTIVE":
        raise errors.ResourceInUseException(f"{noun} dataset {ds_arn} is {ds['status']}, not ACTIVE.")
    for job_arn, job in store.items("dataset-import-job", parent=ds_arn):
        if _busy(job["status"]):
            raise errors.ResourceInUseException(f"Dataset import job {job_arn} is still {job['status']}.")
    if not ds.get("parts") and (dataset_type == "Interactions" or not store.last_record(ds_arn)):
        raise errors.InvalidInputException(
            f"{noun} dataset {ds_arn} has no imported data; import {noun.lower()} first."
        )


# --- training -------------------------------------------------------------------------------
_events_cache: dict[tuple, tuple[usecases.Events, int]] = {}
_events_lock = threading.Lock()


def _data_key(store: Store, group_arn: str) -> tuple:
    """What the dataset group's training data is made of: its imports and streams, as they are now."""
    group = p.get(store, group_arn, "dataset-group")
    key: tuple = (str(store.root), group_arn)
    for dataset_type in ("Interactions", "Items"):
        ds = store.get("dataset", dataset_arn(group_arn, group["name"], dataset_type)) or {}
        key += (ds.get("creationDateTime"), ds.get("lastUpdatedDateTime"), *ds.get("parts", []))
        key += (store.last_record(streams.stream_of(store, group_arn, dataset_type)),)
    return key


def data_version(store: Store, group_arn: str) -> str:
    """A fingerprint of the dataset group's training data; it changes with every import or stream."""
    return hashlib.sha1(repr(_data_key(store, group_arn)).encode()).hexdigest()[:16]


def _with_streamed(imported: pd.DataFrame | None, streamed: pd.DataFrame | None) -> pd.DataFrame | None:
    """Imported rows followed by streamed ones (either may be None)."""
    if streamed is None or imported is None:
        return imported if streamed is None else streamed
    return pd.concat([imported, streamed], ignore_index=True)


def _items(store: Store, group_arn: str) -> tuple[pd.DataFrame | None, streams.ItemFields | None]:
    """The imported catalogue with the streamed items (a streamed item replaces one of its id),
    and the Items schema's fields."""
    items = store.read_dataset(group_arn, "Items")
    fields = streams.item_fields(store, group_arn)
    if fields is None:
        return items, None
    both = _with_streamed(items, streams.catalogue(store, group_arn, "Items", fields.columns))
    if both is not None:
        both = both.drop_duplicates(subset="ITEM_ID", keep="last", ignore_index=True)
    return both, fields


def training_events(store: Store, group_arn: str) -> tuple[usecases.Events, int]:
    """The dataset group's imported and streamed data, indexed once per change (five recommenders
    train at once), and the sequence number of the newest streamed event in it."""
    key = _data_key(store, group_arn)
    with _events_lock:
        if key not in _events_cache:
            frame = store.read_dataset(group_arn, "Interactions")
            if frame is None:
                raise usecases.TrainingFailed(f"Dataset group {group_arn} has no imported interactions.")
            streamed, through = streams.interactions(store, group_arn, list(frame.columns))
            _events_cache.clear()
            items, fields = _items(store, group_arn)
            content = (fields.categorical, fields.text) if fields is not None else ((), ())
            events = usecases.prepare(_with_streamed(frame, streamed), items, *content)
            _events_cache[key] = (events, through)
        return _events_cache[key]


def _fit(store: Store, doc: dict) -> tuple[str, dict]:
    """Train and evaluate a recommender's use case; return its new model file and the document's
    changes (``modelMetrics``, and what the model trained on: ``streamedThrough``, ``dataVersion``)."""
    recipe = _recipe(doc["recipeArn"])
    version = data_version(store, doc["datasetGroupArn"])
    events, through = training_events(store, doc["datasetGroupArn"])
    if recipe in usecases.VIDEO_ON_DEMAND:
        video_on_demand.check_minimums(events, recipe, has_items=events.tokens is not None)
        model = video_on_demand.fit(events, recipe)
        metrics = video_on_demand.evaluate(events, recipe, model.tuning)
    else:
        usecases.check_minimums(events, recipe)
        model = usecases.fit(events, recipe)
        metrics = usecases.evaluate(events, recipe, model.tuning)
    path = store.models_dir / KIND / f"{doc['name']}-{uuid.uuid4().hex[:12]}.npz"
    store.write_file(path, usecases.to_bytes(model))
    return store.relative(path), {"modelMetrics": metrics, "streamedThrough": through, "dataVersion": version}


def _creating(doc: dict) -> bool:
    return doc["status"] == "CREATE IN_PROGRESS"


def _updating(doc: dict) -> bool:
    return (doc.get("latestRecommenderUpdate") or {}).get("status") == "CREATE IN_PROGRESS"


def _switch(
    store: Store, arn: str, ready: Callable[[dict], bool], changes: dict, model_file: str | None = None
) -> None:
    """Apply ``changes`` (and a new model file) if ``ready(document)``; drop whichever file loses."""
    with store.transaction():
        current = store.get(KIND, arn)
        if current is None or not ready(current):
            store.after_commit(lambda: store.remove_file(model_file))
            return
        if model_file is not None:
            changes = {**changes, "modelFile": model_file}
            old = current.get("modelFile")
            store.after_commit(lambda: store.remove_file(old))
        store.update(KIND, arn, {**changes, "lastUpdatedDateTime": _now()})


def _create_work(store: Store, arn: str) -> None:
    doc = store.get(KIND, arn)
    if doc is None or doc["status"] not in ("CREATE PENDING", "CREATE IN_PROGRESS"):
        return
    p.set_status(store, KIND, arn, "CREATE IN_PROGRESS")
    model_file, trained = _fit(store, doc)
    _switch(store, arn, _creating, {"status": "ACTIVE", **trained}, model_file)


def _set_update(store: Store, arn: str, status: str, reason: str | None = None) -> None:
    with store.transaction():
        doc = store.get(KIND, arn)
        if doc is None or not doc.get("latestRecommenderUpdate"):
            return
        update = {**doc["latestRecommenderUpdate"], "status": status, "lastUpdatedDateTime": _now()}
        if reason is not None:
            update["failureReason"] = reason
        store.update(KIND, arn, {"latestRecommenderUpdate": update})


def _update_work(store: Store, key: str) -> None:
    arn = key.partition("|")[2]
    doc = store.get(KIND, arn)
    update = (doc or {}).get("latestRecommenderUpdate") or {}
    if update.get("status") not in ("CREATE PENDING", "CREATE IN_PROGRESS"):
        return
    _set_update(store, arn, "CREATE IN_PROGRESS")
    config = update["recommenderConfig"]
    done = {**update, "status": "ACTIVE", "lastUpdatedDateTime": _now()}
    changes = {"recommenderConfig": config, "latestRecommenderUpdate": done}
    new_data = doc.get("dataVersion") != data_version(store, doc["datasetGroupArn"])
    if new_data or config.get("trainingDataConfig") != doc["recommenderConfig"].get("trainingDataConfig"):
        model_file, trained = _fit(store, doc)
        _switch(store, arn, _updating, {**changes, **trained}, model_file)
    else:
        _switch(store, arn, _updating, changes)


def _update_fail(store: Store, key: str, reason: str) -> None:
    _set_update(store, key.partition("|")[2], "CREATE FAILED", reason)


def _shown(store: Store, doc: dict, answer: dict) -> None:
    """``modelMetrics`` once trained, not while it is being deleted."""
    if doc["status"].startswith("DELETE"):
        answer.pop("modelMetrics", None)


def _deletable(store: Store, arn: str, doc: dict) -> None:
    """ResourceInUseException while it changes state (created, updated, stopped, started)."""
    update = (doc.get("latestRecommenderUpdate") or {}).get("status", "")
    if _busy(doc["status"]) or _busy(update):
        raise errors.ResourceInUseException(f"Recommender {arn} is {doc['status']}; wait until it settles.")


p.declare(
    p.Kind(
        name=KIND,
        member="recommender",
        arn_member="recommenderArn",
        fields=(
            "recommenderArn", "datasetGroupArn", "name", "recipeArn", "recommenderConfig", "creationDateTime",
            "lastUpdatedDateTime", "status", "failureReason", "latestRecommenderUpdate", "modelMetrics",
        ),
        list_key="recommenders",
        summary_fields=(
            "name", "recommenderArn", "datasetGroupArn", "recipeArn", "recommenderConfig", "status",
            "creationDateTime", "lastUpdatedDateTime",
        ),
        parent="dataset-group",
        parent_member="datasetGroupArn",
        work=_create_work,
        parent_waits=False,
        deletable=_deletable,
        shown=_shown,
    )
)  # fmt: skip
jobs.register("recommender-update", _update_work, _update_fail, background=True)
jobs.register("recommender-stop", p.transition(KIND, "STOP", "INACTIVE"), p.settle(KIND, "ACTIVE"))
jobs.register("recommender-start", p.transition(KIND, "START", "ACTIVE"), p.settle(KIND, "INACTIVE"))


# --- operations -----------------------------------------------------------------------------
def create_recommender(store: Store, params: dict) -> dict:
    """Create a recommender for a use case of its dataset group's domain and start training it."""
    group_arn = params["datasetGroupArn"]
    group = p.get(store, group_arn, "dataset-group")
    if group.get("domain") not in DOMAIN_USE_CASES:
        recipe = _recipe(params["recipeArn"])
        needed = "VIDEO_ON_DEMAND" if recipe in usecases.VIDEO_ON_DEMAND else "ECOMMERCE"
        raise errors.InvalidInputException(
            f"Dataset group {group_arn} is a custom dataset group; "
            f"{recipe} needs a {needed} domain dataset group."
        )
    recipe = _recipe(params["recipeArn"], group["domain"])
    if group["status"] != "ACTIVE":
        raise errors.ResourceInUseException(f"Dataset group {group_arn} is {group['status']}, not ACTIVE.")
    check_data(store, group_arn, group)
    config = _config(recipe, params.get("recommenderConfig"))
    arn = p.arn(KIND, params["name"])
    now = _now()
    doc = {
        "name": params["name"],
        "recommenderArn": arn,
        "datasetGroupArn": group_arn,
        "recipeArn": params["recipeArn"],
        "recommenderConfig": config,
        "status": "CREATE PENDING",
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
        "tags": p.check_tags(params),
    }
    if not store.insert(KIND, arn, doc, parent=group_arn):
        raise errors.ResourceAlreadyExistsException(f"Recommender {params['name']} already exists: {arn}")
    jobs.start(store, arn, KIND)
    return {"recommenderArn": arn}


def _get_idle(store: Store, arn: str, wanted: str) -> dict:
    doc = p.get(store, arn, KIND)
    update = (doc.get("latestRecommenderUpdate") or {}).get("status", "")
    if doc["status"] != wanted or _busy(update):
        state = doc["status"] + (f" with an update {update}" if _busy(update) else "")
        raise errors.ResourceInUseException(f"Recommender {arn} is {state}; it must be {wanted}.")
    return doc


def update_recommender(store: Store, params: dict) -> dict:
    """Change an ACTIVE recommender's configuration (retraining if trainingDataConfig changes)."""
    arn = params["recommenderArn"]
    doc = _get_idle(store, arn, "ACTIVE")
    config = _config(_recipe(doc["recipeArn"]), params["recommenderConfig"])
    now = _now()
    update = {"recommenderConfig": config, "status": "CREATE PENDING", "creationDateTime": now}
    store.update(KIND, arn, {"latestRecommenderUpdate": {**update, "lastUpdatedDateTime": now}})
    jobs.start(store, f"recommender-update|{arn}", "recommender-update")
    return {"recommenderArn": arn}


def _begin(store: Store, arn: str, wanted: str, via: str) -> dict:
    """Start a Stop or Start: the recommender must be ``wanted``; it goes ``<via> PENDING``."""
    _get_idle(store, arn, wanted)
    store.update(KIND, arn, {"status": f"{via} PENDING", "lastUpdatedDateTime": _now()})
    job = f"recommender-{via.lower()}"
    jobs.start(store, f"{job}|{arn}", job)
    return {"recommenderArn": arn}


def stop_recommender(store: Store, params: dict) -> dict:
    """Stop an ACTIVE recommender: it serves nothing (and bills nothing) until started."""
    return _begin(store, params["recommenderArn"], "ACTIVE", "STOP")


def start_recommender(store: Store, params: dict) -> dict:
    """Start an INACTIVE recommender again, with the model it had."""
    return _begin(store, params["recommenderArn"], "INACTIVE", "START")


# --- beyond the API -------------------------------------------------------------------------
def model_tuning(store: Store, arn: str) -> dict | None:
    """The settings training chose for a recommender's model and their validation score.

    Not an operation: DescribeRecommender has no member for them, as Personalize does not
    publish a recommender's hyperparameters. ``helpers.aws.local_model_tuning`` shows them.

    Returns:
        ``tuning.Tuning.to_dict()`` of the model (Recommended for you; its ranker without its
        trees), None for other use cases or a recommender without a trained model.
    """
    doc = p.get(store, arn, KIND)
    if not doc.get("modelFile"):
        return None
    model = usecases.load(store.absolute(doc["modelFile"]))
    if model.tuning is None:
        return None
    record = model.tuning.to_dict()
    if record["ranker"]:  # the trees themselves are no reading matter
        kept = model.tuning.ranker.kept
        record["ranker"] = {**{k: v for k, v in record["ranker"].items() if k != "model"}, "kept": kept}
    return record

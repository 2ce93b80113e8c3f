"""Amazon Personalize campaigns, locally: a solution version deployed for real-time requests.

``personalize`` answers these operations (its ``__getattr__`` finds them here); the runtime
serves a campaign through ``serving``. Lifecycles, as the CreateCampaign documentation gives
them:

- create: ``CREATE PENDING`` → ``CREATE IN_PROGRESS`` → ``ACTIVE`` (deploying trains nothing);
- update (a new solution version of the same solution, ``minProvisionedTPS``, ``campaignConfig``):
  the campaign stays ``ACTIVE`` and serves its previous model while ``latestCampaignUpdate`` goes
  ``CREATE PENDING`` → ``CREATE IN_PROGRESS`` → ``ACTIVE``; then it serves the new one;
- delete: ``DELETE PENDING`` → gone.

A campaign is stored under its solution (ListCampaigns by ``solutionArn``; a solution with
campaigns cannot be deleted). ``campaignConfig.itemExplorationConfig`` applies to the
user-personalization recipes, with Recommended for you's defaults and checks;
``campaignConfig.enableMetadataWithRecommendations`` lets requests ask for ``metadataColumns``.
"""

from __future__ import annotations

import time

from helpers.localaws.engine import errors, jobs
from helpers.localaws.engine.store import Store
from helpers.localaws.personalize import recommenders, solutions
from helpers.localaws.personalize import resources as p
from helpers.localaws.personalize.training import segmentation, usecases

__all__ = ["create_campaign", "update_campaign"]

KIND = "campaign"
UPDATE = "campaign-update"
EXPLORING_RECIPES = ("aws-user-personalization", "aws-user-personalization-v2")
"""Recipes whose campaigns take an ``itemExplorationConfig``."""

_FIELDS = (
    "name", "campaignArn", "solutionVersionArn", "minProvisionedTPS", "campaignConfig", "status",
    "failureReason", "creationDateTime", "lastUpdatedDateTime", "latestCampaignUpdate",
)  # fmt: skip
_SUMMARY_FIELDS = (
    "name", "campaignArn", "status", "creationDateTime", "lastUpdatedDateTime", "failureReason",
)  # fmt: skip
_BUSY = ("PENDING", "IN_PROGRESS")


def _now() -> float:
    return time.time()


def _config(recipe: str, given: dict | None) -> dict:
    """The campaignConfig as Describe shows it: what was given, with the service's defaults."""
    given = given or {}
    config: dict = {"enableMetadataWithRecommendations": bool(given.get("enableMetadataWithRecommendations"))}
    influence = ranking_influence(recipe, given.get("rankingInfluence"), "campaignConfig")
    if influence:
        config["rankingInfluence"] = influence
    if recipe in EXPLORING_RECIPES:
        config["itemExplorationConfig"] = recommenders.exploration_config(
            usecases.FOR_YOU, given.get("itemExplorationConfig")
        )
    elif given.get("itemExplorationConfig"):
        raise errors.InvalidInputException(
            f"itemExplorationConfig applies only to campaigns of {', '.join(EXPLORING_RECIPES)}, "
            f"not {recipe}."
        )
    if "syncWithLatestSolutionVersion" in given:
        config["syncWithLatestSolutionVersion"] = bool(given["syncWithLatestSolutionVersion"])
    return config


INFLUENCED_RECIPES = ("aws-semantic-similarity",)
"""Recipes whose campaigns and batch jobs take a ``rankingInfluence`` (POPULARITY, FRESHNESS): the
Semantic-Similarity page of the guide names freshness-based ranking; the others none."""


def ranking_influence(recipe: str, given: dict | None, member: str) -> dict[str, float] | None:
    """A ``rankingInfluence`` as numbers (botocore checks its keys and that each is in [0, 1]).

    Raises:
        InvalidInputException: the recipe takes none.
    """
    if not given:
        return None
    if recipe not in INFLUENCED_RECIPES:
        raise errors.InvalidInputException(
            f"{member}.rankingInfluence applies to {', '.join(INFLUENCED_RECIPES)}, not to {recipe}."
        )
    return {key: float(value) for key, value in sorted(given.items())}


def _update_work(store: Store, key: str) -> None:
    arn = key.partition("|")[2]
    doc = store.get(KIND, arn)
    update = (doc or {}).get("latestCampaignUpdate") or {}
    if update.get("status") not in ("CREATE PENDING", "CREATE IN_PROGRESS"):
        return
    with store.transaction():
        store.update(KIND, arn, {"latestCampaignUpdate": {**update, "status": "CREATE IN_PROGRESS"}})
    done = {**update, "status": "ACTIVE", "lastUpdatedDateTime": _now()}
    changes = {f: update[f] for f in ("solutionVersionArn", "minProvisionedTPS", "campaignConfig")}
    with store.transaction():
        if store.get(KIND, arn) is not None:
            store.update(KIND, arn, {**changes, "latestCampaignUpdate": done, "lastUpdatedDateTime": _now()})


def _update_fail(store: Store, key: str, reason: str) -> None:
    arn = key.partition("|")[2]
    with store.transaction():
        doc = store.get(KIND, arn)
        if doc is not None and doc.get("latestCampaignUpdate"):
            failed = {**doc["latestCampaignUpdate"], "status": "CREATE FAILED", "failureReason": reason}
            store.update(KIND, arn, {"latestCampaignUpdate": failed})


def _deletable(store: Store, arn: str, doc: dict) -> None:
    """ResourceInUseException while it is created or updated."""
    _idle(store, arn)


p.declare(
    p.Kind(
        name=KIND,
        member="campaign",
        arn_member="campaignArn",
        fields=_FIELDS,
        list_key="campaigns",
        summary_fields=_SUMMARY_FIELDS,
        parent="solution",
        parent_member="solutionArn",
        deletable=_deletable,
    )
)  # fmt: skip
jobs.register(UPDATE, _update_work, _update_fail, background=True)


def create_campaign(store: Store, params: dict) -> dict:
    """Deploy an ACTIVE solution version as a campaign."""
    version = solutions.active_version(store, params["solutionVersionArn"])
    segmentation.refuse(version, "campaigns")
    config = _config(solutions.recipe_of(version), params.get("campaignConfig"))
    arn = p.arn(KIND, params["name"])
    now = _now()
    doc = {
        "name": params["name"],
        "campaignArn": arn,
        "solutionVersionArn": params["solutionVersionArn"],
        "minProvisionedTPS": int(params.get("minProvisionedTPS") or 1),
        "campaignConfig": config,
        "status": "CREATE PENDING",
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
        "tags": p.check_tags(params),
    }
    if not store.insert(KIND, arn, doc, parent=version["solutionArn"]):
        raise errors.ResourceAlreadyExistsException(f"Campaign {params['name']} already exists: {arn}")
    jobs.start(store, arn, KIND)
    return {"campaignArn": arn}


def _idle(store: Store, arn: str) -> dict:
    doc = p.get(store, arn, KIND)
    update = (doc.get("latestCampaignUpdate") or {}).get("status", "")
    if doc["status"].endswith(_BUSY) or update.endswith(_BUSY):
        state = doc["status"] + (f" with an update {update}" if update.endswith(_BUSY) else "")
        raise errors.ResourceInUseException(f"Campaign {arn} is {state}; wait until it settles.")
    return doc


def update_campaign(store: Store, params: dict) -> dict:
    """Deploy another version of the same solution, or change the TPS or configuration."""
    arn = params["campaignArn"]
    doc = _idle(store, arn)
    if doc["status"] != "ACTIVE":
        raise errors.ResourceInUseException(f"Campaign {arn} is {doc['status']}, not ACTIVE.")
    version_arn = params.get("solutionVersionArn") or doc["solutionVersionArn"]
    version = solutions.active_version(store, version_arn)
    current = p.get(store, doc["solutionVersionArn"], solutions.VERSION)
    if version["solutionArn"] != current["solutionArn"]:
        raise errors.InvalidInputException(
            f"Solution version {version_arn} is not of solution {current['solutionArn']}, "
            f"which campaign {arn} deploys."
        )
    given = params.get("campaignConfig")
    config = _config(solutions.recipe_of(version), given) if given is not None else doc["campaignConfig"]
    now = _now()
    update = {
        "solutionVersionArn": version_arn,
        "minProvisionedTPS": int(params.get("minProvisionedTPS") or doc["minProvisionedTPS"]),
        "campaignConfig": config,
        "status": "CREATE PENDING",
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
    }
    store.update(KIND, arn, {"latestCampaignUpdate": update})
    jobs.start(store, f"{UPDATE}|{arn}", UPDATE)
    return {"campaignArn": arn}


def serving(store: Store, arn: str) -> tuple[dict, dict, usecases.Model]:
    """What the runtime needs to answer from a campaign.

    Returns:
        ``(campaign, solution version, model)``: the ACTIVE campaign's document, the document of
        the version it deploys (``datasetGroupArn``, ``streamedThrough``, ``recipeArn``) and its
        loaded model (a Trending-Now one fitted on the data as it is now).

    Raises:
        ResourceNotFoundException: no such campaign.
        InvalidInputException: the campaign is not ACTIVE.
    """
    doc = store.get(KIND, arn)
    if doc is None:
        raise errors.ResourceNotFoundException(f"Could not find campaign: {arn}")
    if doc["status"] != "ACTIVE":
        raise errors.InvalidInputException(
            f"Campaign {arn} is {doc['status']}; it gives recommendations only when ACTIVE."
        )
    version = p.get(store, doc["solutionVersionArn"], solutions.VERSION)
    if solutions.recipe_of(version) == usecases.TRENDING_NOW:  # its trends follow the data
        return doc, version, solutions.current_trend(store, version)
    return doc, version, usecases.load(store.absolute(version["modelFile"]))

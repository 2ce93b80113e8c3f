"""Amazon Personalize Runtime, locally: GetRecommendations and GetPersonalizedRanking.

Serving never trains: it reads the recommender's (or the campaign's solution version's) document
(status and ``modelFile``) and the model file through ``usecases.load``, cached per process by
path and mtime, then ranks.

Per use case (Personalize's ECOMMERCE use-case table): Most viewed, Best sellers and
Recommended for you need ``userId``; Customers who viewed X and Frequently bought together need
``itemId`` (Customers who viewed X also leaves out what ``userId`` purchased, if given). Only
Recommended for you answers with scores, as only user-personalisation models have them. An
unknown user gets popular items (cold start); an unknown item gets the most viewed (bought).

Recommended for you scores the user's history at request time, so events added to the history
change the next answer at once: ``_history`` joins the events streamed (PutEvents) since the
model trained (``streamedThrough``, the stream's sequence number at training) to those it
trained on; a new shopper thus gets popular items, then personal ones after a few events.
``_explore`` then gives the recommender's ``itemExplorationConfig`` share of the list to new
items, those added with PutItems since the training included (``streams.new_items``).

A ``filterArn`` (with its ``filterValues``) leaves out the items its filter excludes
(``filters.excluded_items``), new ones included, before ranking and exploring, so the answer
still has ``numResults`` items when enough items pass.

A campaign is served as the use case of the same model (``solutions.SERVED_AS``) with its
``campaignConfig``; a Trending-Now campaign needs neither ``userId`` nor ``itemId`` (a ``userId``
serves only a filter). GetPersonalizedRanking orders a campaign's ``inputList`` (up to
``MAX_RANKING_ITEMS``) by the user's scores from a personalized-ranking model.
"""

from __future__ import annotations

import uuid
import zlib

import numpy as np

from helpers.localaws import campaigns, errors, filters, personalize, solutions, streams, usecases
from helpers.localaws.store import Store
from helpers.recsys import interactions

DEFAULT_RESULTS = 25
MAX_RESULTS = 500
MAX_RANKING_ITEMS = 500
"""Most items of a GetPersonalizedRanking ``inputList`` (the API reference's limit)."""
_UNSUPPORTED = ("promotions", "metadataColumns")


def pending_work(store: Store, operation: str, params: dict) -> list[str]:
    """The work a call waits for: its recommender's creation, stop or start, and an update only if
    this process started it (a recommender serves its previous model while it retrains)."""
    return personalize.work_on(store, personalize.named_arns(params), reading=True)


def _recommender(store: Store, arn: str) -> dict:
    personalize.kind_of(arn)  # InvalidInputException if malformed
    doc = store.get("recommender", arn)
    if doc is None:
        raise errors.ResourceNotFoundException(f"Could not find recommender: {arn}")
    if doc["status"] != "ACTIVE":
        hint = " Start it with StartRecommender." if doc["status"] == "INACTIVE" else ""
        raise errors.InvalidInputException(
            f"Recommender {arn} is {doc['status']}; it gives recommendations only when ACTIVE.{hint}"
        )
    return doc


def _model(store: Store, arn: str) -> tuple[dict, usecases.Model]:
    """The recommender's document and model (read again if a retraining replaced the file meanwhile)."""
    doc = _recommender(store, arn)
    try:
        return doc, usecases.load(store.absolute(doc["modelFile"]))
    except FileNotFoundError:
        doc = _recommender(store, arn)
        return doc, usecases.load(store.absolute(doc["modelFile"]))


def _history(store: Store, doc: dict, model: usecases.Model, user_id: str | None) -> tuple[np.ndarray, ...]:
    """``(items, weights, timestamps, purchased)`` of the user: the events the model was trained
    on, then those streamed since (PutEvents) on items the model knows."""
    trained = model.user_history(user_id or "")
    if not user_id:
        return trained
    streamed = streams.events_of(store, doc["datasetGroupArn"], user_id, doc.get("streamedThrough", 0))
    known = [(model.item_index(str(e["ITEM_ID"])), e) for e in streamed if e.get("ITEM_ID") is not None]
    known = [(i, e) for i, e in known if i is not None]
    if not known:
        return trained
    types = np.asarray([e["EVENT_TYPE"] for _, e in known], dtype=str)
    new = (
        np.asarray([i for i, _ in known], dtype=trained[0].dtype),
        interactions.event_weights(types, default=1.0).astype(trained[1].dtype),
        np.asarray([e["TIMESTAMP"] for _, e in known], dtype=trained[2].dtype),
        types == "Purchase",
    )
    return tuple(np.concatenate([old, more]) for old, more in zip(trained, new, strict=True))


def _filtered(store: Store, params: dict, doc: dict, model: usecases.Model) -> np.ndarray | None:
    """Item indices the request's filter (``filterArn``, ``filterValues``) leaves out, None without
    one; the model's items, then those streamed since (PutItems), which exploration may show."""
    if not params.get("filterArn"):
        if params.get("filterValues"):
            raise errors.InvalidInputException("filterValues apply to a filter: give filterArn too.")
        return None
    new = streams.new_items(store, doc["datasetGroupArn"], model)
    return filters.excluded_items(
        store,
        params["filterArn"],
        params.get("filterValues"),
        group_arn=doc["datasetGroupArn"],
        item_ids=model.item_ids if new is None else np.concatenate([model.item_ids, new.item_ids]),
        user_id=params.get("userId"),
        item_id=params.get("itemId"),
    )


def _campaign(store: Store, arn: str, ranking: bool) -> tuple[dict, usecases.Model, str]:
    """A campaign as the recommenders' serving path reads it: a document with the solution
    version's ``datasetGroupArn`` and ``streamedThrough`` and the campaign's configuration as
    ``recommenderConfig``, its model, and the custom recipe's name.

    Raises:
        InvalidInputException: a ranking campaign asked for recommendations, or the other way round.
    """
    campaign, version, model = campaigns.serving(store, arn)
    recipe = solutions.recipe_of(version)
    if (recipe in solutions.RANKING_RECIPES) != ranking:
        wanted = "GetRecommendations" if ranking else "GetPersonalizedRanking"
        raise errors.InvalidInputException(f"Campaign {arn} deploys a {recipe} model; call {wanted} with it.")
    return version_source(version, campaign["campaignConfig"]), model, recipe


def version_source(version: dict, config: dict) -> dict:
    """A solution version as the recommenders' serving path reads it (see ``recommend``).

    Args:
        version: the solution version's document.
        config: the campaign's (or batch job's) configuration, e.g. its ``itemExplorationConfig``.
    """
    return {
        "datasetGroupArn": version["datasetGroupArn"],
        "streamedThrough": version.get("streamedThrough", 0),
        "recommenderConfig": config,
    }


def _check_unsupported(params: dict) -> None:
    for member in _UNSUPPORTED:
        if params.get(member):
            raise errors.InvalidInputException(f"{member} is not supported by the local backend yet.")


def get_recommendations(store: Store, params: dict) -> dict:
    """Recommend items from a recommender or a campaign (of a non-ranking custom recipe)."""
    recommender_arn, campaign_arn = params.get("recommenderArn"), params.get("campaignArn")
    if bool(recommender_arn) == bool(campaign_arn):
        raise errors.InvalidInputException("Give exactly one of recommenderArn and campaignArn.")
    _check_unsupported(params)
    n = params.get("numResults", DEFAULT_RESULTS)
    if n > MAX_RESULTS:
        raise errors.InvalidInputException(f"numResults must be at most {MAX_RESULTS}, not {n}.")
    if campaign_arn:
        doc, model, custom = _campaign(store, campaign_arn, ranking=False)
        recipe, served = solutions.SERVED_AS[custom], f"campaigns of the {custom} recipe"
    else:
        doc, model = _model(store, recommender_arn)
        recipe = doc["recipeArn"].removeprefix(usecases.RECIPE_PREFIX)
        served = f"recommenders of the {recipe} use case"
    return recommend(store, params, doc, model, recipe, served)


def recommend(store: Store, params: dict, doc: dict, model: usecases.Model, recipe: str, served: str) -> dict:
    """The GetRecommendations answer of a model (a recommender's, or a solution version's).

    Args:
        store: the state.
        params: the request (``userId``, ``itemId``, ``numResults``, ``filterArn``, ``filterValues``).
        doc: the recommender's document, or ``version_source``'s.
        model: the loaded model.
        recipe: the use case it is served as (a key of ``usecases.SERVED_CASES``).
        served: what serves it, in words, for error messages.

    Raises:
        InvalidInputException: ``userId`` or ``itemId`` missing where the use case needs it.
    """
    n = params.get("numResults", DEFAULT_RESULTS)
    case = usecases.SERVED_CASES[recipe]
    user_id, item_id = params.get("userId"), params.get("itemId")
    if case.needs_user and not user_id:
        raise errors.InvalidInputException(f"userId is required by {served}.")
    if case.needs_item and not item_id:
        raise errors.InvalidInputException(f"itemId is required by {served}.")
    filtered = _filtered(store, params, doc, model)
    answer: dict = {"itemList": [], "recommendationId": f"RID-{uuid.uuid4()}"}
    if n == 0:
        return answer
    items, weights, ts, purchased = _history(store, doc, model, user_id)
    query = model.item_index(item_id) if case.needs_item else None
    exclude = np.unique(items[purchased]) if recipe in (usecases.FOR_YOU, usecases.ALSO_VIEWED) else None
    if filtered is not None:
        exclude = filtered if exclude is None else np.union1d(exclude, filtered)
    known = exclude if exclude is None else exclude[exclude < model.item_ids.size]
    chosen, scores = usecases.rank(model, n, history=(items, weights, ts), query=query, exclude=known)
    ids, scores = _explore(store, doc, model, n, chosen, scores, (items, weights, exclude), user_id)
    answer["itemList"] = [{"itemId": i} for i in ids]
    if scores is not None:
        for item, score in zip(answer["itemList"], scores, strict=True):
            item["score"] = round(score, 7)
    return answer


def _explore(
    store: Store,
    doc: dict,
    model: usecases.Model,
    n: int,
    chosen: np.ndarray,
    scores: np.ndarray | None,
    history: tuple[np.ndarray, np.ndarray, np.ndarray | None],
    user_id: str | None,
) -> tuple[list[str], list[float] | None]:
    """Item ids and scores of the answer; Recommended for you explores new items as its
    ``itemExplorationConfig`` says (an explored item scores 0: the model has no score for it)."""
    config = doc["recommenderConfig"].get("itemExplorationConfig")
    if model.catalogue is None or not config or scores is None:
        return model.item_ids[chosen].tolist(), None if scores is None else scores.tolist()
    items, weights, exclude = history
    new = streams.new_items(store, doc["datasetGroupArn"], model)
    picked = usecases.explore(
        model,
        chosen,
        n,
        weight=float(config["explorationWeight"]),
        cutoff_days=float(config["explorationItemAgeCutOff"]),
        history=(items, weights),
        exclude=exclude,
        seed=zlib.crc32(f"{user_id}|{len(items)}".encode()),
        new_items=new,
    )
    ids = model.item_ids if new is None else np.concatenate([model.item_ids, new.item_ids])
    score_of = dict(zip(chosen.tolist(), scores.tolist(), strict=True))
    return ids[picked].tolist(), [score_of.get(i, 0.0) for i in picked.tolist()]


def get_personalized_ranking(store: Store, params: dict) -> dict:
    """Order ``inputList`` for ``userId`` by a personalized-ranking campaign's scores (see ``rank_items``)."""
    _check_unsupported(params)
    if len(params["inputList"]) > MAX_RANKING_ITEMS:
        raise errors.InvalidInputException(
            f"inputList has {len(params['inputList'])} items; at most {MAX_RANKING_ITEMS} are allowed."
        )
    doc, model, _ = _campaign(store, params["campaignArn"], ranking=True)
    ranking = rank_items(store, doc, model, params["userId"], params["inputList"])
    return {"personalizedRanking": ranking, "recommendationId": f"RID-{uuid.uuid4()}"}


def rank_items(
    store: Store, doc: dict, model: usecases.Model, user_id: str, input_list: list[str]
) -> list[dict]:
    """A personalized-ranking model's order of ``input_list`` for a user.

    Items the model knows come first, best first (ties in input order), each with its share of
    the list's positive scores (they sum to at most 1); unknown items follow in input order,
    without a score. A repeated item is ranked once.

    Returns:
        ``[{"itemId", "score"?}]``, one per distinct input item.
    """
    given = list(dict.fromkeys(input_list))
    items, weights, ts, _purchased = _history(store, doc, model, user_id)
    scores = usecases.personal_scores(model, (items, weights, ts))
    index = [model.item_index(i) for i in given]
    known = [(pos, i) for pos, i in enumerate(index) if i is not None]
    known.sort(key=lambda pair: (-float(scores[pair[1]]), pair[0]))
    total = float(sum(max(float(scores[i]), 0.0) for _, i in known))
    ranking: list[dict] = []
    for pos, i in known:
        share = max(float(scores[i]), 0.0) / total if total > 0 else 0.0
        ranking.append({"itemId": given[pos], "score": round(share, 7)})
    ranking += [{"itemId": given[pos]} for pos, i in enumerate(index) if i is None]
    return ranking

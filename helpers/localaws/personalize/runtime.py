"""Amazon Personalize Runtime, locally: GetRecommendations, GetPersonalizedRanking, GetActionRecommendations.

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

A **promotion** (``promotions``, one at most) gives ``percentPromotedItems`` of the list (rounded
up here; the guide does not say how Personalize rounds) to the best items its own filter
(``filterArn``, ``filterValues``) keeps, each marked with the promotion's ``promotionName``; the
request's filter applies only to the other items, and the promoted ones take positions drawn at
random among them, in their own order (the draw is seeded by the request, so the same request
gets the same list). Too few items pass the promotion's filter: as many as there are are
promoted, the others fill the list. Promotions apply to every use case and to the custom
recipes of ``PROMOTING_RECIPES``; only items the model trained on are promoted here.

``metadataColumns`` (``{"ITEMS": [columns]}``, at most ``MAX_METADATA_COLUMNS``) gives every item
of the answer its ``metadata``, those columns of its newest Items row (imported or PutItems), as
strings; only a recommender or campaign created or updated with
``enableMetadataWithRecommendations`` takes it, and then for at most ``MAX_RESULTS_WITH_METADATA``
items.

A campaign is served as the use case of the same model (``solutions.SERVED_AS``) with its
``campaignConfig``; a Trending-Now campaign needs neither ``userId`` nor ``itemId`` (a ``userId``
serves only a filter). GetPersonalizedRanking orders a campaign's ``inputList`` (up to
``MAX_RANKING_ITEMS``) by the user's scores from a personalized-ranking model, leaving out the
items its ``filterArn`` excludes. GetActionRecommendations answers from a Next-Best-Action
campaign the actions a ``userId`` will most likely take within the solution's action optimization
period, best first, each with its propensity ``score`` (``training.next_best_action``); a user the
model has not seen, or no ``userId``, gets every user's average propensities. Filters on actions
are not emulated (``NotEmulatedError``).
"""

from __future__ import annotations

import math
import uuid
import zlib

import numpy as np

from helpers.localaws.engine import errors
from helpers.localaws.engine.store import Store
from helpers.localaws.personalize import campaigns, filters, metric_attributions, solutions, streams
from helpers.localaws.personalize import resources as personalize
from helpers.localaws.personalize.training import usecases, video_on_demand
from helpers.recsys import interactions

DEFAULT_RESULTS = 25
MAX_RESULTS = 500
MAX_RANKING_ITEMS = 500
"""Most items of a GetPersonalizedRanking ``inputList`` (the API reference's limit)."""
MAX_RESULTS_WITH_METADATA = 50
"""Most items of an answer with ``metadataColumns`` (``numResults``, or ``inputList``)."""
MAX_METADATA_COLUMNS = 10
"""Most columns ``metadataColumns`` may ask for (the API reference's limit)."""
METADATA_DATASET = "ITEMS"
"""The one key of ``metadataColumns``: the dataset the columns are of."""
PROMOTING_RECIPES = (
    "aws-user-personalization", "aws-user-personalization-v2", "aws-similar-items", "aws-sims",
    "aws-trending-now", "aws-popularity-count",
)  # fmt: skip
"""Custom recipes whose campaigns take ``promotions`` (the developer guide's list; every use case does)."""


def pending_work(store: Store, operation: str, params: dict) -> list[str]:
    """The work a call waits for: its recommender's creation, stop or start, an update only if
    this process started it (a recommender serves its previous model while it retrains), and the
    creation of its filters, a promotion's included."""
    named = personalize.named_arns(params)
    for promotion in params.get("promotions") or []:
        named |= personalize.named_arns(promotion)
    return personalize.work_on(store, named, reading=True)


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


def _filtered(
    store: Store, params: dict, doc: dict, candidates: usecases.Model | np.ndarray
) -> np.ndarray | None:
    """Indices of the candidates the request's filter (``filterArn``, ``filterValues``) leaves out,
    None without one. The candidates of a model are its items, then those streamed since
    (PutItems), which exploration may show; a ranking's are the item ids of its ``inputList``."""
    if not params.get("filterArn"):
        if params.get("filterValues"):
            raise errors.InvalidInputException("filterValues apply to a filter: give filterArn too.")
        return None
    if isinstance(candidates, usecases.Model):
        ids = streams.served_ids(store, doc["datasetGroupArn"], candidates)
    else:
        ids = candidates
    return filters.excluded_items(
        store,
        params["filterArn"],
        params.get("filterValues"),
        group_arn=doc["datasetGroupArn"],
        item_ids=ids,
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
    if recipe == solutions.NEXT_BEST_ACTION:
        raise errors.InvalidInputException(
            f"Campaign {arn} deploys a {recipe} model; call GetActionRecommendations with it."
        )
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


def _check_size(member: str, size: int, params: dict, most: int) -> None:
    """``size`` (of ``member``) must be at most ``most``, or ``MAX_RESULTS_WITH_METADATA`` with metadata."""
    if params.get("metadataColumns"):
        most = min(most, MAX_RESULTS_WITH_METADATA)
    if size > most:
        given = " with metadataColumns" if params.get("metadataColumns") else ""
        raise errors.InvalidInputException(f"{member} must be at most {most}{given}, not {size}.")


def _metadata_columns(store: Store, params: dict, doc: dict, arn: str) -> list[str] | None:
    """The Items columns the request's ``metadataColumns`` asks for (None if it asks for none).

    Raises:
        InvalidInputException: metadata is not enabled for the recommender or campaign, the key is
            not ``ITEMS``, too many or no columns, a column the Items schema lacks, or no Items dataset.
    """
    asked = params.get("metadataColumns")
    if not asked:
        return None
    if not doc["recommenderConfig"].get("enableMetadataWithRecommendations"):
        config, update = (
            ("campaignConfig", "UpdateCampaign")
            if params.get("campaignArn")
            else ("recommenderConfig", "UpdateRecommender")
        )
        raise errors.InvalidInputException(
            f"metadataColumns needs {config}.enableMetadataWithRecommendations set to true, and it "
            f"is false for {arn}: enable it with {update} first."
        )
    other = sorted(set(asked) - {METADATA_DATASET})
    if other:
        raise errors.InvalidInputException(
            f"metadataColumns has the key {other[0]}; its only key is {METADATA_DATASET}."
        )
    columns = list(dict.fromkeys(asked[METADATA_DATASET]))
    if not columns or len(columns) > MAX_METADATA_COLUMNS:
        raise errors.InvalidInputException(
            f"metadataColumns {METADATA_DATASET} lists {len(columns)} columns; "
            f"give 1 to {MAX_METADATA_COLUMNS}."
        )
    fields = streams.item_fields(store, doc["datasetGroupArn"])
    if fields is None:
        raise errors.InvalidInputException(
            f"metadataColumns needs an Items dataset, and dataset group {doc['datasetGroupArn']} has none."
        )
    unknown = [c for c in columns if c not in fields.columns]
    if unknown:
        raise errors.InvalidInputException(
            f"metadataColumns asks for {unknown[0]}, which is not a column of the Items dataset "
            f"(its columns: {', '.join(fields.columns)})."
        )
    return columns


def _add_metadata(store: Store, doc: dict, items: list[dict], columns: list[str] | None) -> None:
    """Give each answered item its ``metadata``: the columns' values in its newest Items row."""
    if columns is None:
        return
    table = filters.items_table(store, doc["datasetGroupArn"])
    for item in items:
        row = table.loc[item["itemId"]].to_dict() if item["itemId"] in table.index else {}
        row["ITEM_ID"] = item["itemId"]
        item["metadata"] = {c: _text(row[c]) for c in columns if c in row and not _missing(row[c])}


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _text(value: object) -> str:
    """A metadata value as the answer's string: booleans in JSON's spelling, others as written."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    return str(value)


def get_recommendations(store: Store, params: dict) -> dict:
    """Recommend items from a recommender or a campaign (of a non-ranking custom recipe)."""
    recommender_arn, campaign_arn = params.get("recommenderArn"), params.get("campaignArn")
    if bool(recommender_arn) == bool(campaign_arn):
        raise errors.InvalidInputException("Give exactly one of recommenderArn and campaignArn.")
    _check_size("numResults", params.get("numResults", DEFAULT_RESULTS), params, MAX_RESULTS)
    if campaign_arn:
        doc, model, custom = _campaign(store, campaign_arn, ranking=False)
        recipe, served = solutions.SERVED_AS[custom], f"campaigns of the {custom} recipe"
        if params.get("promotions") and custom not in PROMOTING_RECIPES:
            raise errors.InvalidInputException(
                f"promotions do not apply to {served}; they apply to use cases and to the recipes "
                f"{', '.join(PROMOTING_RECIPES)}."
            )
    else:
        doc, model = _model(store, recommender_arn)
        recipe = doc["recipeArn"].removeprefix(usecases.RECIPE_PREFIX)
        served = f"recommenders of the {recipe} use case"
    columns = _metadata_columns(store, params, doc, recommender_arn or campaign_arn)
    answer = recommend(store, params, doc, model, recipe, served)
    answer["recommendationId"] = metric_attributions.recommendation_id(recommender_arn or campaign_arn)
    _add_metadata(store, doc, answer["itemList"], columns)
    return answer


def recommend(store: Store, params: dict, doc: dict, model: usecases.Model, recipe: str, served: str) -> dict:
    """The GetRecommendations answer of a model (a recommender's, or a solution version's).

    Args:
        store: the state.
        params: the request (``userId``, ``itemId``, ``numResults``, ``filterArn``,
            ``filterValues``, ``promotions``).
        doc: the recommender's document, or ``version_source``'s.
        model: the loaded model.
        recipe: the use case it is served as (a key of ``usecases.SERVED_CASES``).
        served: what serves it, in words, for error messages.

    Raises:
        InvalidInputException: ``userId`` or ``itemId`` missing where the use case needs it, or a
            filter or promotion that cannot apply (see ``excluded_items``).
    """
    n = params.get("numResults", DEFAULT_RESULTS)
    case = usecases.SERVED_CASES[recipe]
    user_id, item_id = params.get("userId"), params.get("itemId")
    if case.needs_user and not user_id:
        raise errors.InvalidInputException(f"userId is required by {served}.")
    if case.needs_item and not item_id:
        raise errors.InvalidInputException(f"itemId is required by {served}.")
    filtered = _filtered(store, params, doc, model)
    promotion = _promotion(store, params, doc, model)
    answer: dict = {"itemList": [], "recommendationId": f"RID-{uuid.uuid4()}"}
    if n == 0:
        return answer
    items, weights, ts, purchased = _history(store, doc, model, user_id)
    request = {
        "history": (items, weights, ts),
        "query": model.item_index(item_id) if case.needs_item else None,
    }
    leaves_out = (usecases.FOR_YOU, usecases.ALSO_VIEWED, *video_on_demand.LEAVES_OUT_WATCHED)
    never = np.unique(items[purchased]) if recipe in leaves_out else None
    promoted = _promoted(model, n, promotion, request, never)
    shown = [model.item_index(i["itemId"]) for i in promoted]
    exclude = _union(never, filtered, np.asarray(shown, dtype=np.int64) if shown else None)
    rest: list[dict] = []
    if n > len(promoted):
        known = exclude if exclude is None else exclude[exclude < model.item_ids.size]
        influence = doc["recommenderConfig"].get("rankingInfluence")
        wanted = n - len(promoted)
        chosen, scores = usecases.rank(
            model, max(wanted, usecases.NEIGHBORS) if influence else wanted, **request, exclude=known
        )
        if influence:  # popularity and freshness reorder the similar items (Semantic-Similarity)
            chosen = usecases.influenced(model, chosen, influence)[:wanted]
        ids, listed = _explore(
            store, doc, model, n - len(promoted), chosen, scores, (items, weights, exclude)
        )
        rest = _listed(ids, listed)
    answer["itemList"] = _place(promoted, rest, f"{user_id}|{item_id}|{n}|{len(items)}")
    return answer


def _union(*parts: np.ndarray | None) -> np.ndarray | None:
    """The sorted union of item index arrays (None if every part is None)."""
    given = [np.asarray(part, dtype=np.int64) for part in parts if part is not None]
    return np.unique(np.concatenate(given)) if given else None


def _promoted(
    model: usecases.Model,
    n: int,
    promotion: tuple[str | None, int, np.ndarray] | None,
    request: dict,
    never: np.ndarray | None,
) -> list[dict]:
    """The promotion's items: the best of those its filter keeps, ``percentPromotedItems`` of
    ``n`` rounded up (fewer if fewer pass), named by ``promotionName``; none without a promotion."""
    if promotion is None:
        return []
    name, percent, left_out = promotion
    k = math.ceil(n * percent / 100)
    chosen, scores = usecases.rank(model, k, **request, exclude=_union(never, left_out))
    promoted = _listed(model.item_ids[chosen].tolist(), None if scores is None else scores.tolist())
    if name:
        for item in promoted:
            item["promotionName"] = name
    return promoted


def _listed(ids: list[str], scores: list[float] | None) -> list[dict]:
    """Answer items: ``itemId``, and ``score`` (to 7 decimals) if the model scores."""
    if scores is None:
        return [{"itemId": i} for i in ids]
    return [{"itemId": i, "score": round(score, 7)} for i, score in zip(ids, scores, strict=True)]


def _promotion(
    store: Store, params: dict, doc: dict, model: usecases.Model
) -> tuple[str | None, int, np.ndarray] | None:
    """The request's promotion as ``(name, percentPromotedItems, item indices its filter leaves out)``.

    Raises:
        InvalidInputException: the promotion lacks ``filterArn`` or ``percentPromotedItems``, or
            its filter cannot apply (the message names the promotion).
        ResourceNotFoundException: no filter has the promotion's ``filterArn``.
    """
    given = params.get("promotions") or []
    if not given:
        return None
    promotion = given[0]  # the model allows one
    for member in ("filterArn", "percentPromotedItems"):
        if promotion.get(member) is None:
            raise errors.InvalidInputException(f"promotions.1.{member} is required: a promotion needs it.")
    try:
        left_out = filters.excluded_items(
            store,
            promotion["filterArn"],
            promotion.get("filterValues"),
            group_arn=doc["datasetGroupArn"],
            item_ids=model.item_ids,
            user_id=params.get("userId"),
            item_id=params.get("itemId"),
        )
    except errors.AWSError as err:
        raise type(err)(f"promotions.1 ({promotion.get('name', 'unnamed')}): {err.message}") from err
    return promotion.get("name"), int(promotion["percentPromotedItems"]), left_out


def _place(promoted: list[dict], rest: list[dict], seed: str) -> list[dict]:
    """The promoted items, in their order, at random positions (seeded by ``seed``) among the rest."""
    if not promoted:
        return rest
    total = len(promoted) + len(rest)
    rng = np.random.default_rng(zlib.crc32(seed.encode()))
    at = set(rng.choice(total, size=len(promoted), replace=False).tolist())
    first, others = iter(promoted), iter(rest)
    return [next(first) if position in at else next(others) for position in range(total)]


def _explore(
    store: Store,
    doc: dict,
    model: usecases.Model,
    n: int,
    chosen: np.ndarray,
    scores: np.ndarray | None,
    history: tuple[np.ndarray, np.ndarray, np.ndarray | None],
) -> tuple[list[str], list[float] | None]:
    """Item ids and scores of the answer; Recommended for you explores new items as its
    ``itemExplorationConfig`` says (an explored item scores 0: the model has no score for it)."""
    config = doc["recommenderConfig"].get("itemExplorationConfig")
    if model.catalogue is None or not config or scores is None:
        return model.item_ids[chosen].tolist(), None if scores is None else scores.tolist()
    items, weights, exclude = history
    pool = streams.explorable(store, doc["datasetGroupArn"], model, float(config["explorationItemAgeCutOff"]))
    picked = usecases.explore(
        model,
        chosen,
        n,
        weight=float(config["explorationWeight"]),
        pool=pool,
        history=(items, weights),
        exclude=exclude,
    )
    ids = streams.served_ids(store, doc["datasetGroupArn"], model)
    score_of = dict(zip(chosen.tolist(), scores.tolist(), strict=True))
    return ids[picked].tolist(), [score_of.get(i, 0.0) for i in picked.tolist()]


def get_personalized_ranking(store: Store, params: dict) -> dict:
    """Order ``inputList`` for ``userId`` by a personalized-ranking campaign's scores (see ``rank_items``)."""
    _check_size("inputList", len(params["inputList"]), params, MAX_RANKING_ITEMS)
    doc, model, _ = _campaign(store, params["campaignArn"], ranking=True)
    columns = _metadata_columns(store, params, doc, params["campaignArn"])
    ranking = rank_items(store, doc, model, params)
    _add_metadata(store, doc, ranking, columns)
    recommendation = metric_attributions.recommendation_id(params["campaignArn"])
    return {"personalizedRanking": ranking, "recommendationId": recommendation}


def rank_items(store: Store, doc: dict, model: usecases.Model, request: dict) -> list[dict]:
    """A personalized-ranking model's order of a request's ``inputList`` for its ``userId``.

    Items the request's filter (``filterArn``, ``filterValues``) excludes are left out. Items the
    model knows come first, best first (ties in input order), each with its share of the list's
    positive scores (they sum to at most 1); unknown items follow in input order, without a
    score. A repeated item is ranked once.

    Args:
        store: the state.
        doc: ``version_source``'s document of the campaign's (or batch job's) solution version.
        model: the loaded model.
        request: ``userId``, ``inputList``, and optionally ``filterArn`` and ``filterValues``.

    Returns:
        ``[{"itemId", "score"?}]``, one per distinct input item the filter keeps.

    Raises:
        InvalidInputException, ResourceNotFoundException: the filter cannot apply (see ``excluded_items``).
    """
    given = list(dict.fromkeys(request["inputList"]))
    left_out = _filtered(store, request, doc, np.asarray(given, dtype=str))
    if left_out is not None:
        given = np.delete(np.asarray(given, dtype=object), left_out).tolist()
    items, weights, ts, _purchased = _history(store, doc, model, request["userId"])
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


def get_action_recommendations(store: Store, params: dict) -> dict:
    """The actions a user will most likely take, from a Next-Best-Action campaign (see the module doc)."""
    if params.get("filterArn") or params.get("filterValues"):
        raise errors.NotEmulatedError("personalize-runtime", "GetActionRecommendations with filterArn")
    arn = params["campaignArn"]
    _, version, model = campaigns.serving(store, arn)
    recipe = solutions.recipe_of(version)
    if recipe != solutions.NEXT_BEST_ACTION or model.actions is None:
        raise errors.InvalidInputException(
            f"Campaign {arn} deploys a {recipe} model; GetActionRecommendations needs a "
            f"{solutions.NEXT_BEST_ACTION} campaign."
        )
    n = params.get("numResults", DEFAULT_RESULTS)
    _check_size("numResults", n, params, MAX_RESULTS)
    chosen, scores = model.actions.rank(model.user_row(params.get("userId") or ""), n)
    listed = [
        {"actionId": str(model.item_ids[i]), "score": round(float(score), 7)}
        for i, score in zip(chosen.tolist(), scores.tolist(), strict=True)
    ]
    return {"actionList": listed, "recommendationId": f"RID-{uuid.uuid4()}"}

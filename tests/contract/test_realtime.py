"""Behaviour of Recommended for you with real-time events, cold start and exploration, on a small
synthetic shop (``helpers.datagen``) where categories and new products are known."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from helpers import aws, config, datagen
from helpers.datagen import schemas
from helpers.localaws.engine import jobs
from helpers.localaws.personalize.training import usecases
from tests.contract import shop
from tests.contract.conftest import _client, wait_for

N_RESULTS = 10
NOW = int(config.NOW.timestamp())


def _dataset(personalize, s3, group: str, kind: str, frame: pd.DataFrame, prefix: str = "rt") -> str:
    schema = personalize.create_schema(
        name=f"{prefix}-{kind}", schema=schemas.as_json(kind), domain="ECOMMERCE"
    )
    arn = personalize.create_dataset(
        name=f"{prefix}-{kind}",
        datasetType=kind.title(),
        datasetGroupArn=group,
        schemaArn=schema["schemaArn"],
    )["datasetArn"]
    wait_for(personalize.describe_dataset, "dataset", datasetArn=arn)
    body = schemas.personalize_view(frame, kind).to_csv(index=False).encode()
    job = shop.import_csv(personalize, s3, arn, body, f"{prefix}-{kind.lower()}")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    return arn


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A synthetic shop (15 % new products), its Recommended for you and an event tracker."""
    root = tmp_path_factory.mktemp("realtime") / "state"
    aws.activate("local", root)
    personalize, s3 = _client("personalize"), _client("s3")
    rng = np.random.default_rng(config.SEED)
    users = datagen.make_users(rng, 400)
    items = datagen.make_items(rng, 240, now=config.NOW, n_days=30, new_share=0.15)
    events = datagen.make_interactions(rng, users, items, now=config.NOW, n_interactions=30_000, n_days=30)
    s3.create_bucket(Bucket=shop.BUCKET)
    group = personalize.create_dataset_group(name="rt", domain="ECOMMERCE")["datasetGroupArn"]
    wait_for(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    _dataset(personalize, s3, group, "INTERACTIONS", events)
    items_arn = _dataset(personalize, s3, group, "ITEMS", items)
    rec = shop.create_recommender(personalize, group, shop.FOR_YOU, "rt-you")
    assert rec["status"] == "ACTIVE", rec.get("failureReason")
    tracker = personalize.create_event_tracker(name="rt-tracker", datasetGroupArn=group)
    wait_for(personalize.describe_event_tracker, "eventTracker", eventTrackerArn=tracker["eventTrackerArn"])
    yield {
        "root": root,
        "items": items,
        "items_arn": items_arn,
        "you": rec["recommenderArn"],
        "trackingId": tracker["trackingId"],
        "users": users,
    }
    jobs.wait_idle(30)


@pytest.fixture
def shop_(synthetic):
    aws.activate("local", synthetic["root"])
    return synthetic


def _recommend(user: str, shop_: dict, n: int = N_RESULTS) -> list[str]:
    answer = _client("personalize-runtime").get_recommendations(
        recommenderArn=shop_["you"], userId=user, numResults=n
    )
    return [i["itemId"] for i in answer["itemList"]]


def _view(user: str, item_ids: list[str], shop_: dict) -> None:
    events = [{"eventType": "View", "itemId": i, "sentAt": NOW + k} for k, i in enumerate(item_ids)]
    _client("personalize-events").put_events(
        trackingId=shop_["trackingId"], userId=user, sessionId=f"{user}-visit", eventList=events
    )


def _set_exploration(weight: float, shop_: dict, cutoff_days: int = 30) -> None:
    personalize = _client("personalize")
    exploration = {"explorationWeight": str(weight), "explorationItemAgeCutOff": str(cutoff_days)}
    config_ = {"itemExplorationConfig": exploration}
    personalize.update_recommender(recommenderArn=shop_["you"], recommenderConfig=config_)
    describe = personalize.describe_recommender
    wait_for(
        lambda: {"u": describe(recommenderArn=shop_["you"])["recommender"]["latestRecommenderUpdate"]}, "u"
    )


def test_five_views_of_a_category_raise_its_share(shop_):
    category = dict(zip(shop_["items"].ITEM_ID, shop_["items"].CATEGORY_L1, strict=True))
    items = shop_["items"][~shop_["items"].IS_NEW]
    lifted = []
    for k, target in enumerate(items.CATEGORY_L1.value_counts().index[:5]):
        user = f"newcomer-{k}"
        before = np.mean([category.get(i) == target for i in _recommend(user, shop_)])
        _view(user, list(items[items.CATEGORY_L1 == target].ITEM_ID[:5]), shop_)
        after = np.mean([category.get(i) == target for i in _recommend(user, shop_)])
        lifted.append(after - before)
        # at least 3 of 10: the rest go to the categories that shoppers of this one also browse
        # (personas pair categories), which is what a collaborative model should add
        assert after >= 0.3 and after > before, (target, before, after)
    assert np.mean(lifted) >= 0.4


def test_exploration_share_rises_with_the_weight_and_keeps_the_top_of_the_list(shop_):
    """New items take a share of the list that rises with explorationWeight, from the bottom up:
    the first (1 - weight) of each list is the list without exploration (its cost stays small)."""
    new = set(shop_["items"].ITEM_ID[shop_["items"].IS_NEW])
    users = shop_["users"].USER_ID[:80]
    lists, shares = {}, {}
    try:
        for weight in (0.0, 0.3, 0.6, 1.0):
            _set_exploration(weight, shop_)
            lists[weight] = [_recommend(u, shop_) for u in users]
            shares[weight] = np.mean([i in new for items in lists[weight] for i in items])
    finally:
        _set_exploration(0.3, shop_)
    assert shares[0.0] == 0 < shares[0.3] < shares[0.6] < shares[1.0] <= 0.5 + 1e-9, shares
    for weight in (0.3, 0.6):
        kept = int((1 - weight) * 10 + 1e-9)
        assert all(a[:kept] == b[:kept] for a, b in zip(lists[weight], lists[0.0], strict=True)), weight


def test_exploration_age_cut_off(shop_):
    """Only products younger than the cut-off (counted back from the newest event) are explored;
    the same request gets the same list."""
    items = shop_["items"]
    _set_exploration(0.6, shop_, cutoff_days=2)
    try:
        lists = [_recommend(u, shop_) for u in shop_["users"].USER_ID[:40]]
        assert lists == [_recommend(u, shop_) for u in shop_["users"].USER_ID[:40]]
    finally:
        _set_exploration(0.3, shop_)
    created = dict(zip(items.ITEM_ID, items.CREATION_TIMESTAMP, strict=True))
    new = set(items.ITEM_ID[items.IS_NEW])
    explored = {i for items_ in lists for i in items_ if i in new}
    assert explored and all(NOW - created[i] <= 2 * 86_400 + 3_600 for i in explored)
    older_new = {i for i in new if NOW - created[i] > 2 * 86_400 + 3_600}
    assert older_new, "the shop should have new products older than the cut-off"


def test_a_new_product_reaches_shoppers_of_its_category(shop_):
    """PutItems launches a product nobody has seen: exploration shows it to a shopper who browses
    its category (content similarity), first among the explored items, before any retraining."""
    items = shop_["items"][~shop_["items"].IS_NEW]
    target = items.CATEGORY_L1.value_counts().index[0]
    props = {"price": 20.99, "categoryL1": target, "categoryL2": None, "productName": "Launch",
             "productDescription": f"A brand-new {target} product.", "gender": "U", "promoted": "N",
             "creationTimestamp": NOW}  # fmt: skip
    _client("personalize-events").put_items(
        datasetArn=shop_["items_arn"], items=[{"itemId": "launch-1", "properties": json.dumps(props)}]
    )
    _view("browser", list(items[items.CATEGORY_L1 == target].ITEM_ID[:5]), shop_)
    assert "launch-1" in _recommend("browser", shop_, n=25)


def test_content_ignores_what_personalize_ignores():
    """Only categorical and textual fields describe an item; a plain string (PRODUCT_NAME) does not."""
    items = pd.DataFrame(
        {
            "ITEM_ID": ["a", "b"],
            "CATEGORY_L1": ["shoes|sale", None],
            "PRODUCT_NAME": ["Trail runner", "Trail runner"],
            "PRODUCT_DESCRIPTION": ["Light running shoes", None],
            "CREATION_TIMESTAMP": [NOW, None],
        }
    )
    created, tokens = usecases.item_metadata(
        items, np.array(["b", "a", "c"]), ("CATEGORY_L1",), ("PRODUCT_DESCRIPTION",)
    )
    assert tokens == [[], ["CATEGORY_L1=shoes", "CATEGORY_L1=sale", "light", "running", "shoes"], []]
    assert np.isnan(created[0]) and created[1] == NOW and np.isnan(created[2])


def test_without_item_metadata_a_known_shopper_gets_the_models_list(shop_):
    """With Interactions only, nothing relates a new item to a shopper's history: a shopper with
    history gets the model's list; a shopper without one still gets new items tried out."""
    personalize, s3 = _client("personalize"), _client("s3")
    group = personalize.create_dataset_group(name="rt-bare", domain="ECOMMERCE")["datasetGroupArn"]
    wait_for(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    events = datagen.make_interactions(
        np.random.default_rng(config.SEED), shop_["users"], shop_["items"], now=config.NOW,
        n_interactions=30_000, n_days=30,
    )  # fmt: skip
    _dataset(personalize, s3, group, "INTERACTIONS", events, prefix="rt-bare")
    no_exploration = {"itemExplorationConfig": {"explorationWeight": "0"}}
    arns = {
        weight: shop.create_recommender(personalize, group, shop.FOR_YOU, f"rt-bare-{k}", **config_)[
            "recommenderArn"
        ]
        for k, (weight, config_) in enumerate({"0.3": {}, "0": {"recommenderConfig": no_exploration}}.items())
    }
    runtime = _client("personalize-runtime")

    def lists(user: str) -> dict[str, list[str]]:
        answers = {
            w: runtime.get_recommendations(recommenderArn=a, userId=user, numResults=25)
            for w, a in arns.items()
        }
        return {w: [i["itemId"] for i in answer["itemList"]] for w, answer in answers.items()}

    for user in shop_["users"].USER_ID[:30]:
        got = lists(user)
        assert got["0.3"] == got["0"], user
    cold = lists("nobody-seen")
    assert set(cold["0.3"]) - set(cold["0"]), cold

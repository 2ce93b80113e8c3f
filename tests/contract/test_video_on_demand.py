"""Contract tests of the VIDEO_ON_DEMAND domain: its recipes, recommenders and their answers.

The shop of ``shop`` as a video service: its ``View`` events are ``Watch`` events, its
``Purchase`` events ``Click`` events; the videos carry the shop items' categories as genres.
"""

from __future__ import annotations

import json

import pytest

from helpers import aws
from helpers.localaws.personalize.training import usecases
from tests.contract import shop
from tests.contract.conftest import _client, assert_error, assert_valid, snapshot, wait_for

VOD = "arn:aws:personalize:::recipe/aws-vod-"
RECIPES = {
    "watched": VOD + "because-you-watched-x",
    "more-like": VOD + "more-like-x",
    "popular": VOD + "most-popular",
    "trending": VOD + "trending-now",
    "top-picks": VOD + "top-picks",
}


def _as_video(data: list[tuple[str, str, int, str]]) -> list[tuple[str, str, int, str]]:
    return [(u, i, t, {"View": "Watch", "Purchase": "Click"}[e]) for u, i, t, e in data]


def _make_group(client, s3, name: str = "vod", items: bool = True) -> str:
    group = client.create_dataset_group(name=name, domain="VIDEO_ON_DEMAND")["datasetGroupArn"]
    wait_for(client.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    if shop.BUCKET not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket=shop.BUCKET)
    for kind, schema, body in (
        ("Interactions", shop.schema(), shop.to_csv(_as_video(shop.rows()))),
        ("Items", _items_schema(), _items_csv()),
    ):
        if kind == "Items" and not items:
            continue
        arn = client.create_schema(name=f"{name}-{kind}", schema=schema, domain="VIDEO_ON_DEMAND")[
            "schemaArn"
        ]
        dataset = client.create_dataset(
            name=f"{name}-{kind}", datasetType=kind, datasetGroupArn=group, schemaArn=arn
        )
        wait_for(client.describe_dataset, "dataset", datasetArn=dataset["datasetArn"])
        job = shop.import_csv(client, s3, dataset["datasetArn"], body, f"{name}-{kind}")
        assert job["status"] == "ACTIVE", job.get("failureReason")
    return group


def _items_schema() -> str:
    fields = [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "GENRES", "type": "string", "categorical": True},
    ]
    return json.dumps({"type": "record", "name": "Items", "fields": fields, "version": "1.0"})


def _items_csv() -> bytes:
    items = sorted({r[1] for r in shop.rows()})
    return "\n".join(["ITEM_ID,GENRES"] + [f"{i},{shop.category(i)}" for i in items]).encode()


@pytest.fixture(scope="module")
def shop_state(tmp_path_factory):
    """A VIDEO_ON_DEMAND dataset group with an ACTIVE recommender of each use case."""
    root = tmp_path_factory.mktemp("vod")
    aws.activate("local", root)
    client, s3 = _client("personalize"), _client("s3")
    group = _make_group(client, s3)
    names = {"group": group}
    for key, recipe in RECIPES.items():
        found = shop.create_recommender(client, group, recipe, f"vod-{key}")
        assert found["status"] == "ACTIVE", found.get("failureReason")
        names[key] = found["recommenderArn"]
    return root, names


def test_list_recipes__video_on_demand(client):
    listed = client.list_recipes(domain="VIDEO_ON_DEMAND")["recipes"]
    assert_valid(client, "ListRecipes")
    assert {r["recipeArn"] for r in listed} == set(RECIPES.values())
    assert {r["domain"] for r in listed} == {"VIDEO_ON_DEMAND"}
    assert set(RECIPES.values()) <= {r["recipeArn"] for r in client.list_recipes()["recipes"]}


@pytest.mark.parametrize("key", sorted(RECIPES))
def test_create_recommender__every_use_case_trains_with_metrics(client, arns, key):
    found = client.describe_recommender(recommenderArn=arns[key])["recommender"]
    assert_valid(client, "DescribeRecommender")
    assert found["status"] == "ACTIVE"
    assert set(found["modelMetrics"]) and all(0 <= v <= 1 for v in found["modelMetrics"].values())


def test_because_you_watched_x__co_watched_and_not_watched(runtime, arns):
    got = runtime.get_recommendations(recommenderArn=arns["watched"], userId="u3", itemId="x", numResults=5)
    assert_valid(runtime, "GetRecommendations")
    ids = [i["itemId"] for i in got["itemList"]]
    assert "y" not in ids  # u3 watched y: the use case leaves out what the user watched
    other = runtime.get_recommendations(
        recommenderArn=arns["watched"], userId="new", itemId="x", numResults=1
    )
    assert other["itemList"][0]["itemId"] == "y"


def test_top_picks__a_users_genre(runtime, arns):
    got = runtime.get_recommendations(recommenderArn=arns["top-picks"], userId="u3", numResults=5)
    assert "b" not in [i["itemId"][0] for i in got["itemList"]]  # u3 watches genre A only


@pytest.mark.parametrize(("key", "missing"), [("watched", "itemId"), ("top-picks", "userId")])
def test_get_recommendations__required_ids(runtime, arns, key, missing):
    given = {"userId": "u1", "itemId": "x"}
    given.pop(missing)
    assert_error(
        lambda: runtime.get_recommendations(recommenderArn=arns[key], **given),
        "InvalidInputException",
        400,
        f"{missing} is required",
    )


@pytest.mark.parametrize(
    ("recipe", "domain", "message"),
    [
        (shop.FOR_YOU, "VIDEO_ON_DEMAND", "not a use case of the VIDEO_ON_DEMAND domain"),
        (RECIPES["top-picks"], "ECOMMERCE", "not a use case of the ECOMMERCE domain"),
    ],
)
def test_create_recommender__recipe_of_another_domain(personalize, s3, state, recipe, domain, message):
    if domain == "ECOMMERCE":
        group, _ = shop.make_group(personalize, s3, shop.rows(), name="shop")
    else:
        group = _make_group(personalize, s3, items=False)
    before = snapshot(state)
    assert_error(
        lambda: personalize.create_recommender(name="r", datasetGroupArn=group, recipeArn=recipe),
        "InvalidInputException",
        400,
        message,
    )
    assert snapshot(state) == before


def test_create_recommender__more_like_x_needs_items(personalize, s3):
    group = _make_group(personalize, s3, items=False)
    found = shop.create_recommender(personalize, group, RECIPES["more-like"], "more-like")
    assert found["status"] == "CREATE FAILED"
    assert "needs an Items dataset" in found["failureReason"]


def test_create_recommender__watch_minimum(personalize, s3):
    group = personalize.create_dataset_group(name="few", domain="VIDEO_ON_DEMAND")["datasetGroupArn"]
    wait_for(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    s3.create_bucket(Bucket=shop.BUCKET)
    schema = personalize.create_schema(name="few", schema=shop.schema(), domain="VIDEO_ON_DEMAND")[
        "schemaArn"
    ]
    dataset = personalize.create_dataset(
        name="few", datasetType="Interactions", datasetGroupArn=group, schemaArn=schema
    )["datasetArn"]
    wait_for(personalize.describe_dataset, "dataset", datasetArn=dataset)
    clicks = [(u, i, t, "Click") for u, i, t, _ in shop.rows()]
    shop.import_interactions(personalize, s3, dataset, clicks)
    found = shop.create_recommender(personalize, group, RECIPES["watched"], "watched")
    assert found["status"] == "CREATE FAILED"
    assert "at minimum 1000 Watch events" in found["failureReason"]


def test_use_cases_table_covers_the_listed_recipes(client):
    listed = {r["name"] for r in client.list_recipes(domain="VIDEO_ON_DEMAND")["recipes"]}
    assert listed == set(usecases.VIDEO_ON_DEMAND)

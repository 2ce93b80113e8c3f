"""Contract tests of local Personalize recommenders: create, describe, list, update, stop/start, delete."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from helpers.localaws.engine import jobs
from helpers.localaws.personalize.training import usecases
from helpers.recsys.metrics import PERSONALIZE_METRIC_KEYS
from tests.contract import shop
from tests.contract.conftest import assert_error, assert_valid, wait_for

REGION_ACCOUNT = f"{os.environ.get('AWS_DEFAULT_REGION', 'us-east-1')}:123456789012"


@pytest.fixture
def group(personalize, s3):
    return shop.make_group(personalize, s3, shop.rows())[0]


def _describe(personalize, arn: str) -> dict:
    return personalize.describe_recommender(recommenderArn=arn)["recommender"]


def _gone(personalize, arn: str) -> dict:
    try:
        return {"r": {"status": _describe(personalize, arn)["status"]}}
    except personalize.exceptions.ResourceNotFoundException:
        return {"r": {"status": "GONE"}}


def _wait_update(personalize, arn: str) -> dict:
    """Wait until the latest update of a recommender is ACTIVE or CREATE FAILED; return it."""
    return wait_for(lambda: {"u": _describe(personalize, arn)["latestRecommenderUpdate"]}, "u", timeout=30)


def _top(runtime, arn: str, n: int = 3, **kw) -> list[str]:
    answer = runtime.get_recommendations(recommenderArn=arn, numResults=n, **kw)
    return [i["itemId"] for i in answer["itemList"]]


# --- create and describe --------------------------------------------------------------------
def test_create_recommender(personalize, group, state):
    arn = personalize.create_recommender(name="for-you", datasetGroupArn=group, recipeArn=shop.FOR_YOU)[
        "recommenderArn"
    ]
    assert_valid(personalize, "CreateRecommender")
    assert arn == f"arn:aws:personalize:{REGION_ACCOUNT}:recommender/for-you"
    assert _describe(personalize, arn)["status"] == "ACTIVE"  # Describe waits for the training
    rec = wait_for(personalize.describe_recommender, "recommender", recommenderArn=arn)
    assert_valid(personalize, "DescribeRecommender")
    assert rec["status"] == "ACTIVE", rec.get("failureReason")
    assert (rec["name"], rec["datasetGroupArn"], rec["recipeArn"]) == ("for-you", group, shop.FOR_YOU)
    assert rec["recommenderConfig"] == {
        "minRecommendationRequestsPerSecond": 1,
        "enableMetadataWithRecommendations": False,
        "itemExplorationConfig": {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"},
    }
    assert set(rec["modelMetrics"]) == set(PERSONALIZE_METRIC_KEYS)
    assert all(0 <= v <= 1 for v in rec["modelMetrics"].values())
    assert [f.name for f in (state.models_dir / "recommender").iterdir()] == [
        state.get("recommender", arn)["modelFile"].rsplit("/", 1)[1]
    ]


@pytest.mark.parametrize(
    "recipe", [shop.MOST_VIEWED, shop.BEST_SELLERS, shop.ALSO_VIEWED, shop.BOUGHT_TOGETHER, shop.FOR_YOU]
)
def test_create_recommender__every_use_case(personalize, group, recipe):
    rec = shop.create_recommender(
        personalize, group, recipe, "r", recommenderConfig={"minRecommendationRequestsPerSecond": 2}
    )
    assert rec["status"] == "ACTIVE", rec.get("failureReason")
    assert rec["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 2
    assert ("itemExplorationConfig" in rec["recommenderConfig"]) == (recipe == shop.FOR_YOU)
    assert set(rec["modelMetrics"]) == set(PERSONALIZE_METRIC_KEYS)


def test_create_recommender__already_exists(personalize, group):
    shop.create_recommender(personalize, group, shop.MOST_VIEWED, "dup")
    call = lambda: personalize.create_recommender(  # noqa: E731
        name="dup", datasetGroupArn=group, recipeArn=shop.BEST_SELLERS
    )
    assert_error(call, "ResourceAlreadyExistsException", 400, "dup")


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        (
            {"recipeArn": "arn:aws:personalize:::recipe/aws-user-personalization"},
            "InvalidInputException",
            "ECOMMERCE",
        ),
        (
            {"recipeArn": "arn:aws:personalize:::recipe/aws-vod-top-picks"},
            "InvalidInputException",
            "ECOMMERCE",
        ),
        ({"name": "bad name"}, "InvalidInputException", "pattern"),
        (
            {"datasetGroupArn": f"arn:aws:personalize:{REGION_ACCOUNT}:dataset-group/none"},
            "ResourceNotFoundException",
            "dataset-group/none",
        ),
        (
            {
                "recipeArn": shop.MOST_VIEWED,
                "recommenderConfig": {"itemExplorationConfig": {"explorationWeight": "0.1"}},
            },
            "InvalidInputException",
            "itemExplorationConfig",
        ),
        (
            {"recommenderConfig": {"itemExplorationConfig": {"explorationWeight": "2"}}},
            "InvalidInputException",
            "explorationWeight",
        ),
        (
            {
                "recommenderConfig": {
                    "trainingDataConfig": {"excludedDatasetColumns": {"INTERACTIONS": ["USER_ID"]}}
                }
            },
            "InvalidInputException",
            "USER_ID",
        ),
    ],
    ids=[
        "custom-recipe",
        "other-domain-recipe",
        "bad-name",
        "no-group",
        "exploration-not-for-you",
        "exploration-weight",
        "excluded-required-column",
    ],
)
def test_create_recommender__invalid(personalize, group, kwargs, code, message):
    params = {"name": "r", "datasetGroupArn": group, "recipeArn": shop.FOR_YOU, **kwargs}
    assert_error(lambda: personalize.create_recommender(**params), code, 400, message)
    assert personalize.list_recommenders()["recommenders"] == []


def test_create_recommender__metadata(personalize, personalize_runtime, group):
    """The flag is stored and described; without an Items dataset there is no metadata to give."""
    config = {"enableMetadataWithRecommendations": True}
    rec = shop.create_recommender(personalize, group, shop.MOST_VIEWED, "views", recommenderConfig=config)
    assert rec["recommenderConfig"]["enableMetadataWithRecommendations"] is True
    listed = personalize.list_recommenders(datasetGroupArn=group)["recommenders"]
    assert listed[0]["recommenderConfig"]["enableMetadataWithRecommendations"] is True
    assert_error(
        lambda: personalize_runtime.get_recommendations(
            recommenderArn=rec["recommenderArn"], userId="u0", metadataColumns={"ITEMS": ["PRICE"]}
        ),
        "InvalidInputException",
        400,
        f"metadataColumns needs an Items dataset, and dataset group {group} has none",
    )


def test_create_recommender__custom_dataset_group(personalize, s3):
    group, _ = shop.make_group(personalize, s3, shop.rows(), name="custom", domain=None)
    call = lambda: personalize.create_recommender(  # noqa: E731
        name="r", datasetGroupArn=group, recipeArn=shop.MOST_VIEWED
    )
    assert_error(call, "InvalidInputException", 400, "ECOMMERCE domain dataset group")


def test_create_recommender__needs_interactions(personalize, s3):
    bare = personalize.create_dataset_group(name="bare", domain="ECOMMERCE")["datasetGroupArn"]
    wait_for(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=bare)

    def call(g):
        return lambda: personalize.create_recommender(name="r", datasetGroupArn=g, recipeArn=shop.MOST_VIEWED)

    assert_error(call(bare), "InvalidInputException", 400, "no Interactions dataset")
    empty, _ = shop.make_group(personalize, s3, None, name="empty")
    assert_error(call(empty), "InvalidInputException", 400, "no imported data")


def test_create_recommender__needs_the_use_case_event_type(personalize, s3):
    """Without Purchase events, Best sellers and Frequently bought together fail to train."""
    group, _ = shop.make_group(personalize, s3, shop.rows(purchases=False))
    for recipe in (shop.BEST_SELLERS, shop.BOUGHT_TOGETHER):
        rec = shop.create_recommender(personalize, group, recipe, recipe.rsplit("-", 1)[1])
        assert rec["status"] == "CREATE FAILED" and "modelMetrics" not in rec
        assert rec["failureReason"].endswith(
            "needs at minimum 1000 Purchase events; the Interactions dataset has 0."
        )
    assert shop.create_recommender(personalize, group, shop.ALSO_VIEWED, "cwv")["status"] == "ACTIVE"


@pytest.mark.parametrize(
    ("recipe", "event_type", "use_case"),
    [
        (shop.MOST_VIEWED, "View", "Most viewed"),
        (shop.BEST_SELLERS, "Purchase", "Best sellers"),
        (shop.ALSO_VIEWED, "View", "Customers who viewed X also viewed"),
        (shop.BOUGHT_TOGETHER, "Purchase", "Frequently bought together"),
        (shop.FOR_YOU, "View", "Recommended for you"),
    ],
    ids=["most-viewed", "best-sellers", "customers-who-viewed-x", "frequently-bought-together", "for-you"],
)
def test_create_recommender__event_type_minimum(personalize, s3, recipe, event_type, use_case):
    """One event short of the use case's minimum (1,000 of its type), training fails; at it, it succeeds."""
    data = shop.rows()
    below, _ = shop.make_group(personalize, s3, shop.with_count(data, event_type, shop.MINIMUM - 1), "below")
    rec = shop.create_recommender(personalize, below, recipe, "below")
    assert rec["status"] == "CREATE FAILED" and "modelMetrics" not in rec
    assert rec["failureReason"] == (
        f"The {use_case} use case ({recipe.rsplit('/', 1)[1]}) needs at minimum 1000 {event_type} events; "
        "the Interactions dataset has 999."
    )
    at, _ = shop.make_group(personalize, s3, shop.with_count(data, event_type, shop.MINIMUM), "at")
    rec = shop.create_recommender(personalize, at, recipe, "at")
    assert rec["status"] == "ACTIVE", rec.get("failureReason")


def test_describe_recommender__not_found(personalize, group):
    arn = f"arn:aws:personalize:{REGION_ACCOUNT}:recommender/none"
    assert_error(
        lambda: personalize.describe_recommender(recommenderArn=arn), "ResourceNotFoundException", 400, arn
    )


def test_describe_recommender__resumes_an_orphaned_training(personalize, group, state):
    """Training whose process died before it ran is claimed and run by the next Describe."""
    code = (
        "import sys\nfrom helpers import aws\naws.activate('local', sys.argv[1])\n"
        "from helpers.localaws.engine import jobs\n"
        "jobs._spawn = lambda *a: None  # die before the work starts\n"
        "import boto3\nprint(boto3.client('personalize').create_recommender(name='orphan', "
        f"datasetGroupArn='{group}', recipeArn='{shop.FOR_YOU}')['recommenderArn'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(state.root)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    arn = out.stdout.strip()
    assert state.job_get(arn) is not None
    assert wait_for(personalize.describe_recommender, "recommender", recommenderArn=arn)["status"] == "ACTIVE"


# --- list -----------------------------------------------------------------------------------
def test_list_recommenders(personalize, s3, group):
    for name, recipe in (("a", shop.MOST_VIEWED), ("b", shop.BEST_SELLERS), ("c", shop.FOR_YOU)):
        shop.create_recommender(personalize, group, recipe, name)
    other, _ = shop.make_group(personalize, s3, shop.rows(), name="other")
    shop.create_recommender(personalize, other, shop.MOST_VIEWED, "d")
    first = personalize.list_recommenders(datasetGroupArn=group, maxResults=2)
    assert_valid(personalize, "ListRecommenders")
    rest = personalize.list_recommenders(datasetGroupArn=group, maxResults=2, nextToken=first["nextToken"])
    names = [r["name"] for r in first["recommenders"] + rest["recommenders"]]
    assert names == ["c", "b", "a"] and "nextToken" not in rest
    assert {r["status"] for r in first["recommenders"]} == {"ACTIVE"}
    assert len(personalize.list_recommenders()["recommenders"]) == 4
    paged = personalize.get_paginator("list_recommenders").paginate(PaginationConfig={"PageSize": 3})
    assert sorted(r["name"] for page in paged for r in page["recommenders"]) == ["a", "b", "c", "d"]
    assert_error(lambda: personalize.list_recommenders(nextToken="garbage"), "InvalidNextTokenException", 400)


# --- stop and start -------------------------------------------------------------------------
def test_stop_and_start_recommender(personalize, personalize_runtime, group):
    arn = shop.create_recommender(personalize, group, shop.MOST_VIEWED, "views")["recommenderArn"]
    assert personalize.stop_recommender(recommenderArn=arn)["recommenderArn"] == arn
    assert_valid(personalize, "StopRecommender")
    assert _describe(personalize, arn)["status"] == "INACTIVE"
    stopped = wait_for(
        personalize.describe_recommender, "recommender", done=("INACTIVE",), recommenderArn=arn
    )
    assert "modelMetrics" in stopped
    assert_error(
        lambda: personalize.stop_recommender(recommenderArn=arn), "ResourceInUseException", 400, "INACTIVE"
    )
    assert_error(
        lambda: personalize_runtime.get_recommendations(recommenderArn=arn, userId="u0"),
        "InvalidInputException",
        400,
        "INACTIVE",
    )
    assert personalize.start_recommender(recommenderArn=arn)["recommenderArn"] == arn
    assert_valid(personalize, "StartRecommender")
    assert _describe(personalize, arn)["status"] == "ACTIVE"
    assert wait_for(personalize.describe_recommender, "recommender", recommenderArn=arn)["status"] == "ACTIVE"
    assert _top(personalize_runtime, arn, userId="u0") == ["x", "y", "a0"]
    assert_error(
        lambda: personalize.start_recommender(recommenderArn=arn), "ResourceInUseException", 400, "ACTIVE"
    )


def test_stop_recommender__not_found(personalize, group):
    arn = f"arn:aws:personalize:{REGION_ACCOUNT}:recommender/none"
    assert_error(
        lambda: personalize.stop_recommender(recommenderArn=arn), "ResourceNotFoundException", 400, arn
    )


# --- update ---------------------------------------------------------------------------------
def test_update_recommender(personalize, group, state):
    arn = shop.create_recommender(personalize, group, shop.FOR_YOU, "for-you")["recommenderArn"]
    model_file = state.get("recommender", arn)["modelFile"]
    config = {"minRecommendationRequestsPerSecond": 3, "itemExplorationConfig": {"explorationWeight": "0.1"}}
    assert (
        personalize.update_recommender(recommenderArn=arn, recommenderConfig=config)["recommenderArn"] == arn
    )
    assert_valid(personalize, "UpdateRecommender")
    rec = _describe(personalize, arn)
    assert rec["status"] == "ACTIVE"  # it keeps serving while the update runs
    assert rec["latestRecommenderUpdate"]["status"] == "ACTIVE"
    done = _wait_update(personalize, arn)
    assert done["status"] == "ACTIVE"
    rec = _describe(personalize, arn)
    assert_valid(personalize, "DescribeRecommender")
    assert rec["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 3
    assert rec["recommenderConfig"]["itemExplorationConfig"] == {
        "explorationWeight": "0.1",
        "explorationItemAgeCutOff": "30",
    }
    assert done["recommenderConfig"] == rec["recommenderConfig"]
    assert state.get("recommender", arn)["modelFile"] == model_file  # no new training columns: no retraining


def test_update_recommender__new_training_config_retrains_on_new_data(
    personalize, personalize_runtime, s3, state
):
    group, dataset = shop.make_group(personalize, s3, shop.rows())
    arn = shop.create_recommender(personalize, group, shop.BEST_SELLERS, "best")["recommenderArn"]
    old_file = state.absolute(state.get("recommender", arn)["modelFile"])
    assert _top(personalize_runtime, arn, userId="u0") == ["p1", "p2", "p3"]
    shop.import_interactions(personalize, s3, dataset, shop.buy("z"), name="more", mode="INCREMENTAL")
    assert _top(personalize_runtime, arn, userId="u0") == ["p1", "p2", "p3"]  # trained before the import
    columns = {"trainingDataConfig": {"excludedDatasetColumns": {"ITEMS": ["PRICE"]}}}
    personalize.update_recommender(recommenderArn=arn, recommenderConfig=columns)
    _wait_update(personalize, arn)
    assert _top(personalize_runtime, arn, userId="u0") == ["z", "p1", "p2"]
    assert (
        _describe(personalize, arn)["recommenderConfig"]["trainingDataConfig"]
        == columns["trainingDataConfig"]
    )
    assert not old_file.exists()


def test_update_recommender__retraining_below_the_minimum_fails(personalize, personalize_runtime, s3):
    """Data replaced by too few Purchase events: the update fails, the recommender keeps its model."""
    group, dataset = shop.make_group(personalize, s3, shop.rows())
    arn = shop.create_recommender(personalize, group, shop.BEST_SELLERS, "best")["recommenderArn"]
    fewer = shop.with_count(shop.rows(), "Purchase", shop.MINIMUM - 1)
    shop.import_interactions(personalize, s3, dataset, fewer, name="fewer")
    columns = {"trainingDataConfig": {"excludedDatasetColumns": {"ITEMS": ["PRICE"]}}}
    personalize.update_recommender(recommenderArn=arn, recommenderConfig=columns)
    update = _wait_update(personalize, arn)
    assert update["status"] == "CREATE FAILED"
    assert update["failureReason"].endswith(
        "needs at minimum 1000 Purchase events; the Interactions dataset has 999."
    )
    assert _describe(personalize, arn)["status"] == "ACTIVE"
    assert _top(personalize_runtime, arn, userId="u0") == ["p1", "p2", "p3"]


def test_update_recommender__only_when_active(personalize, group):
    arn = shop.create_recommender(personalize, group, shop.MOST_VIEWED, "views")["recommenderArn"]
    personalize.stop_recommender(recommenderArn=arn)
    wait_for(personalize.describe_recommender, "recommender", done=("INACTIVE",), recommenderArn=arn)
    call = lambda: personalize.update_recommender(  # noqa: E731
        recommenderArn=arn, recommenderConfig={"minRecommendationRequestsPerSecond": 2}
    )
    assert_error(call, "ResourceInUseException", 400, "INACTIVE")


# --- delete ---------------------------------------------------------------------------------
def test_delete_recommender(personalize, personalize_runtime, s3, state):
    group, dataset = shop.make_group(personalize, s3, shop.rows())
    arn = shop.create_recommender(personalize, group, shop.FOR_YOU, "for-you")["recommenderArn"]
    model_file = state.absolute(state.get("recommender", arn)["modelFile"])
    personalize.delete_dataset(datasetArn=dataset)
    wait_for(
        lambda: {"d": {"status": "GONE" if not state.get("dataset", dataset) else "-"}}, "d", done=("GONE",)
    )
    delete_group = lambda: personalize.delete_dataset_group(datasetGroupArn=group)  # noqa: E731
    assert_error(delete_group, "ResourceInUseException", 400, "recommenders")
    personalize.delete_recommender(recommenderArn=arn)
    assert_valid(personalize, "DeleteRecommender")
    wait_for(lambda **kw: _gone(personalize, **kw), "r", done=("GONE",), arn=arn)
    assert not model_file.exists()
    assert personalize.list_recommenders(datasetGroupArn=group)["recommenders"] == []
    assert_error(
        lambda: personalize_runtime.get_recommendations(recommenderArn=arn, userId="u0"),
        "ResourceNotFoundException",
        404,
        arn,
    )
    delete_group()


def test_delete_recommender__while_training(personalize, group, monkeypatch):
    monkeypatch.setattr(jobs, "_spawn", lambda *a: None)  # training never starts in this process
    arn = personalize.create_recommender(name="slow", datasetGroupArn=group, recipeArn=shop.FOR_YOU)[
        "recommenderArn"
    ]
    assert _describe(personalize, arn)["status"] == "CREATE PENDING"
    assert_error(
        lambda: personalize.delete_recommender(recommenderArn=arn),
        "ResourceInUseException",
        400,
        "CREATE PENDING",
    )
    monkeypatch.undo()
    assert wait_for(personalize.describe_recommender, "recommender", recommenderArn=arn)["status"] == "ACTIVE"


def test_recreate_recommender__trains_on_new_data(personalize, personalize_runtime, s3, state):
    group, dataset = shop.make_group(personalize, s3, shop.rows())
    arn = shop.create_recommender(personalize, group, shop.BEST_SELLERS, "best")["recommenderArn"]
    assert _top(personalize_runtime, arn, userId="u0") == ["p1", "p2", "p3"]
    personalize.delete_recommender(recommenderArn=arn)
    wait_for(lambda **kw: _gone(personalize, **kw), "r", done=("GONE",), arn=arn)
    shop.import_interactions(personalize, s3, dataset, shop.rows() + shop.buy("z"), name="again")
    assert shop.create_recommender(personalize, group, shop.BEST_SELLERS, "best")["recommenderArn"] == arn
    assert _top(personalize_runtime, arn, userId="u0") == ["z", "p1", "p2"]
    other = shop.create_recommender(personalize, group, shop.BOUGHT_TOGETHER, "fbt")["recommenderArn"]
    assert _top(personalize_runtime, other, 1, itemId="z") == ["p1"]


def test_tag_recommender(personalize, group):
    arn = shop.create_recommender(
        personalize, group, shop.MOST_VIEWED, "views", tags=[{"tagKey": "team", "tagValue": "shop"}]
    )["recommenderArn"]
    assert personalize.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"tagKey": "team", "tagValue": "shop"}
    ]
    personalize.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert personalize.list_tags_for_resource(resourceArn=arn)["tags"] == []


def test_list_recipes__ecommerce_recipes_are_the_trainable_use_cases(personalize):
    listed = {r["name"] for r in personalize.list_recipes(domain="ECOMMERCE")["recipes"]}
    assert listed == set(usecases.USE_CASES)

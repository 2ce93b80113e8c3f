"""Contract tests of the Semantic-Similarity and Next-Best-Action recipes, and their events.

The shop of ``shop`` with descriptions (category A items are "leather hiking boots", category B
items "silver pendant necklaces", ``x``/``y`` "garden hose", ``p*`` "coffee beans"), and four
actions whose takers are known: ``u0``–``u19`` take ``app``, ``u20``–``u39`` take ``review``.
"""

from __future__ import annotations

import json

import pytest

from helpers import aws, localaws
from helpers.recsys.metrics import PERSONALIZE_METRIC_KEYS
from tests.contract import shop
from tests.contract.conftest import _client, assert_error, assert_valid, snapshot, wait_for

RECIPE = "arn:aws:personalize:::recipe/"
SEMANTIC = RECIPE + "aws-semantic-similarity"
NBA = RECIPE + "aws-next-best-action"
DESCRIPTIONS = {
    "A": "Leather hiking boots for rough trails",
    "B": "Silver pendant necklace with a gift box",
    "X": "Garden hose for the summer lawn",
    "P": "Roasted coffee beans",
}
ACTIONS = {"app": 5.0, "review": 2.0, "newsletter": 1.0, "loyalty": 10.0}


def _schema(name: str, fields: list[dict]) -> str:
    return json.dumps({"type": "record", "name": name, "fields": fields, "version": "1.0"})


def _dataset(client, group: str, kind: str, fields: list[dict], csv_text: str | None, s3) -> str:
    schema = client.create_schema(name=f"new-{kind.lower()}", schema=_schema(kind.replace("_", ""), fields))
    arn = client.create_dataset(
        name=f"new-{kind.lower()}", datasetType=kind, datasetGroupArn=group, schemaArn=schema["schemaArn"]
    )["datasetArn"]
    wait_for(client.describe_dataset, "dataset", datasetArn=arn)
    if csv_text is not None:
        job = shop.import_csv(client, s3, arn, csv_text.encode(), f"new-{kind.lower()}")
        assert job["status"] == "ACTIVE", job.get("failureReason")
    return arn


def _action_rows() -> str:
    """Every shopper views every action once a day for a week and takes its own one each day."""
    lines = ["USER_ID,ACTION_ID,TIMESTAMP,EVENT_TYPE"]
    for u in range(40):
        own = "app" if u < 20 else "review"
        for day in range(7):
            at = shop.T0 + day * 86_400 + u * 60
            lines += [f"u{u},{a},{at},Viewed" for a in ACTIONS]
            lines.append(f"u{u},{own},{at + 30},Taken")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def shop_state(tmp_path_factory):
    """The shop with described items and actions, with an ACTIVE version and campaign of each recipe."""
    root = tmp_path_factory.mktemp("new-recipes")
    aws.activate("local", root)
    client, s3 = _client("personalize"), _client("s3")
    group, _ = shop.make_group(client, s3, shop.rows(), name="new", domain=None)
    items = sorted({r[1] for r in shop.rows()})
    described = "\n".join(
        ["ITEM_ID,CATEGORY,DESCRIPTION"]
        + [f"{i},{shop.category(i)},{DESCRIPTIONS[shop.category(i)]}" for i in items]
    )
    fields = [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "CATEGORY", "type": "string", "categorical": True},
        {"name": "DESCRIPTION", "type": "string", "textual": True},
    ]
    _dataset(client, group, "Items", fields, described, s3)
    actions = "\n".join(["ACTION_ID,VALUE"] + [f"{a},{v}" for a, v in ACTIONS.items()])
    action_fields = [{"name": "ACTION_ID", "type": "string"}, {"name": "VALUE", "type": "float"}]
    interaction_fields = [
        {"name": "USER_ID", "type": "string"},
        {"name": "ACTION_ID", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
        {"name": "EVENT_TYPE", "type": "string"},
    ]
    names = {"group": group}
    names["actions"] = _dataset(client, group, "Actions", action_fields, actions, s3)
    names["action_interactions"] = _dataset(
        client, group, "Action_Interactions", interaction_fields, _action_rows(), s3
    )
    for key, recipe in (("semantic", SEMANTIC), ("nba", NBA)):
        solution = client.create_solution(
            name=f"new-{key}", datasetGroupArn=group, recipeArn=recipe, performAutoTraining=False
        )["solutionArn"]
        wait_for(client.describe_solution, "solution", solutionArn=solution)
        version = client.create_solution_version(solutionArn=solution)["solutionVersionArn"]
        found = wait_for(client.describe_solution_version, "solutionVersion", solutionVersionArn=version)
        assert found["status"] == "ACTIVE", found.get("failureReason")
        campaign = client.create_campaign(name=f"new-{key}", solutionVersionArn=version)["campaignArn"]
        wait_for(client.describe_campaign, "campaign", campaignArn=campaign)
        names |= {key: solution, f"{key}_version": version, f"{key}_campaign": campaign}
    tracker = client.create_event_tracker(name="new-tracker", datasetGroupArn=group)
    wait_for(client.describe_event_tracker, "eventTracker", eventTrackerArn=tracker["eventTrackerArn"])
    names["tracking_id"] = tracker["trackingId"]
    return root, names


@pytest.fixture
def events(arns):
    return _client("personalize-events")


# --- ListRecipes and DescribeRecipe ---------------------------------------------------------
def test_list_recipes__the_newer_recipes(client):
    listed = {r["recipeArn"] for r in client.list_recipes()["recipes"]}
    assert_valid(client, "ListRecipes")
    for name in (
        "semantic-similarity",
        "next-best-action",
        "user-personalization-v2",
        "personalized-ranking-v2",
    ):
        assert f"{RECIPE}aws-{name}" in listed


@pytest.mark.parametrize(
    ("recipe", "recipe_type"), [(SEMANTIC, "RELATED_ITEMS"), (NBA, "PERSONALIZED_ACTIONS")]
)
def test_describe_recipe__type(client, recipe, recipe_type):
    assert client.describe_recipe(recipeArn=recipe)["recipe"]["recipeType"] == recipe_type
    assert_valid(client, "DescribeRecipe")


# --- Semantic-Similarity --------------------------------------------------------------------
def test_semantic_similarity__neighbours_share_the_description(client, runtime, arns):
    metrics = client.get_solution_metrics(solutionVersionArn=arns["semantic_version"])["metrics"]
    assert set(metrics) == set(PERSONALIZE_METRIC_KEYS)
    got = runtime.get_recommendations(campaignArn=arns["semantic_campaign"], itemId="a3", numResults=10)
    assert_valid(runtime, "GetRecommendations")
    ids = [i["itemId"] for i in got["itemList"]]
    assert [i[0] for i in ids] == ["a"] * 10 and "a3" not in ids


def test_semantic_similarity__ranking_influence(client, runtime, arns):
    """POPULARITY 1 lifts the best seller p1 (510 events) above the similar but less seen A items."""
    config = {"rankingInfluence": {"POPULARITY": 1.0, "FRESHNESS": 0.0}}
    campaign = client.create_campaign(
        name="new-influenced", solutionVersionArn=arns["semantic_version"], campaignConfig=config
    )["campaignArn"]
    found = wait_for(client.describe_campaign, "campaign", campaignArn=campaign)
    assert found["campaignConfig"]["rankingInfluence"] == config["rankingInfluence"]
    plain = runtime.get_recommendations(campaignArn=arns["semantic_campaign"], itemId="a3", numResults=3)
    lifted = runtime.get_recommendations(campaignArn=campaign, itemId="a3", numResults=3)
    assert plain["itemList"][0]["itemId"].startswith("a")
    assert lifted["itemList"][0]["itemId"] == "p1"


def test_create_campaign__ranking_influence_of_another_recipe(client, arns, state_of):
    before = snapshot(state_of)
    assert_error(
        lambda: client.create_campaign(
            name="new-nba-influenced",
            solutionVersionArn=arns["nba_version"],
            campaignConfig={"rankingInfluence": {"POPULARITY": 0.5}},
        ),
        "InvalidInputException",
        400,
        "campaignConfig.rankingInfluence applies to aws-semantic-similarity, not to aws-next-best-action",
    )
    assert snapshot(state_of) == before


def test_semantic_similarity__without_a_textual_field(personalize, s3):
    group, _ = shop.make_group(personalize, s3, shop.rows(), name="plain", domain=None)
    shop.add_items(personalize, s3, group, name="plain")
    solution = personalize.create_solution(name="plain", datasetGroupArn=group, recipeArn=SEMANTIC)[
        "solutionArn"
    ]
    wait_for(personalize.describe_solution, "solution", solutionArn=solution)
    arn = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    version = wait_for(personalize.describe_solution_version, "solutionVersion", solutionVersionArn=arn)
    assert version["status"] == "CREATE FAILED"
    assert "textual field" in version["failureReason"]


def test_semantic_similarity__reads_the_item_name(personalize, s3):
    """Descriptions say nothing here; the item names (``"itemName": true``) tell the topics apart."""
    group, _ = shop.make_group(personalize, s3, shop.rows(), name="named", domain=None)
    items = sorted({r[1] for r in shop.rows()})
    topics = {"A": "Hiking boot", "B": "Pendant necklace", "X": "Garden hose", "P": "Coffee beans"}
    fields = [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "TITLE", "type": "string", "itemName": True},
        {"name": "DESCRIPTION", "type": "string", "textual": True},
    ]
    rows = [f"{i},{topics[shop.category(i)]} {i},A product" for i in items]
    _dataset(personalize, group, "Items", fields, "\n".join(["ITEM_ID,TITLE,DESCRIPTION", *rows]), s3)
    solution = personalize.create_solution(name="named", datasetGroupArn=group, recipeArn=SEMANTIC)[
        "solutionArn"
    ]
    wait_for(personalize.describe_solution, "solution", solutionArn=solution)
    arn = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    assert (
        wait_for(personalize.describe_solution_version, "solutionVersion", solutionVersionArn=arn)["status"]
        == "ACTIVE"
    )
    job_input = "\n".join(json.dumps({"itemId": i}) for i in ("b4",))
    s3.put_object(Bucket=shop.BUCKET, Key="in.json", Body=job_input.encode())
    job = personalize.create_batch_inference_job(
        jobName="named",
        solutionVersionArn=arn,
        numResults=5,
        roleArn=shop.ROLE,
        jobInput={"s3DataSource": {"path": f"s3://{shop.BUCKET}/in.json"}},
        jobOutput={"s3DataDestination": {"path": f"s3://{shop.BUCKET}/out/"}},
    )["batchInferenceJobArn"]
    wait_for(personalize.describe_batch_inference_job, "batchInferenceJob", batchInferenceJobArn=job)
    line = json.loads(s3.get_object(Bucket=shop.BUCKET, Key="out/in.json.out")["Body"].read())
    assert [i[0] for i in line["output"]["recommendedItems"]] == ["b"] * 5


def test_create_schema__item_name_not_a_string(personalize, state):
    fields = [{"name": "ITEM_ID", "type": "string"}, {"name": "TITLE", "type": "long", "itemName": True}]
    before = snapshot(state)
    assert_error(
        lambda: personalize.create_schema(name="s", schema=_schema("Items", fields)),
        "InvalidInputException",
        400,
        "TITLE is categorical, textual or itemName but not a string",
    )
    assert snapshot(state) == before


def test_create_dataset__item_name_outside_items(personalize, s3, state):
    group, _ = shop.make_group(personalize, s3, None, name="names", domain=None)
    fields = [{"name": "USER_ID", "type": "string"}, {"name": "TITLE", "type": "string", "itemName": True}]
    schema = personalize.create_schema(name="s", schema=_schema("Users", fields))["schemaArn"]
    before = snapshot(state)
    assert_error(
        lambda: personalize.create_dataset(
            name="d", datasetType="Users", datasetGroupArn=group, schemaArn=schema
        ),
        "InvalidInputException",
        400,
        "TITLE is itemName, which only Items datasets allow",
    )
    assert snapshot(state) == before


# --- Next-Best-Action -----------------------------------------------------------------------
def test_get_action_recommendations(runtime, arns):
    got = runtime.get_action_recommendations(campaignArn=arns["nba_campaign"], userId="u3", numResults=4)
    assert_valid(runtime, "GetActionRecommendations")
    listed = got["actionList"]
    assert [a["actionId"] for a in listed][0] == "app"
    assert sorted(a["actionId"] for a in listed) == sorted(ACTIONS)
    assert all(0 <= a["score"] < 1 for a in listed)
    assert [a["score"] for a in listed] == sorted((a["score"] for a in listed), reverse=True)
    other = runtime.get_action_recommendations(campaignArn=arns["nba_campaign"], userId="u30", numResults=1)
    assert other["actionList"][0]["actionId"] == "review"


def test_get_action_recommendations__unscored_actions_by_value(runtime, arns):
    """``newsletter`` and ``loyalty`` were never taken: they score 0, the more valuable first."""
    got = runtime.get_action_recommendations(campaignArn=arns["nba_campaign"], userId="u3", numResults=4)
    unscored = [a["actionId"] for a in got["actionList"] if a["score"] == 0]
    assert unscored == ["loyalty", "newsletter"]


def test_get_action_recommendations__unknown_user_gets_the_average(runtime, arns):
    got = runtime.get_action_recommendations(
        campaignArn=arns["nba_campaign"], userId="stranger", numResults=2
    )
    assert [a["actionId"] for a in got["actionList"]] == [
        "app",
        "review",
    ]  # equally likely: app is worth more


def test_get_action_recommendations__metrics(client, arns):
    metrics = client.get_solution_metrics(solutionVersionArn=arns["nba_version"])["metrics"]
    assert set(metrics) == set(PERSONALIZE_METRIC_KEYS)
    assert metrics["precision_at_5"] > 0


@pytest.mark.parametrize(
    ("campaign", "call", "message"),
    [
        ("semantic_campaign", "get_action_recommendations", "needs a aws-next-best-action campaign"),
        ("nba_campaign", "get_recommendations", "call GetActionRecommendations"),
    ],
)
def test_get_action_recommendations__wrong_campaign(runtime, arns, campaign, call, message):
    assert_error(
        lambda: getattr(runtime, call)(campaignArn=arns[campaign], userId="u1"),
        "InvalidInputException",
        400,
        message,
    )


def test_get_action_recommendations__no_such_campaign(runtime, arns):
    missing = arns["nba_campaign"] + "-gone"
    assert_error(
        lambda: runtime.get_action_recommendations(campaignArn=missing, userId="u1"),
        "ResourceNotFoundException",
        404,
        missing,
    )


def test_create_dataset__actions_in_a_domain_group(personalize, s3, state):
    group, _ = shop.make_group(personalize, s3, None, name="domain")
    schema = personalize.create_schema(
        name="acts",
        schema=_schema("Actions", [{"name": "ACTION_ID", "type": "string"}, {"name": "V", "type": "long"}]),
        domain="ECOMMERCE",
    )["schemaArn"]
    before = snapshot(state)
    assert_error(
        lambda: personalize.create_dataset(
            name="a", datasetType="Actions", datasetGroupArn=group, schemaArn=schema
        ),
        "InvalidInputException",
        400,
        "custom dataset groups",
    )
    assert snapshot(state) == before


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        ("Actions", [{"name": "ACTION_ID", "type": "string"}], "at least one metadata field"),
        (
            "Action_Interactions",
            [
                {"name": "USER_ID", "type": "string"},
                {"name": "ACTION_ID", "type": "string"},
                {"name": "TIMESTAMP", "type": "long"},
            ],
            "needs a EVENT_TYPE field",
        ),
    ],
)
def test_create_dataset__action_schemas(personalize, s3, state, kind, fields, message):
    group, _ = shop.make_group(personalize, s3, None, name="custom", domain=None)
    schema = personalize.create_schema(name="s", schema=_schema(kind.replace("_", ""), fields))["schemaArn"]
    before = snapshot(state)
    assert_error(
        lambda: personalize.create_dataset(
            name="d", datasetType=kind, datasetGroupArn=group, schemaArn=schema
        ),
        "InvalidInputException",
        400,
        message,
    )
    assert snapshot(state) == before


# --- PutActions, PutActionInteractions ------------------------------------------------------
def _records(dataset: str) -> list[dict]:
    return [row for _, _, row in localaws.store().records(dataset)]


def test_put_actions(events, arns):
    events.put_actions(
        datasetArn=arns["actions"], actions=[{"actionId": "survey", "properties": '{"value": 3}'}]
    )
    assert_valid(events, "PutActions")
    assert {"ACTION_ID": "survey", "VALUE": 3.0} in _records(arns["actions"])


def test_put_action_interactions(events, arns):
    events.put_action_interactions(
        trackingId=arns["tracking_id"],
        actionInteractions=[
            {
                "actionId": "loyalty",
                "userId": "u5",
                "sessionId": "s5",
                "timestamp": shop.T0,
                "eventType": "TAKEN",
            },
            {"actionId": "loyalty", "sessionId": "anon", "timestamp": shop.T0, "eventType": "VIEWED"},
        ],
    )
    assert_valid(events, "PutActionInteractions")
    rows = _records(arns["action_interactions"])
    assert {"USER_ID": "u5", "ACTION_ID": "loyalty", "TIMESTAMP": shop.T0, "EVENT_TYPE": "TAKEN"} in rows
    assert {"USER_ID": "anon", "ACTION_ID": "loyalty", "TIMESTAMP": shop.T0, "EVENT_TYPE": "VIEWED"} in rows


def test_put_action_interactions__the_datasets_own_tracking_id(client, events, arns):
    """AWS creates an event tracker with an Action interactions dataset; DescribeDataset names it."""
    dataset = client.describe_dataset(datasetArn=arns["action_interactions"])["dataset"]
    assert_valid(client, "DescribeDataset")
    assert dataset["trackingId"] and dataset["trackingId"] != arns["tracking_id"]
    other = client.describe_dataset(datasetArn=arns["actions"])["dataset"]
    assert "trackingId" not in other
    taken = {
        "actionId": "review",
        "userId": "u6",
        "sessionId": "s6",
        "timestamp": shop.T0 + 5,
        "eventType": "TAKEN",
    }
    events.put_action_interactions(trackingId=dataset["trackingId"], actionInteractions=[taken])
    assert_valid(events, "PutActionInteractions")
    row = {"USER_ID": "u6", "ACTION_ID": "review", "TIMESTAMP": shop.T0 + 5, "EVENT_TYPE": "TAKEN"}
    assert row in _records(arns["action_interactions"])


@pytest.mark.parametrize(
    ("call", "kwargs", "code", "message"),
    [
        (
            "put_actions",
            {"actions": [{"actionId": "a", "properties": '{"colour": "red"}'}]},
            "InvalidInputException",
            "property 'colour'",
        ),
        (
            "put_action_interactions",
            {
                "trackingId": "nope",
                "actionInteractions": [
                    {"actionId": "a", "sessionId": "s", "timestamp": shop.T0, "eventType": "TAKEN"}
                ],
            },
            "InvalidInputException",
            "trackingId nope",
        ),
        (
            "put_action_interactions",
            {
                "actionInteractions": [
                    {
                        "actionId": "a",
                        "sessionId": "s",
                        "timestamp": shop.T0,
                        "eventType": "TAKEN",
                        "properties": "{x",
                    }
                ]
            },
            "InvalidInputException",
            "actionInteractions[0]: properties is not valid JSON",
        ),
    ],
)
def test_put_action_records__invalid(events, arns, state_of, call, kwargs, code, message):
    target = {"datasetArn": arns["actions"]} if call == "put_actions" else {"trackingId": arns["tracking_id"]}
    kwargs = {**target, **kwargs}
    before = snapshot(state_of)
    assert_error(lambda: getattr(events, call)(**kwargs), code, 400, message)
    assert snapshot(state_of) == before


@pytest.fixture
def state_of(arns):
    """The module shop's store."""
    return localaws.store()

"""Contract tests of local Personalize campaigns and of the runtime serving them."""

from __future__ import annotations

import json

import pytest

from helpers.localaws.engine import jobs
from tests.contract import shop
from tests.contract.conftest import assert_error, assert_valid, snapshot, wait_for
from tests.contract.test_solutions import (
    RECIPE,
    REGION_ACCOUNT,
    SIMS,
    USER_PERSONALIZATION,
    make_solution,
    train,
)

RANKING = RECIPE + "aws-personalized-ranking"
EXPLORATION = {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"}


@pytest.fixture
def versions(personalize, s3):
    """One ACTIVE solution version per recipe family on the shop, by key."""
    group = shop.make_group(personalize, s3, shop.rows(), domain=None)[0]
    out = {"items": shop.add_items(personalize, s3, group)}
    for key, recipe in (
        ("personal", USER_PERSONALIZATION),
        ("sims", SIMS),
        ("ranking", RANKING),
        ("popular", RECIPE + "aws-popularity-count"),
        ("similar", RECIPE + "aws-similar-items"),
    ):
        version = train(personalize, make_solution(personalize, group, recipe, name=key))
        assert version["status"] == "ACTIVE", version.get("failureReason")
        out[key] = version["solutionVersionArn"]
    return out


def deploy(personalize, version: str, name: str = "c", **kw) -> dict:
    """Create a campaign and wait until it is ACTIVE; return its description."""
    arn = personalize.create_campaign(name=name, solutionVersionArn=version, **kw)["campaignArn"]
    return wait_for(personalize.describe_campaign, "campaign", campaignArn=arn)


# --- campaigns ------------------------------------------------------------------------------
def test_create_campaign(personalize, versions):
    arn = personalize.create_campaign(name="c", solutionVersionArn=versions["personal"], minProvisionedTPS=2)[
        "campaignArn"
    ]
    assert_valid(personalize, "CreateCampaign")
    assert arn == f"arn:aws:personalize:{REGION_ACCOUNT}:campaign/c"
    campaign = wait_for(personalize.describe_campaign, "campaign", campaignArn=arn)
    assert_valid(personalize, "DescribeCampaign")
    assert campaign["status"] == "ACTIVE"
    assert (campaign["solutionVersionArn"], campaign["minProvisionedTPS"]) == (versions["personal"], 2)
    assert campaign["campaignConfig"] == {
        "enableMetadataWithRecommendations": False,
        "itemExplorationConfig": EXPLORATION,
    }


def test_create_campaign__config(personalize, versions):
    campaign = deploy(
        personalize,
        versions["personal"],
        campaignConfig={
            "itemExplorationConfig": {"explorationWeight": "0"},
            "syncWithLatestSolutionVersion": True,
        },
    )
    assert campaign["minProvisionedTPS"] == 1
    assert campaign["campaignConfig"]["itemExplorationConfig"] == {**EXPLORATION, "explorationWeight": "0"}
    assert campaign["campaignConfig"]["syncWithLatestSolutionVersion"] is True
    assert "itemExplorationConfig" not in deploy(personalize, versions["sims"], name="sims")["campaignConfig"]


def test_create_campaign__errors(personalize, versions, state):
    deploy(personalize, versions["personal"])
    before = snapshot(state)
    create = personalize.create_campaign
    missing = versions["personal"].rsplit("/", 1)[0] + "/00000000"
    assert_error(
        lambda: create(name="c", solutionVersionArn=versions["sims"]),
        "ResourceAlreadyExistsException",
        400,
        "c",
    )
    assert_error(
        lambda: create(name="d", solutionVersionArn=missing), "ResourceNotFoundException", 400, missing
    )
    for config, message in (
        ({"itemExplorationConfig": {"explorationWeight": "2"}}, "explorationWeight"),
        ({"itemExplorationConfig": {"weight": "0.1"}}, "weight"),
    ):
        assert_error(
            lambda c=config: create(name="d", solutionVersionArn=versions["personal"], campaignConfig=c),
            "InvalidInputException",
            400,
            message,
        )
    assert_error(
        lambda: create(
            name="d",
            solutionVersionArn=versions["sims"],
            campaignConfig={"itemExplorationConfig": {"explorationWeight": "0.1"}},
        ),
        "InvalidInputException",
        400,
        "aws-sims",
    )
    assert snapshot(state) == before


def test_list_campaigns(personalize, versions):
    first = deploy(personalize, versions["personal"], name="first")["campaignArn"]
    second = deploy(personalize, versions["sims"], name="second")["campaignArn"]
    assert [c["campaignArn"] for c in personalize.list_campaigns()["campaigns"]] == [second, first]
    assert_valid(personalize, "ListCampaigns")
    solution = versions["sims"].rsplit("/", 1)[0]
    assert [c["campaignArn"] for c in personalize.list_campaigns(solutionArn=solution)["campaigns"]] == [
        second
    ]


def test_update_campaign(personalize, versions, state):
    campaign = deploy(personalize, versions["personal"])
    solution = versions["personal"].rsplit("/", 1)[0]
    newer = train(personalize, solution, trainingMode="UPDATE")["solutionVersionArn"]
    personalize.update_campaign(
        campaignArn=campaign["campaignArn"],
        solutionVersionArn=newer,
        minProvisionedTPS=3,
        campaignConfig={"itemExplorationConfig": {"explorationWeight": "0.1"}},
    )
    assert_valid(personalize, "UpdateCampaign")
    assert jobs.wait_idle(30)
    updated = personalize.describe_campaign(campaignArn=campaign["campaignArn"])["campaign"]
    assert (updated["status"], updated["latestCampaignUpdate"]["status"]) == ("ACTIVE", "ACTIVE")
    assert (updated["solutionVersionArn"], updated["minProvisionedTPS"]) == (newer, 3)
    assert updated["campaignConfig"]["itemExplorationConfig"]["explorationWeight"] == "0.1"


def test_update_campaign__errors(personalize, versions, state):
    campaign = deploy(personalize, versions["personal"])["campaignArn"]
    before = snapshot(state)
    update = personalize.update_campaign
    assert_error(
        lambda: update(campaignArn=campaign, solutionVersionArn=versions["sims"]),
        "InvalidInputException",
        400,
        "is not of solution",
    )
    missing = f"arn:aws:personalize:{REGION_ACCOUNT}:campaign/none"
    assert_error(
        lambda: update(campaignArn=missing, minProvisionedTPS=2), "ResourceNotFoundException", 400, missing
    )
    assert snapshot(state) == before


def test_delete_campaign(personalize, versions, state):
    arn = deploy(personalize, versions["sims"])["campaignArn"]
    solution = versions["sims"].rsplit("/", 1)[0]
    assert_error(
        lambda: personalize.delete_solution(solutionArn=solution), "ResourceInUseException", 400, "campaign"
    )
    personalize.delete_campaign(campaignArn=arn)
    assert jobs.wait_idle(30)
    assert_error(
        lambda: personalize.describe_campaign(campaignArn=arn), "ResourceNotFoundException", 400, arn
    )
    assert personalize.list_campaigns(solutionArn=solution)["campaigns"] == []


# --- runtime --------------------------------------------------------------------------------
def _ids(answer: dict, member: str = "itemList") -> list[str]:
    return [i["itemId"] for i in answer[member]]


def test_get_recommendations__campaign(personalize, personalize_runtime, versions):
    campaign = deploy(
        personalize,
        versions["personal"],
        campaignConfig={"itemExplorationConfig": {"explorationWeight": "0"}},
    )["campaignArn"]
    answer = personalize_runtime.get_recommendations(campaignArn=campaign, userId="u0")
    assert_valid(personalize_runtime, "GetRecommendations")
    assert len(answer["itemList"]) == 25  # the default numResults
    assert all(i.startswith("a") for i in _ids(answer)[:10])  # u0 views category A only
    assert all(0 <= i["score"] <= 1 for i in answer["itemList"])
    again = personalize_runtime.get_recommendations(campaignArn=campaign, userId="u0")
    assert _ids(again) == _ids(answer)


@pytest.mark.parametrize(
    ("key", "request_", "first"),
    [
        ("sims", {"itemId": "x"}, "y"),  # viewed together by every shopper
        ("popular", {"userId": "u0"}, "p1"),  # bought 510 times
        ("similar", {"itemId": "b3"}, "b"),  # same category
    ],
)
def test_get_recommendations__every_recipe(personalize, personalize_runtime, versions, key, request_, first):
    campaign = deploy(personalize, versions[key], name=key)["campaignArn"]
    got = _ids(personalize_runtime.get_recommendations(campaignArn=campaign, numResults=5, **request_))
    assert len(got) == 5 and got[0].startswith(first)
    assert request_.get("itemId") not in got
    if key == "similar":
        assert all(i.startswith("b") for i in got)


def test_get_recommendations__similar_items_of_a_new_item(
    personalize, personalize_runtime, personalize_events, versions
):
    """An item added with PutItems is unknown to the version trained before (popular items, as on
    AWS) and answered by its metadata from the next version on (a cold item)."""
    campaign = deploy(personalize, versions["similar"], name="similar")["campaignArn"]
    personalize_events.put_items(
        datasetArn=versions["items"], items=[{"itemId": "b-new", "properties": json.dumps({"category": "B"})}]
    )

    def ask() -> list[str]:
        return _ids(
            personalize_runtime.get_recommendations(campaignArn=campaign, itemId="b-new", numResults=5)
        )

    assert ask()[:3] == ["p1", "p2", "p3"]
    newer = train(personalize, versions["similar"].rsplit("/", 1)[0])["solutionVersionArn"]
    personalize.update_campaign(campaignArn=campaign, solutionVersionArn=newer)
    assert jobs.wait_idle(30)
    got = ask()
    assert len(got) == 5 and all(i.startswith("b") for i in got)


def test_get_recommendations__campaign_errors(personalize, personalize_runtime, versions):
    sims = deploy(personalize, versions["sims"], name="sims")["campaignArn"]
    ranking = deploy(personalize, versions["ranking"], name="ranking")["campaignArn"]
    call = personalize_runtime.get_recommendations
    assert_error(
        lambda: call(campaignArn=sims, userId="u0"), "InvalidInputException", 400, "itemId is required"
    )
    assert_error(
        lambda: call(campaignArn=ranking, userId="u0"), "InvalidInputException", 400, "GetPersonalizedRanking"
    )


def test_get_personalized_ranking(personalize, personalize_runtime, versions):
    campaign = deploy(personalize, versions["ranking"], name="ranking")["campaignArn"]
    given = ["b1", "a1", "zz", "x", "b2", "a3", "a1"]
    answer = personalize_runtime.get_personalized_ranking(campaignArn=campaign, userId="u0", inputList=given)
    assert_valid(personalize_runtime, "GetPersonalizedRanking")
    ranked = _ids(answer, "personalizedRanking")
    assert sorted(ranked) == sorted(set(given))  # each item once
    assert set(ranked[:2]) == {"a1", "a3"}  # u0's category first
    assert ranked[-1] == "zz" and "score" not in answer["personalizedRanking"][-1]  # unknown: last
    scores = [i["score"] for i in answer["personalizedRanking"][:-1]]
    assert scores == sorted(scores, reverse=True) and 0 < sum(scores) <= 1 + 1e-6
    other = personalize_runtime.get_personalized_ranking(campaignArn=campaign, userId="u20", inputList=given)
    assert set(_ids(other, "personalizedRanking")[:2]) == {"b1", "b2"}  # u20 views category B


def test_get_personalized_ranking__errors(personalize, personalize_runtime, versions):
    ranking = deploy(personalize, versions["ranking"], name="ranking")["campaignArn"]
    personal = deploy(personalize, versions["personal"], name="personal")["campaignArn"]
    call = personalize_runtime.get_personalized_ranking
    assert_error(
        lambda: call(campaignArn=ranking, userId="u0", inputList=[f"i{n}" for n in range(501)]),
        "InvalidInputException",
        400,
        "at most 500",
    )
    assert_error(
        lambda: call(campaignArn=personal, userId="u0", inputList=["a1"]),
        "InvalidInputException",
        400,
        "GetRecommendations",
    )
    missing = f"arn:aws:personalize:{REGION_ACCOUNT}:campaign/none"
    assert_error(
        lambda: call(campaignArn=missing, userId="u0", inputList=["a1"]),
        "ResourceNotFoundException",
        404,
        missing,
    )

"""Contract tests of the options of runtime requests: promotions, metadataColumns, and filters on
campaigns (GetRecommendations by campaignArn, GetPersonalizedRanking).

One ECOMMERCE dataset group of the shop (``tests.contract.shop``) with the Items of
``tests.contract.test_filters`` (category ``A`` for ``a0``–``a19``, ``B`` for ``b0``–``b19``,
``C`` for ``x``/``y``, ``D`` for ``p1``–``p3``), built once for the module: recommenders, and
campaigns of custom solutions on the same group.
"""

from __future__ import annotations

import dataclasses
import json
import time

import pytest

from helpers import aws, localaws
from helpers.localaws.engine import jobs
from helpers.localaws.personalize import filters
from helpers.localaws.personalize import runtime as personalize_runtime
from tests.contract import shop
from tests.contract.conftest import _client, assert_error, assert_valid, snapshot, wait_for
from tests.contract.test_filters import CATEGORY, _filter, _price, add_items
from tests.contract.test_solutions import RECIPE, SIMS, USER_PERSONALIZATION, make_solution, train

METADATA = {"enableMetadataWithRecommendations": True}
NO_EXPLORATION = {"itemExplorationConfig": {"explorationWeight": "0"}}
EXPRESSIONS = {
    "category": "INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ($CATEGORY)",
    "not-a": 'EXCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("A")',
    "cheap": "INCLUDE ItemID WHERE Items.PRICE < 30",
}


def _campaign(personalize, group: str, recipe: str, name: str, **kw) -> str:
    version = train(personalize, make_solution(personalize, group, recipe, name=name))
    assert version["status"] == "ACTIVE", version.get("failureReason")
    arn = personalize.create_campaign(name=name, solutionVersionArn=version["solutionVersionArn"], **kw)[
        "campaignArn"
    ]
    assert wait_for(personalize.describe_campaign, "campaign", campaignArn=arn)["status"] == "ACTIVE"
    return arn


@pytest.fixture(scope="module")
def shop_state(tmp_path_factory):
    """The shop with Items; recommenders, campaigns and filters, by short name."""
    root = tmp_path_factory.mktemp("options") / "state"
    aws.activate("local", root)
    personalize, s3 = _client("personalize"), _client("s3")
    group, _ = shop.make_group(personalize, s3, shop.rows())
    add_items(personalize, s3, group)
    arns = {"group": group}
    for name, recipe, config in (
        ("you", shop.FOR_YOU, {**METADATA, **NO_EXPLORATION}),
        ("cwv", shop.ALSO_VIEWED, {}),
        ("best", shop.BEST_SELLERS, {}),
    ):
        rec = shop.create_recommender(personalize, group, recipe, name, recommenderConfig=config)
        assert rec["status"] == "ACTIVE", rec.get("failureReason")
        arns[name] = rec["recommenderArn"]
    ranking = RECIPE + "aws-personalized-ranking"
    arns["personal"] = _campaign(
        personalize, group, USER_PERSONALIZATION, "personal", campaignConfig={**METADATA, **NO_EXPLORATION}
    )
    arns["ranking"] = _campaign(personalize, group, ranking, "ranking", campaignConfig=METADATA)
    arns["sims"] = _campaign(personalize, group, SIMS, "sims")
    for name, expression in EXPRESSIONS.items():
        arns[name] = _filter(personalize, arns, expression, name=name)
    other, _ = shop.make_group(personalize, s3, name="other")
    arns["other-group"] = _filter(
        personalize, {"group": other}, 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("x")', name="other"
    )
    yield root, arns
    jobs.wait_idle(30)


def _recommend(runtime, arn: str, **kw) -> list[dict]:
    """``itemList`` of GetRecommendations from a recommender or campaign ARN, checked against its shape."""
    target = "campaignArn" if ":campaign/" in arn else "recommenderArn"
    answer = runtime.get_recommendations(**{target: arn}, **kw)
    assert_valid(runtime, "GetRecommendations")
    return answer["itemList"]


def _rank(runtime, arn: str, given: list[str], **kw) -> list[dict]:
    answer = runtime.get_personalized_ranking(campaignArn=arn, userId="u0", inputList=given, **kw)
    assert_valid(runtime, "GetPersonalizedRanking")
    return answer["personalizedRanking"]


def _ids(items: list[dict]) -> list[str]:
    return [i["itemId"] for i in items]


def _promotion(arns, percent: int, category: str | None = "B", name: str = "sale") -> dict:
    values = {"filterValues": {"CATEGORY": json.dumps(category)}} if category else {}
    return {"name": name, "percentPromotedItems": percent, "filterArn": arns["category"], **values}


# --- promotions -----------------------------------------------------------------------------
def test_promotion(runtime, arns):
    """20 % of 10 items are the best of category B, named; the others are the list without them."""
    got = _recommend(runtime, arns["you"], userId="u0", numResults=10, promotions=[_promotion(arns, 20)])
    promoted = [i for i in got if "promotionName" in i]
    assert [i["promotionName"] for i in promoted] == ["sale", "sale"]
    best_b = _recommend(
        runtime,
        arns["you"],
        userId="u0",
        numResults=2,
        filterArn=arns["category"],
        filterValues={"CATEGORY": '"B"'},
    )
    assert _ids(promoted) == _ids(best_b)  # in the model's order
    plain = _ids(_recommend(runtime, arns["you"], userId="u0", numResults=10))
    others = [i for i in _ids(got) if i not in _ids(promoted)]
    assert others == [i for i in plain if i not in _ids(promoted)][:8]
    assert all("score" in i for i in got)
    again = _recommend(runtime, arns["you"], userId="u0", numResults=10, promotions=[_promotion(arns, 20)])
    assert again == got  # the same request, the same positions


def test_promotion__the_request_filter_applies_to_the_others(runtime, arns):
    got = _recommend(
        runtime,
        arns["you"],
        userId="u20",  # views category B: A items come only from the promotion
        numResults=10,
        filterArn=arns["not-a"],
        promotions=[_promotion(arns, 30, "A")],
    )
    promoted = [i["itemId"] for i in got if i.get("promotionName") == "sale"]
    assert len(promoted) == 3 and all(CATEGORY[i] == "A" for i in promoted)
    assert all(CATEGORY[i] != "A" for i in _ids(got) if i not in promoted)
    assert len(got) == 10


def test_promotion__rounds_up_and_serves_campaigns(runtime, arns):
    got = _recommend(
        runtime, arns["sims"], itemId="x", numResults=5, promotions=[_promotion(arns, 30, "D", name="new-in")]
    )
    promoted = [i["itemId"] for i in got if i.get("promotionName") == "new-in"]
    assert len(promoted) == 2 and all(CATEGORY[i] == "D" for i in promoted)  # 30 % of 5, rounded up
    assert len(got) == 5 and "x" not in _ids(got)


def test_promotion__too_few_items_pass(runtime, arns):
    """Only p1–p3 are in category D: they are promoted, the list is filled with the others."""
    got = _recommend(
        runtime, arns["best"], userId="u0", numResults=10, promotions=[_promotion(arns, 100, "D")]
    )
    assert sorted(i["itemId"] for i in got if "promotionName" in i) == ["p1", "p2", "p3"]
    assert len(got) == 10 and len(set(_ids(got))) == 10


def test_promotion__without_a_name(runtime, arns):
    promotion = {k: v for k, v in _promotion(arns, 50).items() if k != "name"}
    got = _recommend(runtime, arns["best"], userId="u0", numResults=4, promotions=[promotion])
    assert all("promotionName" not in i for i in got)
    assert sum(CATEGORY[i] == "B" for i in _ids(got)) >= 2


def test_promotion__waits_for_its_new_filter(client, runtime, arns, monkeypatch):
    """A request waits for the creation of its promotion's filter, as for its own filter."""
    kind = jobs._kinds[filters.KIND]

    def slow(store, key):
        time.sleep(0.5)  # the creation takes a while, as on AWS
        kind.work(store, key)

    monkeypatch.setitem(jobs._kinds, filters.KIND, dataclasses.replace(kind, work=slow))
    expression = 'INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("B")'
    arn = client.create_filter(name="new-b", datasetGroupArn=arns["group"], filterExpression=expression)[
        "filterArn"
    ]
    promotion = {"name": "b", "percentPromotedItems": 50, "filterArn": arn}
    got = _recommend(runtime, arns["best"], userId="u0", numResults=4, promotions=[promotion])
    assert [CATEGORY[i["itemId"]] for i in got if "promotionName" in i] == ["B", "B"]


@pytest.mark.parametrize(
    ("change", "code", "status", "message"),
    [
        (
            {"filterValues": None},
            "InvalidInputException",
            400,
            "promotions.1 (sale): filterValues must give CATEGORY",
        ),
        ({"filterArn": "other-group"}, "InvalidInputException", 400, "belongs to dataset group"),
        ({"filterArn": "missing"}, "ResourceNotFoundException", 404, "filter/missing"),
        ({"percentPromotedItems": None}, "InvalidInputException", 400, "promotions.1.percentPromotedItems"),
        ({"filterArn": None}, "InvalidInputException", 400, "promotions.1.filterArn"),
        ({"percentPromotedItems": 101}, "InvalidInputException", 400, "less than or equal to 100"),
        ({"name": "a b"}, "InvalidInputException", 400, "promotions.1.member.name"),
    ],
    ids=[
        "missing-value",
        "other-group",
        "no-filter",
        "no-percent",
        "no-filter-arn",
        "over-100",
        "bad-name",
    ],
)
def test_promotion__invalid(runtime, arns, change, code, status, message):
    promotion = _promotion(arns, 20)
    for member, value in change.items():
        if member == "filterArn" and value is not None:
            value = arns.get(value) or arns["category"].replace("filter/category", f"filter/{value}")
        promotion[member] = value
    promotion = {k: v for k, v in promotion.items() if v is not None}
    before = snapshot(localaws.store())
    assert_error(
        lambda: runtime.get_recommendations(recommenderArn=arns["you"], userId="u0", promotions=[promotion]),
        code,
        status,
        message,
    )
    assert snapshot(localaws.store()) == before


def test_promotion__one_at_most(runtime, arns):
    two = [_promotion(arns, 10), _promotion(arns, 10, "A", name="other")]
    assert_error(
        lambda: runtime.get_recommendations(recommenderArn=arns["you"], userId="u0", promotions=two),
        "InvalidInputException",
        400,
        "at 'promotions' failed to satisfy constraint: Member must have length less than or equal to 1",
    )


def test_promotion__recipe_without_promotions(runtime, arns, monkeypatch):
    """Every recipe a campaign serves takes promotions today; one that did not would be refused."""
    monkeypatch.setattr(personalize_runtime, "PROMOTING_RECIPES", ("aws-user-personalization",))
    assert_error(
        lambda: runtime.get_recommendations(
            campaignArn=arns["sims"], itemId="x", promotions=[_promotion(arns, 20)]
        ),
        "InvalidInputException",
        400,
        "promotions do not apply to campaigns of the aws-sims recipe",
    )


# --- metadataColumns ------------------------------------------------------------------------
def _check_metadata(items: list[dict]) -> None:
    assert items
    for item in items:
        expected = {"CATEGORY_L1": CATEGORY[item["itemId"]], "PRICE": str(float(_price(item["itemId"])))}
        assert item["metadata"] == expected, item


def test_metadata_columns(client, runtime, arns):
    assert client.describe_recommender(recommenderArn=arns["you"])["recommender"]["recommenderConfig"][
        "enableMetadataWithRecommendations"
    ]
    columns = {"ITEMS": ["CATEGORY_L1", "PRICE"]}
    got = _recommend(runtime, arns["you"], userId="u0", numResults=40, metadataColumns=columns)
    assert len(got) == 40
    _check_metadata(got)
    assert _ids(got) == _ids(_recommend(runtime, arns["you"], userId="u0", numResults=40))


def test_metadata_columns__campaigns(client, runtime, arns):
    config = client.describe_campaign(campaignArn=arns["personal"])["campaign"]["campaignConfig"]
    assert config["enableMetadataWithRecommendations"] is True
    columns = {"ITEMS": ["CATEGORY_L1", "PRICE"]}
    _check_metadata(_recommend(runtime, arns["personal"], userId="u0", numResults=5, metadataColumns=columns))
    ranked = _rank(runtime, arns["ranking"], ["b1", "a1", "zz"], metadataColumns=columns)
    _check_metadata(ranked[:2])
    assert ranked[2] == {"itemId": "zz", "metadata": {}}  # not in the Items dataset


def test_metadata_columns__with_a_promotion_and_put_items(client, runtime, arns):
    """Metadata comes from the newest row of each item (PutItems included); promoted items have it too."""
    dataset = next(
        d["datasetArn"]
        for d in client.list_datasets(datasetGroupArn=arns["group"])["datasets"]
        if d["datasetType"].upper() == "ITEMS"
    )
    events = _client("personalize-events")
    events.put_items(
        datasetArn=dataset,
        items=[
            {
                "itemId": "b0",
                "properties": json.dumps(
                    {"price": 50.0, "categoryL1": "B", "onSale": False, "description": "renamed"}
                ),
            }
        ],
    )
    got = _recommend(
        runtime,
        arns["you"],
        userId="u0",
        numResults=10,
        promotions=[_promotion(arns, 100)],
        metadataColumns={"ITEMS": ["DESCRIPTION", "ITEM_ID"]},
    )
    promoted = [i for i in got if "promotionName" in i]
    assert promoted and all(i["metadata"]["ITEM_ID"] == i["itemId"] for i in got)
    described = {i["itemId"]: i["metadata"]["DESCRIPTION"] for i in got}
    assert described.get("b0", "renamed") == "renamed"
    assert all(d == f"nice {CATEGORY[i]} thing" for i, d in described.items() if i != "b0")


@pytest.mark.parametrize(
    ("target", "columns", "kw", "message"),
    [
        ("cwv", {"ITEMS": ["PRICE"]}, {"itemId": "x"}, "recommenderConfig.enableMetadataWithRecommendations"),
        ("sims", {"ITEMS": ["PRICE"]}, {"itemId": "x"}, "campaignConfig.enableMetadataWithRecommendations"),
        ("you", {"ITEMS": ["PRICE", "COLOUR"]}, {"userId": "u0"}, "COLOUR, which is not a column"),
        ("you", {"USERS": ["AGE"]}, {"userId": "u0"}, "the key USERS"),
        ("you", {"ITEMS": [f"C{n}" for n in range(11)]}, {"userId": "u0"}, "lists 11 columns; give 1 to 10"),
        ("you", {"ITEMS": []}, {"userId": "u0"}, "lists 0 columns"),
        ("you", {"ITEMS": ["PRICE"]}, {"userId": "u0", "numResults": 51}, "at most 50 with metadataColumns"),
    ],
    ids=[
        "recommender-off",
        "campaign-off",
        "unknown-column",
        "other-dataset",
        "too-many",
        "none",
        "too-many-results",
    ],
)
def test_metadata_columns__invalid(runtime, arns, target, columns, kw, message):
    before = snapshot(localaws.store())
    key = "campaignArn" if target == "sims" else "recommenderArn"
    assert_error(
        lambda: runtime.get_recommendations(**{key: arns[target]}, metadataColumns=columns, **kw),
        "InvalidInputException",
        400,
        message,
    )
    assert snapshot(localaws.store()) == before


def test_metadata_columns__ranking_limit(runtime, arns):
    given = [f"a{n % 20}-{n}" for n in range(51)]
    assert_error(
        lambda: _rank(runtime, arns["ranking"], given, metadataColumns={"ITEMS": ["PRICE"]}),
        "InvalidInputException",
        400,
        "inputList must be at most 50 with metadataColumns, not 51",
    )
    assert len(_rank(runtime, arns["ranking"], given)) == 51


def test_update_campaign__enables_metadata(client, runtime, arns):
    version = client.describe_campaign(campaignArn=arns["sims"])["campaign"]["solutionVersionArn"]
    arn = client.create_campaign(name="sims-later", solutionVersionArn=version)["campaignArn"]
    wait_for(client.describe_campaign, "campaign", campaignArn=arn)
    client.update_campaign(campaignArn=arn, campaignConfig=METADATA)
    assert jobs.wait_idle(30)
    campaign = client.describe_campaign(campaignArn=arn)["campaign"]
    assert_valid(client, "DescribeCampaign")
    assert campaign["campaignConfig"]["enableMetadataWithRecommendations"] is True
    got = _recommend(runtime, arn, itemId="a1", numResults=3, metadataColumns={"ITEMS": ["CATEGORY_L1"]})
    assert [i["metadata"] for i in got] == [{"CATEGORY_L1": CATEGORY[i["itemId"]]} for i in got]


def test_update_recommender__enables_metadata(client, runtime, arns):
    client.update_recommender(recommenderArn=arns["cwv"], recommenderConfig=METADATA)
    assert jobs.wait_idle(30)
    recommender = client.describe_recommender(recommenderArn=arns["cwv"])["recommender"]
    assert recommender["recommenderConfig"]["enableMetadataWithRecommendations"] is True
    got = _recommend(runtime, arns["cwv"], itemId="a1", numResults=3, metadataColumns={"ITEMS": ["PRICE"]})
    assert [i["metadata"] for i in got] == [{"PRICE": str(float(_price(i["itemId"])))} for i in got]
    client.update_recommender(recommenderArn=arns["cwv"], recommenderConfig={})
    assert jobs.wait_idle(30)


# --- filters on campaigns -------------------------------------------------------------------
def test_filters__get_recommendations_by_campaign(runtime, arns):
    plain = _ids(_recommend(runtime, arns["personal"], userId="u0", numResults=25))
    assert any(CATEGORY[i] == "A" for i in plain)
    not_a = _ids(_recommend(runtime, arns["personal"], userId="u0", numResults=25, filterArn=arns["not-a"]))
    assert len(not_a) == 22 and all(CATEGORY[i] != "A" for i in not_a)  # 45 items, 20 of A, 3 bought
    only_b = _recommend(
        runtime,
        arns["personal"],
        userId="u0",
        numResults=10,
        filterArn=arns["category"],
        filterValues={"CATEGORY": '"B"'},
    )
    assert len(only_b) == 10 and all(CATEGORY[i] == "B" for i in _ids(only_b))
    cheap = _ids(_recommend(runtime, arns["sims"], itemId="x", numResults=10, filterArn=arns["cheap"]))
    assert cheap and all(_price(i) < 30 for i in cheap)


def test_filters__get_personalized_ranking(runtime, arns):
    given = ["b1", "a1", "zz", "x", "b2", "a3", "p1"]
    assert set(_ids(_rank(runtime, arns["ranking"], given))) == set(given)
    excluded = _ids(_rank(runtime, arns["ranking"], given, filterArn=arns["not-a"]))
    assert excluded[-1] == "zz" and sorted(excluded) == ["b1", "b2", "p1", "x", "zz"]  # zz has no category
    included = _rank(
        runtime, arns["ranking"], given, filterArn=arns["category"], filterValues={"CATEGORY": '"B", "C"'}
    )
    assert sorted(_ids(included)) == ["b1", "b2", "x"]
    assert 0 < sum(i["score"] for i in included) <= 1 + 1e-6


def test_filters__get_personalized_ranking__invalid(runtime, arns):
    before = snapshot(localaws.store())
    for kw, code, status, message in (
        ({"filterArn": arns["category"]}, "InvalidInputException", 400, "filterValues must give CATEGORY"),
        ({"filterValues": {"CATEGORY": '"A"'}}, "InvalidInputException", 400, "give filterArn too"),
        ({"filterArn": arns["other-group"]}, "InvalidInputException", 400, "belongs to dataset group"),
    ):
        assert_error(lambda kw=kw: _rank(runtime, arns["ranking"], ["a1"], **kw), code, status, message)
    assert snapshot(localaws.store()) == before

"""Contract tests of local personalize-runtime GetRecommendations on recommenders of a hand-made shop."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import asdict

import pytest

from helpers import aws
from helpers.localaws.engine import jobs
from helpers.recsys import tuning
from tests.contract import shop
from tests.contract.conftest import _client, assert_error, assert_valid

REGION_ACCOUNT = f"{os.environ.get('AWS_DEFAULT_REGION', 'us-east-1')}:123456789012"
RECIPES = {
    "views": shop.MOST_VIEWED,
    "best": shop.BEST_SELLERS,
    "cwv": shop.ALSO_VIEWED,
    "fbt": shop.BOUGHT_TOGETHER,
    "you": shop.FOR_YOU,
}


@pytest.fixture(scope="module")
def shop_state(tmp_path_factory):
    """A state folder with one ACTIVE recommender per use case of the shop, built once for the module."""
    root = tmp_path_factory.mktemp("shop") / "state"
    aws.activate("local", root)
    personalize, s3 = _client("personalize"), _client("s3")
    group, _ = shop.make_group(personalize, s3, shop.rows())
    yield root, shop.create_active_recommenders(personalize, group, RECIPES)
    jobs.wait_idle(30)


def _get(runtime, arn: str, **kw) -> list[dict]:
    answer = runtime.get_recommendations(recommenderArn=arn, **kw)
    assert_valid(runtime, "GetRecommendations")
    assert answer["recommendationId"].startswith("RID-")
    return answer["itemList"]


def _ids(items: list[dict]) -> list[str]:
    return [i["itemId"] for i in items]


def test_most_viewed(runtime, arns):
    items = _get(runtime, arns["views"], userId="u0")
    assert len(items) == 25 and _ids(items)[:3] == ["x", "y", "a0"]
    assert all("score" not in i for i in items)
    assert _ids(_get(runtime, arns["views"], userId="new-user", numResults=2)) == ["x", "y"]


def test_best_sellers(runtime, arns):
    assert _ids(_get(runtime, arns["best"], userId="u0", numResults=3)) == ["p1", "p2", "p3"]


def test_customers_who_viewed_x(runtime, arns):
    items = _get(runtime, arns["cwv"], itemId="x", numResults=500)
    assert _ids(items)[0] == "y" and "x" not in _ids(items) and "score" not in items[0]
    assert len(items) == 44  # the whole catalogue but x: neighbours first, then the most viewed
    mine = _ids(_get(runtime, arns["cwv"], itemId="x", userId="u0", numResults=500))
    assert mine[0] == "y" and set(_ids(items)) - set(mine) == {"p1", "p2", "p3"}  # u0 bought them


def test_frequently_bought_together(runtime, arns):
    assert _ids(_get(runtime, arns["fbt"], itemId="p1", numResults=2)) == ["p2", "p3"]
    assert _ids(_get(runtime, arns["fbt"], itemId="p3", numResults=1)) == ["p2"]


def test_unknown_item_gets_popular_items(runtime, arns):
    assert _ids(_get(runtime, arns["cwv"], itemId="nope", numResults=2)) == ["x", "y"]
    assert _ids(_get(runtime, arns["fbt"], itemId="nope", numResults=3)) == ["p1", "p2", "p3"]


def test_recommended_for_you(runtime, arns):
    """u0 views only category A: category A comes first; u0's purchases never come back.

    u25 views only category B and bought ``p1``: ``p2``, most often bought with ``p1``, comes
    first, then category B.
    """
    items = _get(runtime, arns["you"], userId="u0", numResults=500)
    ids = _ids(items)
    assert all(i.startswith("a") for i in ids[:10])
    assert not {"p1", "p2", "p3"} & set(ids) and len(ids) == 42
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True) and 0 < sum(scores) <= 1 + 1e-6
    b_user = _ids(_get(runtime, arns["you"], userId="u25", numResults=10))
    assert b_user[0] == "p2" and all(i.startswith("b") for i in b_user[1:])


def test_recommended_for_you_records_the_settings_it_trained_with(arns):
    """Too few shoppers to validate on: the default settings, no score; DescribeRecommender unchanged."""
    tuned = aws.local_model_tuning(arns["you"])
    assert tuned["settings"] == asdict(tuning.Settings()) and tuned["validation_ndcg_at_10"] is None
    assert tuned["l2"] > 0 and tuned["n_validation_users"] < tuning.MIN_VALIDATION_USERS
    assert aws.local_model_tuning(arns["views"]) is None
    personalize = _client("personalize")
    personalize.describe_recommender(recommenderArn=arns["you"])
    assert_valid(personalize, "DescribeRecommender")


def test_recommended_for_you__cold_user_gets_popular_items(runtime, arns):
    items = _get(runtime, arns["you"], userId="stranger", numResults=3)
    assert _ids(items) == ["x", "y", "p1"]  # 40, 40 and 30 shoppers
    assert items[0]["score"] == items[1]["score"] > items[2]["score"] > 0


def test_num_results(runtime, arns):
    assert len(_get(runtime, arns["you"], userId="u0", numResults=7)) == 7
    assert _get(runtime, arns["views"], userId="u0", numResults=0) == []
    assert_error(
        lambda: runtime.get_recommendations(recommenderArn=arns["views"], userId="u0", numResults=501),
        "InvalidInputException",
        400,
        "500",
    )


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("views", {"itemId": "x"}, "userId is required"),
        ("best", {}, "userId is required"),
        ("you", {"itemId": "x"}, "userId is required"),
        ("cwv", {"userId": "u0"}, "itemId is required"),
        ("fbt", {"userId": "u0"}, "itemId is required"),
    ],
)
def test_get_recommendations__invalid(runtime, arns, name, kwargs, message):
    call = lambda: runtime.get_recommendations(recommenderArn=arns[name], **kwargs)  # noqa: E731
    assert_error(call, "InvalidInputException", 400, message)


def test_get_recommendations__target(runtime, arns):
    missing = f"arn:aws:personalize:{REGION_ACCOUNT}:recommender/none"
    campaign = f"arn:aws:personalize:{REGION_ACCOUNT}:campaign/c"
    call = runtime.get_recommendations
    assert_error(lambda: call(recommenderArn=missing, userId="u0"), "ResourceNotFoundException", 404, missing)
    assert_error(lambda: call(campaignArn=campaign, userId="u0"), "ResourceNotFoundException", 404, campaign)
    assert_error(lambda: call(userId="u0"), "InvalidInputException", 400, "exactly one")
    assert_error(
        lambda: call(recommenderArn=arns["you"], campaignArn=campaign, userId="u0"),
        "InvalidInputException",
        400,
        "exactly one",
    )


def test_get_recommendations__not_active(personalize, personalize_runtime, s3):
    group, _ = shop.make_group(personalize, s3, shop.rows(purchases=False))
    rec = shop.create_recommender(personalize, group, shop.BEST_SELLERS, "best")
    assert rec["status"] == "CREATE FAILED"
    call = lambda: personalize_runtime.get_recommendations(recommenderArn=rec["recommenderArn"], userId="u0")  # noqa: E731
    assert_error(call, "InvalidInputException", 400, "CREATE FAILED")


def test_get_recommendations__from_another_process(runtime, arns, shop_state):
    """A second process (the storefront) serves the same answer from the shared state folder."""
    code = (
        "import sys\nfrom helpers import aws\naws.activate('local', sys.argv[1])\nimport boto3\n"
        "items = boto3.client('personalize-runtime').get_recommendations(recommenderArn=sys.argv[2], "
        "userId='u0', numResults=5)['itemList']\nprint(' '.join(i['itemId'] for i in items))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(shop_state[0]), arns["you"]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == _ids(_get(runtime, arns["you"], userId="u0", numResults=5))

"""Contract tests of solutionConfig: checked at CreateSolution, honoured where the model has an
analogue; and of the Trending-Now recipe (solutions, campaigns without userId, no batch jobs)."""

from __future__ import annotations

import json

import pytest

from helpers.localaws.personalize.training import usecases
from tests.contract import shop
from tests.contract.conftest import assert_error, snapshot, wait_for
from tests.contract.test_batch_jobs import INPUT, OUTPUT, put_input
from tests.contract.test_solutions import RECIPE, SIMS, USER_PERSONALIZATION, make_solution, train

POPULARITY = RECIPE + "aws-popularity-count"
TRENDING = RECIPE + "aws-trending-now"
INTERVAL = 7_200
"""Trending-Now's default trend discovery frequency (2 hours), in seconds."""


@pytest.fixture
def group(personalize, s3):
    """A custom dataset group with the shop's interactions."""
    return shop.make_group(personalize, s3, shop.rows(), domain=None)[0]


def model_of(state, version: dict) -> usecases.Model:
    """The trained model of a solution version, read from the local state."""
    doc = state.get("solution-version", version["solutionVersionArn"])
    return usecases.load(state.absolute(doc["modelFile"]))


def top_items(personalize_runtime, campaign: str, n: int = 3, **kw) -> list[str]:
    found = personalize_runtime.get_recommendations(campaignArn=campaign, numResults=n, **kw)["itemList"]
    return [i["itemId"] for i in found]


def deploy(personalize, version: dict, name: str) -> str:
    arn = personalize.create_campaign(name=name, solutionVersionArn=version["solutionVersionArn"])[
        "campaignArn"
    ]
    assert wait_for(personalize.describe_campaign, "campaign", campaignArn=arn)["status"] == "ACTIVE"
    return arn


# --- checks at CreateSolution ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("recipe", "kw", "message"),
    [
        (USER_PERSONALIZATION, {"algorithmHyperParameters": {"hidden_size": "64"}}, "hidden_size"),
        (USER_PERSONALIZATION, {"algorithmHyperParameters": {"hidden_dimension": "16"}}, "[32, 256]"),
        (USER_PERSONALIZATION, {"algorithmHyperParameters": {"bptt": "2.5"}}, "bptt must be an integer"),
        (USER_PERSONALIZATION, {"algorithmHyperParameters": {"recency_mask": "maybe"}}, "recency_mask"),
        (
            USER_PERSONALIZATION,
            {"featureTransformationParameters": {"max_user_history_length_percentile": "1.5"}},
            "max_user_history_length_percentile",
        ),
        (
            SIMS,
            {"algorithmHyperParameters": {"popularity_discount_factor": "x"}},
            "popularity_discount_factor",
        ),
        (SIMS, {"algorithmHyperParameters": {"min_cointeraction_count": "11"}}, "min_cointeraction_count"),
        (POPULARITY, {"algorithmHyperParameters": {"hidden_dimension": "64"}}, "has: none"),
        (TRENDING, {"featureTransformationParameters": {"trend_discovery_frequency": "5 minutes"}}, "1 hour"),
        (
            USER_PERSONALIZATION,
            {
                "hpoConfig": {
                    "algorithmHyperParameterRanges": {
                        "continuousHyperParameterRanges": [
                            {"name": "hidden_dimension", "minValue": 32, "maxValue": 64}
                        ]
                    }
                }
            },
            "hidden_dimension",
        ),
        (
            USER_PERSONALIZATION,
            {
                "hpoConfig": {
                    "algorithmHyperParameterRanges": {
                        "integerHyperParameterRanges": [
                            {"name": "hidden_dimension", "minValue": 128, "maxValue": 64}
                        ]
                    }
                }
            },
            "above maxValue",
        ),
        (
            SIMS,
            {
                "hpoConfig": {
                    "algorithmHyperParameterRanges": {
                        "continuousHyperParameterRanges": [
                            {"name": "min_item_interaction_count_percentile", "minValue": 0, "maxValue": 1}
                        ]
                    }
                }
            },
            "HPO cannot tune",
        ),
        (POPULARITY, {"eventValueThreshold": "ten"}, "eventValueThreshold must be a number"),
        (POPULARITY, {"eventValueThreshold": "10"}, "needs eventType"),
    ],
)
def test_create_solution__solution_config(personalize, group, state, recipe, kw, message):
    before = snapshot(state)
    assert_error(
        lambda: personalize.create_solution(
            name="s", datasetGroupArn=group, recipeArn=recipe, solutionConfig=kw
        ),
        "InvalidInputException",
        400,
        message,
    )
    assert snapshot(state) == before


def test_create_solution__accepts_the_guides_names(personalize, group):
    config = {
        "algorithmHyperParameters": {"hidden_dimension": "64", "bptt": "16", "recency_mask": "False"},
        "featureTransformationParameters": {"min_user_history_length_percentile": "0.05"},
        "hpoConfig": {
            "algorithmHyperParameterRanges": {
                "integerHyperParameterRanges": [
                    {"name": "hidden_dimension", "minValue": 32, "maxValue": 128}
                ],
                "categoricalHyperParameterRanges": [{"name": "recency_mask", "values": ["true", "false"]}],
            }
        },
    }
    arn = make_solution(personalize, group, solutionConfig=config, performAutoTraining=False)
    assert personalize.describe_solution(solutionArn=arn)["solution"]["solutionConfig"] == config


# --- what the configuration changes ---------------------------------------------------------
def test_event_type__trains_on_that_type_only(personalize, group, personalize_runtime):
    every = train(personalize, make_solution(personalize, group, POPULARITY, name="every"))
    views = train(personalize, make_solution(personalize, group, POPULARITY, name="views", eventType="View"))
    assert views["status"] == "ACTIVE", views.get("failureReason")
    assert top_items(personalize_runtime, deploy(personalize, every, "every"), userId="u0") == [
        "p1",
        "p2",
        "p3",
    ]
    # by View events alone, x and y (40 views each) lead: no purchase counts
    assert top_items(personalize_runtime, deploy(personalize, views, "views"), 2, userId="u0") == ["x", "y"]


def test_event_type__too_few_events_fail_the_version(personalize, s3):
    data = shop.with_count(shop.rows(), "Purchase", 999)
    group = shop.make_group(personalize, s3, data, name="few", domain=None)[0]
    version = train(personalize, make_solution(personalize, group, POPULARITY, eventType="Purchase"))
    assert version["status"] == "CREATE FAILED"
    assert (
        "at least 1000 interactions" in version["failureReason"] and "999 remain" in version["failureReason"]
    )


def valued_group(personalize, s3) -> str:
    """A custom dataset group whose purchases have an EVENT_VALUE: ``cheap`` 1,500 purchases of value
    1, ``pricey`` 1,000 of value 10, by 50 shoppers."""
    fields = json.loads(shop.schema())
    fields["fields"].append({"name": "EVENT_VALUE", "type": "float"})
    group = personalize.create_dataset_group(name="valued")["datasetGroupArn"]
    wait_for(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    schema = personalize.create_schema(name="valued", schema=json.dumps(fields))["schemaArn"]
    dataset = personalize.create_dataset(
        name="valued", datasetType="Interactions", datasetGroupArn=group, schemaArn=schema
    )["datasetArn"]
    wait_for(personalize.describe_dataset, "dataset", datasetArn=dataset)
    lines = ["USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE,EVENT_VALUE"]
    for k in range(2_500):
        item, value = ("cheap", 1.0) if k < 1_500 else ("pricey", 10.0)
        lines.append(f"u{k % 50},{item},{shop.T0 + k},Purchase,{value}")
    s3.create_bucket(Bucket=shop.BUCKET)
    job = shop.import_csv(personalize, s3, dataset, "\n".join(lines).encode(), "valued")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    return group


def test_event_value_threshold__leaves_low_value_events_out(personalize, s3, personalize_runtime):
    group = valued_group(personalize, s3)
    every = train(personalize, make_solution(personalize, group, POPULARITY, name="every"))
    high = make_solution(
        personalize,
        group,
        POPULARITY,
        name="high",
        eventType="Purchase",
        solutionConfig={"eventValueThreshold": "5"},
    )
    valued = train(personalize, high)
    assert valued["status"] == "ACTIVE", valued.get("failureReason")
    assert top_items(personalize_runtime, deploy(personalize, every, "every"), 1, userId="u1") == ["cheap"]
    assert top_items(personalize_runtime, deploy(personalize, valued, "high"), 1, userId="u1") == ["pricey"]


def test_event_value_threshold__above_every_value_fails_the_version(personalize, s3):
    group = valued_group(personalize, s3)
    config = {"eventValueThreshold": "10.5"}
    version = train(
        personalize,
        make_solution(personalize, group, POPULARITY, eventType="Purchase", solutionConfig=config),
    )
    assert version["status"] == "CREATE FAILED"
    assert "0 remain" in version["failureReason"]


def test_event_value_threshold__needs_an_event_value_field(personalize, group):
    config = {"eventValueThreshold": "1"}
    version = train(
        personalize, make_solution(personalize, group, POPULARITY, eventType="View", solutionConfig=config)
    )
    assert version["status"] == "CREATE FAILED"
    assert "EVENT_VALUE" in version["failureReason"]


def test_recency_mask__false_weighs_every_event_equally(personalize, group, state):
    default = train(personalize, make_solution(personalize, group, name="default"))
    flat = make_solution(
        personalize,
        group,
        name="flat",
        solutionConfig={"algorithmHyperParameters": {"recency_mask": "false"}},
    )
    version = train(personalize, flat)
    assert model_of(state, default).tuning.settings.half_life_days == 30.0
    assert model_of(state, version).tuning.settings.half_life_days is None


def test_recency_mask__an_hpo_range_constrains_the_search(personalize, group):
    ranges = {"categoricalHyperParameterRanges": [{"name": "recency_mask", "values": ["false"]}]}
    solution = make_solution(
        personalize,
        group,
        performHPO=True,
        solutionConfig={"hpoConfig": {"algorithmHyperParameterRanges": ranges}},
    )
    tuned = train(personalize, solution)["tunedHPOParams"]["algorithmHyperParameters"]
    assert tuned["half_life_days"] == "None"


def test_user_history_percentile__leaves_long_histories_out_of_training(personalize, group, state):
    default = train(personalize, make_solution(personalize, group, name="default"))
    config = {"featureTransformationParameters": {"max_user_history_length_percentile": "0.5"}}
    short = train(personalize, make_solution(personalize, group, name="short", solutionConfig=config))
    # u0–u19 have the longest histories (78 and 61 events; u20–u39 have 44 and 27): only u20–u39
    # train, and p2 and p3 were bought by u0–u19 only
    for version, bought in ((default, True), (short, False)):
        model = model_of(state, version)
        assert all((model.personal.popularity[model.item_index(i)] > 0) == bought for i in ("p2", "p3"))
    assert model_of(state, short).personal.popularity[model_of(state, short).item_index("p1")] > 0


# --- Trending-Now ---------------------------------------------------------------------------
def trend_rows() -> list[tuple[str, str, int, str]]:
    """Nine 2-hour intervals of Views by 60 shoppers: ``steady`` 60 an interval, ``hot`` 0, 0, 0,
    2, 4, 8, 16, 32, 64 (it doubles), ``f0``–``f9`` 5 each an interval: 1,116 events, all within
    the first 100 s of their interval."""
    rows, n = [], 0
    hot = [0, 0, 0, 2, 4, 8, 16, 32, 64]
    for b in range(9):
        items = ["steady"] * 60 + [f"f{k}" for k in range(10) for _ in range(5)] + ["hot"] * hot[b]
        for j, item in enumerate(items):
            rows.append((f"u{n % 60}", item, shop.T0 + b * INTERVAL + j * 100 // len(items), "View"))
            n += 1
    return rows


@pytest.fixture
def trend_group(personalize, s3):
    return shop.make_group(personalize, s3, trend_rows(), name="trend", domain=None)[0]


def test_trending_now__the_fastest_growing_item_comes_first(personalize, trend_group, personalize_runtime):
    version = train(personalize, make_solution(personalize, trend_group, TRENDING))
    assert version["status"] == "ACTIVE", version.get("failureReason")
    campaign = deploy(personalize, version, "trending")
    answer = personalize_runtime.get_recommendations(campaignArn=campaign)  # no userId: the same for all
    assert [i["itemId"] for i in answer["itemList"]][:2] == ["hot", "steady"]
    assert len(answer["itemList"]) == 12  # every item (the default 25 is more)
    assert top_items(personalize_runtime, campaign, userId="u1") == top_items(personalize_runtime, campaign)


def test_trending_now__a_day_long_interval_sees_no_growth_within_the_day(
    personalize, trend_group, personalize_runtime
):
    config = {"featureTransformationParameters": {"trend_discovery_frequency": "1 day"}}
    version = train(personalize, make_solution(personalize, trend_group, TRENDING, solutionConfig=config))
    # the whole data is one interval: the items rank by their events (steady 540, f* 45, hot 126)
    assert top_items(personalize_runtime, deploy(personalize, version, "daily")) == ["steady", "hot", "f0"]


def test_trending_now__gives_no_batch_recommendations(personalize, trend_group, s3, state):
    version = train(personalize, make_solution(personalize, trend_group, TRENDING))
    put_input(s3, [json.dumps({"userId": "u1"})])
    before = snapshot(state)
    assert_error(
        lambda: personalize.create_batch_inference_job(
            jobName="job",
            solutionVersionArn=version["solutionVersionArn"],
            jobInput={"s3DataSource": {"path": INPUT}},
            jobOutput={"s3DataDestination": {"path": OUTPUT}},
            roleArn=shop.ROLE,
        ),
        "InvalidInputException",
        400,
        "aws-trending-now",
    )
    assert snapshot(state) == before


def test_perform_hpo__sims_tunes_its_hyperparameters_within_the_ranges(personalize, group):
    ranges = {
        "continuousHyperParameterRanges": [
            {"name": "popularity_discount_factor", "minValue": 0.2, "maxValue": 0.6}
        ],
        "integerHyperParameterRanges": [{"name": "min_cointeraction_count", "minValue": 1, "maxValue": 3}],
    }
    config = {"hpoConfig": {"algorithmHyperParameterRanges": ranges}}
    version = train(
        personalize, make_solution(personalize, group, SIMS, performHPO=True, solutionConfig=config)
    )
    assert version["status"] == "ACTIVE", version.get("failureReason")
    tuned = version["tunedHPOParams"]["algorithmHyperParameters"]
    assert set(tuned) == {"popularity_discount_factor", "min_cointeraction_count"}
    assert float(tuned["popularity_discount_factor"]) in (0.2, 0.4, 0.6)
    assert tuned["min_cointeraction_count"] in ("1", "2", "3")


def test_perform_hpo__a_given_value_is_kept(personalize, group):
    config = {"algorithmHyperParameters": {"popularity_discount_factor": "0.3"}}
    version = train(
        personalize, make_solution(personalize, group, SIMS, performHPO=True, solutionConfig=config)
    )
    assert version["tunedHPOParams"]["algorithmHyperParameters"]["popularity_discount_factor"] == "0.3"


def test_perform_hpo__off_reports_no_tuned_values(personalize, group):
    version = train(personalize, make_solution(personalize, group, SIMS))
    assert "tunedHPOParams" not in version


# --- eventsConfig (the v2 recipes) ----------------------------------------------------------
V2 = RECIPE + "aws-user-personalization-v2"


def weights_of(state, version: dict) -> list[float]:
    """The distinct event weights a version's model trained with (rounded)."""
    return sorted(set(model_of(state, version).history.weights.astype(float).round(3).tolist()))


WEIGHTS = {
    "eventParametersList": [{"eventType": "View", "weight": 0.1}, {"eventType": "Purchase", "weight": 1.0}]
}


def test_events_config__weighs_each_event_type(personalize, group, state):
    default = train(personalize, make_solution(personalize, group, V2, name="default"))
    weighted = train(
        personalize, make_solution(personalize, group, V2, name="w", solutionConfig={"eventsConfig": WEIGHTS})
    )
    assert weighted["status"] == "ACTIVE", weighted.get("failureReason")
    assert weights_of(state, default) == [1.0, 4.0]  # View 1, Purchase 4
    assert weights_of(state, weighted) == [0.1, 1.0]


def test_events_config__only_the_listed_types_count(personalize, group, state):
    views = {"eventParametersList": [{"eventType": "View", "weight": 0.5}]}
    version = train(
        personalize, make_solution(personalize, group, V2, solutionConfig={"eventsConfig": views})
    )
    model = model_of(state, version)
    assert all(
        model.personal.popularity[model.item_index(i)] == 0 for i in ("p1", "p2", "p3")
    )  # purchases only


def test_events_config__only_the_v2_recipes_take_one(personalize, group, state):
    before = snapshot(state)
    assert_error(
        lambda: personalize.create_solution(
            name="s",
            datasetGroupArn=group,
            recipeArn=USER_PERSONALIZATION,
            solutionConfig={"eventsConfig": WEIGHTS},
        ),
        "InvalidInputException",
        400,
        "aws-user-personalization-v2",
    )
    twice = {"eventParametersList": [{"eventType": "View"}, {"eventType": "View", "weight": 0.5}]}
    assert_error(
        lambda: personalize.create_solution(
            name="s", datasetGroupArn=group, recipeArn=V2, solutionConfig={"eventsConfig": twice}
        ),
        "InvalidInputException",
        400,
        "listed twice",
    )
    assert snapshot(state) == before


def test_update_solution__events_config_applies_to_the_next_version(personalize, group, state):
    solution = make_solution(personalize, group, V2)
    personalize.update_solution(solutionArn=solution, solutionUpdateConfig={"eventsConfig": WEIGHTS})
    updated = wait_for(personalize.describe_solution, "solution", solutionArn=solution)
    assert updated["solutionConfig"]["eventsConfig"] == WEIGHTS
    version = train(personalize, solution)
    assert weights_of(state, version) == [0.1, 1.0]


def test_perform_hpo__max_number_of_training_jobs_bounds_the_search(personalize, group):
    """With one job, only the first pair is tried: the smallest discount and count of the ranges."""
    config = {"hpoConfig": {"hpoResourceConfig": {"maxNumberOfTrainingJobs": "1"}}}
    version = train(
        personalize, make_solution(personalize, group, SIMS, performHPO=True, solutionConfig=config)
    )
    tuned = version["tunedHPOParams"]["algorithmHyperParameters"]
    assert tuned == {"min_cointeraction_count": "0", "popularity_discount_factor": "0"}


def test_perform_hpo__max_number_of_training_jobs_must_be_a_positive_integer(personalize, group, state):
    before = snapshot(state)
    config = {"hpoConfig": {"hpoResourceConfig": {"maxNumberOfTrainingJobs": "none"}}}
    assert_error(
        lambda: personalize.create_solution(
            name="s", datasetGroupArn=group, recipeArn=SIMS, performHPO=True, solutionConfig=config
        ),
        "InvalidInputException",
        400,
        "maxNumberOfTrainingJobs",
    )
    assert snapshot(state) == before


def test_trending_now__new_interactions_count_without_a_new_version(
    personalize, trend_group, personalize_runtime, personalize_events
):
    version = train(personalize, make_solution(personalize, trend_group, TRENDING))
    campaign = deploy(personalize, version, "trending")
    assert top_items(personalize_runtime, campaign, 1) == ["hot"]
    tracker = personalize.create_event_tracker(name="t", datasetGroupArn=trend_group)["trackingId"]
    start = shop.T0 + 9 * INTERVAL + 100  # a new 2-hour interval: only f3 is seen in it
    events = [{"eventType": "View", "itemId": "f3", "sentAt": start + k} for k in range(30)]
    for batch in range(0, len(events), 10):  # PutEvents takes at most 10 events a call
        personalize_events.put_events(
            trackingId=tracker, userId="u1", sessionId="s", eventList=events[batch : batch + 10]
        )
    assert top_items(personalize_runtime, campaign, 1) == ["f3"]
    version_now = personalize.describe_solution_version(solutionVersionArn=version["solutionVersionArn"])
    assert (
        version_now["solutionVersion"]["lastUpdatedDateTime"] == version["lastUpdatedDateTime"]
    )  # no retraining

"""Contract tests of DescribeRecipe's algorithm, DescribeAlgorithm and DescribeFeatureTransformation."""

from __future__ import annotations

import pytest

from helpers.localaws.personalize import algorithms, solutions
from tests.contract.conftest import assert_error, assert_valid, snapshot

RECIPE = "arn:aws:personalize:::recipe/"
ALGORITHM = "arn:aws:personalize:::algorithm/"
FEATURES = "arn:aws:personalize:::feature-transformation/"


@pytest.mark.parametrize("recipe", sorted(set(solutions.SERVED_AS) | {solutions.NEXT_BEST_ACTION}))
def test_describe_recipe__names_its_algorithm_and_feature_transformation(personalize, recipe):
    found = personalize.describe_recipe(recipeArn=RECIPE + recipe)["recipe"]
    assert_valid(personalize, "DescribeRecipe")
    algorithm = personalize.describe_algorithm(algorithmArn=found["algorithmArn"])["algorithm"]
    assert_valid(personalize, "DescribeAlgorithm")
    features = personalize.describe_feature_transformation(
        featureTransformationArn=found["featureTransformationArn"]
    )["featureTransformation"]
    assert_valid(personalize, "DescribeFeatureTransformation")
    assert algorithm["algorithmArn"] == found["algorithmArn"]
    assert features["featureTransformationArn"] == found["featureTransformationArn"]
    assert features["status"] == "ACTIVE"


@pytest.mark.parametrize(
    ("recipe", "algorithm", "features"),
    [  # the Developer Guide's ARNs of each recipe
        ("aws-user-personalization", "aws-user-personalization", "JSON-percentile-filtering"),
        ("aws-personalized-ranking", "aws-personalized-ranking", "JSON-percentile-filtering"),
        ("aws-sims", "aws-sims", "sims"),
        ("aws-popularity-count", "aws-popularity-count", "sims"),
        ("aws-trending-now", "aws-trending-now-custom", "aws-trending-now"),
    ],
)
def test_describe_recipe__the_guides_arns(personalize, recipe, algorithm, features):
    found = personalize.describe_recipe(recipeArn=RECIPE + recipe)["recipe"]
    assert (found["algorithmArn"], found["featureTransformationArn"]) == (
        ALGORITHM + algorithm,
        FEATURES + features,
    )


def test_describe_recipe__trending_now_is_user_personalization(personalize):
    found = personalize.describe_recipe(recipeArn=RECIPE + "aws-trending-now")["recipe"]
    assert found["recipeType"] == "USER_PERSONALIZATION"
    listed = [r["name"] for r in personalize.list_recipes()["recipes"]]
    assert "aws-trending-now" in listed


def test_describe_algorithm__user_personalization(personalize):
    algorithm = personalize.describe_algorithm(algorithmArn=ALGORITHM + "aws-user-personalization")[
        "algorithm"
    ]
    assert algorithm["defaultHyperParameters"] == {
        "hidden_dimension": "149",
        "bptt": "32",
        "recency_mask": "True",
    }
    ranges = algorithm["defaultHyperParameterRanges"]
    assert ranges["integerHyperParameterRanges"] == [
        {"name": "hidden_dimension", "minValue": 32, "maxValue": 256, "isTunable": True},
        {"name": "bptt", "minValue": 2, "maxValue": 32, "isTunable": True},
    ]
    assert ranges["categoricalHyperParameterRanges"] == [
        {"name": "recency_mask", "values": ["true", "false"], "isTunable": True}
    ]
    assert ranges["continuousHyperParameterRanges"] == []
    assert algorithm["trainingInputMode"] == "File"
    assert algorithm["defaultResourceConfig"]
    assert algorithm["algorithmImage"]["dockerURI"]


def test_describe_algorithm__sims(personalize):
    algorithm = personalize.describe_algorithm(algorithmArn=ALGORITHM + "aws-sims")["algorithm"]
    assert algorithm["defaultHyperParameters"] == {
        "popularity_discount_factor": "0.5",
        "min_cointeraction_count": "3",
    }
    ranges = algorithm["defaultHyperParameterRanges"]
    assert ranges["continuousHyperParameterRanges"] == [
        {"name": "popularity_discount_factor", "minValue": 0.0, "maxValue": 1.0, "isTunable": True}
    ]
    assert ranges["integerHyperParameterRanges"] == [
        {"name": "min_cointeraction_count", "minValue": 0, "maxValue": 10, "isTunable": True}
    ]


@pytest.mark.parametrize(
    ("name", "defaults"),
    [
        (
            "JSON-percentile-filtering",
            {"min_user_history_length_percentile": "0.0", "max_user_history_length_percentile": "0.99"},
        ),
        (
            "sims",
            {
                "min_user_history_length_percentile": "0.005",
                "max_user_history_length_percentile": "0.995",
                "min_item_interaction_count_percentile": "0.01",
                "max_item_interaction_count_percentile": "0.9",
            },
        ),
        ("aws-trending-now", {"trend_discovery_frequency": "2 hours"}),
    ],
)
def test_describe_feature_transformation(personalize, name, defaults):
    found = personalize.describe_feature_transformation(featureTransformationArn=FEATURES + name)
    assert found["featureTransformation"]["defaultParameters"] == defaults
    assert found["featureTransformation"]["name"] == name


@pytest.mark.parametrize(
    ("call", "member", "arn", "code", "message"),
    [
        (
            "describe_algorithm",
            "algorithmArn",
            ALGORITHM + "aws-nothing",
            "ResourceNotFoundException",
            "aws-nothing",
        ),
        (
            "describe_algorithm",
            "algorithmArn",
            "arn:aws:personalize:::algorithm",
            "InvalidInputException",
            "ARN",
        ),
        ("describe_algorithm", "algorithmArn", RECIPE + "aws-sims", "InvalidInputException", "algorithm ARN"),
        ("describe_recipe", "recipeArn", RECIPE + "aws-nothing", "ResourceNotFoundException", "aws-nothing"),
        (
            "describe_recipe",
            "recipeArn",
            "arn:aws:personalize:us-east-1:1:recipe/x",
            "InvalidInputException",
            "ARN",
        ),
        (
            "describe_feature_transformation",
            "featureTransformationArn",
            FEATURES + "nothing",
            "ResourceNotFoundException",
            "nothing",
        ),
        (
            "describe_feature_transformation",
            "featureTransformationArn",
            "not-an-arn",
            "InvalidInputException",
            "not-an-arn",
        ),
    ],
)
def test_describe__errors(personalize, state, call, member, arn, code, message):
    before = snapshot(state)
    assert_error(lambda: getattr(personalize, call)(**{member: arn}), code, 400, message)
    assert snapshot(state) == before


def test_every_recipe_has_an_algorithm():
    """The table covers every custom recipe the solutions train."""
    assert set(solutions.SERVED_AS) | {solutions.NEXT_BEST_ACTION} <= set(algorithms.RECIPE_ALGORITHMS)

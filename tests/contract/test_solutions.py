"""Contract tests of local Personalize solutions and solution versions (the custom recipes)."""

from __future__ import annotations

import os
import threading

import pytest

from helpers.localaws.engine import jobs
from helpers.localaws.personalize import recipes as personalize
from helpers.localaws.personalize import solutions
from helpers.localaws.personalize.training import segmentation
from helpers.recsys.metrics import PERSONALIZE_METRIC_KEYS
from tests.contract import shop
from tests.contract.conftest import assert_error, assert_valid, snapshot, wait_for

REGION_ACCOUNT = f"{os.environ.get('AWS_DEFAULT_REGION', 'us-east-1')}:123456789012"
RECIPE = "arn:aws:personalize:::recipe/"
USER_PERSONALIZATION = RECIPE + "aws-user-personalization"
SIMS = RECIPE + "aws-sims"


@pytest.fixture
def group(personalize, s3):
    """A custom dataset group with the shop's interactions and items."""
    arn = shop.make_group(personalize, s3, shop.rows(), domain=None)[0]
    shop.add_items(personalize, s3, arn)
    return arn


def make_solution(personalize, group: str, recipe: str = USER_PERSONALIZATION, name: str = "s", **kw) -> str:
    """An ACTIVE solution's ARN."""
    arn = personalize.create_solution(name=name, datasetGroupArn=group, recipeArn=recipe, **kw)["solutionArn"]
    assert wait_for(personalize.describe_solution, "solution", solutionArn=arn)["status"] == "ACTIVE"
    return arn


def train(personalize, solution: str, **kw) -> dict:
    """Create a solution version and wait until it is ACTIVE or CREATE FAILED; return it."""
    arn = personalize.create_solution_version(solutionArn=solution, **kw)["solutionVersionArn"]
    return wait_for(personalize.describe_solution_version, "solutionVersion", solutionVersionArn=arn)


@pytest.fixture
def hold(monkeypatch):
    """Training waits until the test sets this event (to see a version while it trains); calls
    wait at most 0.3 s for the held training to settle, as they do for work past the bound."""
    release = threading.Event()
    monkeypatch.setattr(jobs, "SETTLE_SECONDS", 0.3)
    fit = solutions.fit_recipe

    def held(*args, **kwargs):
        assert release.wait(30)
        return fit(*args, **kwargs)

    monkeypatch.setattr(solutions, "fit_recipe", held)
    yield release
    release.set()


def start_training(personalize, solution: str) -> str:
    """Create a solution version and wait until it trains (held by ``hold``); return its ARN."""
    arn = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    wait_for(
        personalize.describe_solution_version,
        "solutionVersion",
        ("CREATE IN_PROGRESS",),
        solutionVersionArn=arn,
    )
    return arn


# --- solutions ------------------------------------------------------------------------------
def test_create_solution(personalize, group):
    arn = personalize.create_solution(
        name="s",
        datasetGroupArn=group,
        recipeArn=USER_PERSONALIZATION,
        solutionConfig={"algorithmHyperParameters": {"hidden_dimension": "64"}},
    )["solutionArn"]
    assert_valid(personalize, "CreateSolution")
    assert arn == f"arn:aws:personalize:{REGION_ACCOUNT}:solution/s"
    solution = wait_for(personalize.describe_solution, "solution", solutionArn=arn)
    assert_valid(personalize, "DescribeSolution")
    assert solution["status"] == "ACTIVE"
    assert (solution["name"], solution["recipeArn"], solution["datasetGroupArn"]) == (
        "s",
        USER_PERSONALIZATION,
        group,
    )
    assert solution["performHPO"] is False and solution["performAutoML"] is False
    assert solution["performAutoTraining"] is True  # AWS's default: a new version every 7 days
    assert solution["solutionConfig"] == {
        "algorithmHyperParameters": {"hidden_dimension": "64"},
        "autoTrainingConfig": {"schedulingExpression": "rate(7 days)"},
    }
    assert "latestSolutionVersion" not in solution


def test_create_solution__without_automatic_training(personalize, group):
    arn = make_solution(personalize, group, performAutoTraining=False)
    solution = personalize.describe_solution(solutionArn=arn)["solution"]
    assert solution["performAutoTraining"] is False
    assert "solutionConfig" not in solution or "autoTrainingConfig" not in (solution["solutionConfig"] or {})


def test_create_solution__own_schedule(personalize, group):
    schedule = {"autoTrainingConfig": {"schedulingExpression": "rate(30 days)"}}
    arn = make_solution(personalize, group, solutionConfig=schedule)
    assert personalize.describe_solution(solutionArn=arn)["solution"]["solutionConfig"] == schedule


@pytest.mark.parametrize("expression", ["rate(0 days)", "rate(31 days)", "rate(365 days)"])
def test_create_solution__schedule_out_of_bounds(personalize, group, state, expression):
    before = snapshot(state)
    assert_error(
        lambda: personalize.create_solution(
            name="s",
            datasetGroupArn=group,
            recipeArn=USER_PERSONALIZATION,
            solutionConfig={"autoTrainingConfig": {"schedulingExpression": expression}},
        ),
        "InvalidInputException",
        400,
        f"solutionConfig.autoTrainingConfig.schedulingExpression {expression!r}",
    )
    assert snapshot(state) == before


def test_create_solution__on_a_domain_dataset_group(personalize, s3):
    group = shop.make_group(personalize, s3, shop.rows(), name="domain")[0]
    version = train(personalize, make_solution(personalize, group, SIMS))
    assert version["status"] == "ACTIVE", version.get("failureReason")


@pytest.mark.parametrize(
    ("recipe", "code", "status", "message"),
    [
        (RECIPE + "aws-nothing", "ResourceNotFoundException", 400, "aws-nothing"),
        (shop.FOR_YOU, "InvalidInputException", 400, "create a recommender"),
    ],
)
def test_create_solution__recipe(personalize, group, state, recipe, code, status, message):
    before = snapshot(state)
    call = lambda: personalize.create_solution(name="s", datasetGroupArn=group, recipeArn=recipe)  # noqa: E731
    assert_error(call, code, status, message)
    assert snapshot(state) == before


def test_create_solution__errors(personalize, group, state):
    make_solution(personalize, group)
    before = snapshot(state)
    create = personalize.create_solution
    missing = f"arn:aws:personalize:{REGION_ACCOUNT}:dataset-group/none"
    assert_error(
        lambda: create(name="s", datasetGroupArn=group, recipeArn=SIMS),
        "ResourceAlreadyExistsException",
        400,
        "s",
    )
    assert_error(
        lambda: create(name="t", datasetGroupArn=missing, recipeArn=SIMS),
        "ResourceNotFoundException",
        400,
        missing,
    )
    assert_error(
        lambda: create(name="t", datasetGroupArn=group, recipeArn=SIMS, performAutoML=True),
        "InvalidInputException",
        400,
        "performAutoML",
    )
    tags = [{"tagKey": f"k{i}", "tagValue": "v"} for i in range(51)]
    assert_error(
        lambda: create(name="t", datasetGroupArn=group, recipeArn=SIMS, tags=tags),
        "TooManyTagsException",
        400,
    )
    assert snapshot(state) == before


def test_list_solutions(personalize, group, s3):
    other = shop.make_group(personalize, s3, shop.rows(), name="other", domain=None)[0]
    first = make_solution(personalize, group, name="first")
    second = make_solution(personalize, group, SIMS, name="second")
    make_solution(personalize, other, name="elsewhere")
    found = personalize.list_solutions(datasetGroupArn=group)["solutions"]
    assert_valid(personalize, "ListSolutions")
    assert [s["solutionArn"] for s in found] == [second, first]
    assert found[0]["recipeArn"] == SIMS and found[0]["status"] == "ACTIVE"
    assert len(personalize.list_solutions()["solutions"]) == 3
    page = personalize.list_solutions(datasetGroupArn=group, maxResults=1)
    assert len(page["solutions"]) == 1 and "nextToken" in page


def test_delete_solution(personalize, group, state):
    arn = make_solution(personalize, group)
    version = train(personalize, arn)
    model_file = state.get("solution-version", version["solutionVersionArn"])["modelFile"]
    assert state.absolute(model_file).exists()
    personalize.delete_solution(solutionArn=arn)
    assert wait_gone(personalize, arn)
    assert_error(
        lambda: personalize.describe_solution_version(solutionVersionArn=version["solutionVersionArn"]),
        "ResourceNotFoundException",
        400,
    )
    assert not state.absolute(model_file).exists()


def wait_gone(personalize, arn: str) -> bool:
    """Poll DescribeSolution until the solution is gone (True) or 30 s passed (False)."""
    import time

    end = time.monotonic() + 30
    while time.monotonic() < end:
        try:
            personalize.describe_solution(solutionArn=arn)
        except personalize.exceptions.ResourceNotFoundException:
            return True
        time.sleep(0.02)
    return False


def test_delete_solution__in_use(personalize, group, state, hold):
    arn = make_solution(personalize, group)
    start_training(personalize, arn)
    before = snapshot(state)
    assert_error(
        lambda: personalize.delete_solution(solutionArn=arn), "ResourceInUseException", 400, "CREATE"
    )
    assert snapshot(state) == before
    missing = f"arn:aws:personalize:{REGION_ACCOUNT}:solution/none"
    assert_error(lambda: personalize.delete_solution(solutionArn=missing), "ResourceNotFoundException", 400)


def test_delete_dataset_group__with_a_solution(personalize, group, state):
    make_solution(personalize, group)
    for dataset in personalize.list_datasets(datasetGroupArn=group)["datasets"]:
        personalize.delete_dataset(datasetArn=dataset["datasetArn"])
    assert jobs.wait_idle(30)
    assert personalize.list_datasets(datasetGroupArn=group)["datasets"] == []
    assert_error(
        lambda: personalize.delete_dataset_group(datasetGroupArn=group),
        "ResourceInUseException",
        400,
        "solution",
    )


# --- solution versions ----------------------------------------------------------------------
@pytest.mark.parametrize("recipe", sorted(set(solutions.SERVED_AS) - {solutions.SEMANTIC}))
def test_create_solution_version__every_recipe(personalize, group, recipe):
    solution = make_solution(personalize, group, RECIPE + recipe)
    version = train(personalize, solution)
    assert_valid(personalize, "DescribeSolutionVersion")
    assert version["status"] == "ACTIVE", version.get("failureReason")
    assert version["solutionVersionArn"].startswith(solution + "/")
    assert (version["trainingMode"], version["recipeArn"], version["datasetGroupArn"]) == (
        "FULL",
        RECIPE + recipe,
        group,
    )
    metrics = personalize.get_solution_metrics(solutionVersionArn=version["solutionVersionArn"])
    assert_valid(personalize, "GetSolutionMetrics")
    assert set(metrics["metrics"]) == set(PERSONALIZE_METRIC_KEYS)
    assert all(0 <= v <= 1 for v in metrics["metrics"].values())
    latest = personalize.describe_solution(solutionArn=solution)["solution"]["latestSolutionVersion"]
    assert (latest["solutionVersionArn"], latest["status"]) == (version["solutionVersionArn"], "ACTIVE")


def test_create_solution_version__is_deterministic(personalize, group):
    """The same calls name the same versions and measure the same metrics."""
    first = train(personalize, make_solution(personalize, group, name="one"))
    again = train(personalize, make_solution(personalize, group, name="one-again"))
    metrics = [
        personalize.get_solution_metrics(solutionVersionArn=v["solutionVersionArn"])["metrics"]
        for v in (first, again)
    ]
    assert metrics[0] == metrics[1]
    assert first["solutionVersionArn"].rsplit("/", 1)[1] == solutions._version_id(
        first["solutionVersionArn"].rsplit("/", 1)[0], 1
    )


def test_create_solution_version__update(personalize, group):
    solution = make_solution(personalize, group)
    full = train(personalize, solution)
    update = train(personalize, solution, trainingMode="UPDATE")
    assert update["status"] == "ACTIVE" and update["trainingMode"] == "UPDATE"
    found = personalize.list_solution_versions(solutionArn=solution)["solutionVersions"]
    assert_valid(personalize, "ListSolutionVersions")
    assert [v["solutionVersionArn"] for v in found] == [
        update["solutionVersionArn"],
        full["solutionVersionArn"],
    ]
    assert [v["trainingMode"] for v in found] == ["UPDATE", "FULL"]


def test_create_solution_version__update_takes_in_new_data_without_refitting(personalize, s3, group):
    """UPDATE keeps the FULL version's model (its metrics) and learns the items imported since
    only as items to explore; a FULL version on the same data is a new model."""
    solution = make_solution(personalize, group)
    full = train(personalize, solution)
    datasets = personalize.list_datasets(datasetGroupArn=group)["datasets"]
    interactions = next(d["datasetArn"] for d in datasets if d["datasetType"] == "INTERACTIONS")
    views = [(f"u{u}", "brand-new", shop.T0 + 400_000 + u, "View") for u in range(40)]
    shop.import_interactions(personalize, s3, interactions, views, name="later", mode="INCREMENTAL")
    update = train(personalize, solution, trainingMode="UPDATE")
    refit = train(personalize, solution)
    metrics = [
        personalize.get_solution_metrics(solutionVersionArn=v["solutionVersionArn"])["metrics"]
        for v in (full, update, refit)
    ]
    assert update["status"] == "ACTIVE"
    assert metrics[1] == metrics[0] != metrics[2]


def test_create_solution_version__errors(personalize, group, state, s3):
    sims = make_solution(personalize, group, SIMS, name="sims")
    fresh = make_solution(personalize, group, name="fresh")
    empty_group = shop.make_group(personalize, s3, None, name="empty", domain=None)[0]
    empty = make_solution(personalize, empty_group, name="empty")
    before = snapshot(state)
    create = personalize.create_solution_version
    assert_error(
        lambda: create(solutionArn=sims, trainingMode="UPDATE"), "InvalidInputException", 400, "UPDATE"
    )
    assert_error(
        lambda: create(solutionArn=fresh, trainingMode="UPDATE"), "InvalidInputException", 400, "FULL"
    )
    assert_error(lambda: create(solutionArn=empty), "InvalidInputException", 400, "no imported data")
    missing = f"arn:aws:personalize:{REGION_ACCOUNT}:solution/none"
    assert_error(lambda: create(solutionArn=missing), "ResourceNotFoundException", 400, missing)
    assert_error(
        lambda: personalize.list_solution_versions(solutionArn=missing), "ResourceNotFoundException", 400
    )
    assert snapshot(state) == before


def test_create_solution_version__while_one_trains(personalize, group, state, hold):
    solution = make_solution(personalize, group)
    start_training(personalize, solution)
    before = snapshot(state)
    assert_error(
        lambda: personalize.create_solution_version(solutionArn=solution),
        "ResourceInUseException",
        400,
        "training",
    )
    assert snapshot(state) == before


def test_create_solution_version__similar_items_needs_item_metadata(personalize, s3):
    group = shop.make_group(personalize, s3, shop.rows(), name="bare", domain=None)[0]
    version = train(personalize, make_solution(personalize, group, RECIPE + "aws-similar-items"))
    assert version["status"] == "CREATE FAILED"
    assert "Items dataset" in version["failureReason"]


def test_get_solution_metrics__not_active(personalize, group, hold):
    arn = personalize.create_solution_version(solutionArn=make_solution(personalize, group))[
        "solutionVersionArn"
    ]
    assert_error(
        lambda: personalize.get_solution_metrics(solutionVersionArn=arn), "ResourceInUseException", 400
    )
    missing = arn.rsplit("/", 1)[0] + "/00000000"
    assert_error(
        lambda: personalize.get_solution_metrics(solutionVersionArn=missing), "ResourceNotFoundException", 400
    )


def test_stop_solution_version_creation(personalize, group, state, hold):
    arn = personalize.create_solution_version(solutionArn=make_solution(personalize, group))[
        "solutionVersionArn"
    ]
    personalize.stop_solution_version_creation(solutionVersionArn=arn)
    assert_valid(personalize, "StopSolutionVersionCreation")
    stopped = wait_for(
        personalize.describe_solution_version, "solutionVersion", ("CREATE STOPPED",), solutionVersionArn=arn
    )
    assert stopped["status"] == "CREATE STOPPED"
    hold.set()  # the training ends, finds itself stopped and keeps no model
    assert jobs.wait_idle(30)
    assert state.get("solution-version", arn)["status"] == "CREATE STOPPED"
    assert not (state.models_dir / "solution-version").exists() or not list(
        (state.models_dir / "solution-version").iterdir()
    )


def test_stop_solution_version_creation__not_training(personalize, group, state):
    arn = train(personalize, make_solution(personalize, group))["solutionVersionArn"]
    before = snapshot(state)
    assert_error(
        lambda: personalize.stop_solution_version_creation(solutionVersionArn=arn),
        "ResourceInUseException",
        400,
        "ACTIVE",
    )
    assert snapshot(state) == before


def test_update_solution(personalize, group):
    arn = make_solution(personalize, group)
    schedule = {"autoTrainingConfig": {"schedulingExpression": "rate(3 days)"}}
    personalize.update_solution(solutionArn=arn, performAutoTraining=True, solutionUpdateConfig=schedule)
    assert_valid(personalize, "UpdateSolution")
    assert jobs.wait_idle(30)
    solution = personalize.describe_solution(solutionArn=arn)["solution"]
    assert_valid(personalize, "DescribeSolution")
    assert solution["latestSolutionUpdate"]["status"] == "ACTIVE"
    assert solution["performAutoTraining"] is True
    assert solution["solutionConfig"]["autoTrainingConfig"] == {"schedulingExpression": "rate(3 days)"}


def test_update_solution__errors(personalize, group, state):
    arn = make_solution(personalize, group)
    before = snapshot(state)
    events = {"eventsConfig": {"eventParametersList": [{"eventType": "View", "weight": 0.5}]}}
    assert_error(
        lambda: personalize.update_solution(solutionArn=arn, solutionUpdateConfig=events),
        "InvalidInputException",
        400,
        "eventsConfig",
    )
    # API reference, AutoTrainingConfig: "For value, specify a number between 1 and 30."
    every_31_days = {"autoTrainingConfig": {"schedulingExpression": "rate(31 days)"}}
    assert_error(
        lambda: personalize.update_solution(solutionArn=arn, solutionUpdateConfig=every_31_days),
        "InvalidInputException",
        400,
        "solutionUpdateConfig.autoTrainingConfig.schedulingExpression 'rate(31 days)'",
    )
    missing = f"arn:aws:personalize:{REGION_ACCOUNT}:solution/none"
    assert_error(
        lambda: personalize.update_solution(solutionArn=missing, performAutoTraining=False),
        "ResourceNotFoundException",
        400,
        missing,
    )
    assert snapshot(state) == before


def test_tag_resource__solution_version(personalize, group):
    version = train(personalize, make_solution(personalize, group))["solutionVersionArn"]
    personalize.tag_resource(resourceArn=version, tags=[{"tagKey": "team", "tagValue": "shop"}])
    assert personalize.list_tags_for_resource(resourceArn=version)["tags"] == [
        {"tagKey": "team", "tagValue": "shop"}
    ]
    solution = version.rsplit("/", 1)[0]
    assert personalize.list_tags_for_resource(resourceArn=solution)["tags"] == []


def test_create_solution_version__perform_hpo(personalize, group):
    """performHPO tunes the model's settings and reports them; without it the defaults train."""
    tuned = train(personalize, make_solution(personalize, group, name="hpo", performHPO=True))
    params = tuned["tunedHPOParams"]["algorithmHyperParameters"]
    assert {"relative_l2", "half_life_days", "combination", "lambda"} <= set(params)
    assert float(params["lambda"]) > 0
    plain = train(personalize, make_solution(personalize, group, name="plain"))
    assert "tunedHPOParams" not in plain


def test_every_listed_custom_recipe_trains():
    """ListRecipes' custom recipes are exactly those a solution version can train (Semantic-Similarity
    and Next-Best-Action in test_new_recipes, on data with text and actions)."""
    trained = set(solutions.SERVED_AS) | set(segmentation.RECIPES) | {solutions.NEXT_BEST_ACTION}
    assert set(personalize.CUSTOM_RECIPES) == trained

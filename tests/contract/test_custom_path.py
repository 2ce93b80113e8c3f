"""The custom-solution path of AWS's getting-started samples, replayed end to end on the local backend.

Schema → custom dataset group → Interactions dataset → import → solutions (user personalization,
SIMS, personalized ranking) → versions → metrics → campaigns → recommendations and ranking, with
the calls (and the polling) the samples make.
"""

from __future__ import annotations

import time

from tests.contract import shop

RECIPE = "arn:aws:personalize:::recipe/"


def _wait(describe, key: str, timeout: float = 60, **kw) -> dict:
    """Poll as the samples do, until the resource is ACTIVE or CREATE FAILED."""
    end = time.monotonic() + timeout
    while (resource := describe(**kw)[key])["status"] not in ("ACTIVE", "CREATE FAILED"):
        assert time.monotonic() < end, f"{key} still {resource['status']}"
        time.sleep(0.05)
    return resource


def test_custom_solution_path(personalize, personalize_runtime, s3):
    s3.create_bucket(Bucket=shop.BUCKET)
    s3.put_object(Bucket=shop.BUCKET, Key="interactions.csv", Body=shop.to_csv(shop.rows()))
    schema = personalize.create_schema(name="sample-interactions", schema=shop.schema())["schemaArn"]
    group = personalize.create_dataset_group(name="sample")["datasetGroupArn"]
    assert "domain" not in _wait(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    dataset = personalize.create_dataset(
        name="sample-interactions", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions"
    )["datasetArn"]
    _wait(personalize.describe_dataset, "dataset", datasetArn=dataset)
    job = personalize.create_dataset_import_job(
        jobName="sample-import",
        datasetArn=dataset,
        dataSource={"dataLocation": f"s3://{shop.BUCKET}/interactions.csv"},
        roleArn=shop.ROLE,
    )["datasetImportJobArn"]
    assert (
        _wait(personalize.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=job)["status"]
        == "ACTIVE"
    )

    recipes = {r["name"] for r in personalize.list_recipes()["recipes"]}
    campaigns = {}
    for name in ("aws-user-personalization", "aws-sims", "aws-personalized-ranking"):
        assert name in recipes
        recipe = personalize.describe_recipe(recipeArn=RECIPE + name)["recipe"]
        solution = personalize.create_solution(
            name=f"sample-{name}", datasetGroupArn=group, recipeArn=recipe["recipeArn"]
        )["solutionArn"]
        _wait(personalize.describe_solution, "solution", solutionArn=solution)
        version = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
        trained = _wait(personalize.describe_solution_version, "solutionVersion", solutionVersionArn=version)
        assert trained["status"] == "ACTIVE", trained.get("failureReason")
        metrics = personalize.get_solution_metrics(solutionVersionArn=version)["metrics"]
        assert 0 < metrics["normalized_discounted_cumulative_gain_at_10"] <= 1
        campaign = personalize.create_campaign(
            name=f"sample-{name}", solutionVersionArn=version, minProvisionedTPS=1
        )["campaignArn"]
        assert _wait(personalize.describe_campaign, "campaign", campaignArn=campaign)["status"] == "ACTIVE"
        campaigns[name] = campaign

    for_you = personalize_runtime.get_recommendations(
        campaignArn=campaigns["aws-user-personalization"], userId="u25"
    )
    viewed = [i["itemId"] for i in for_you["itemList"] if i["itemId"][0] in "ab"]  # not the bought ones
    assert len(for_you["itemList"]) == 25 and all(i.startswith("b") for i in viewed[:10])  # u25 views B
    related = personalize_runtime.get_recommendations(campaignArn=campaigns["aws-sims"], itemId="y")
    assert related["itemList"][0]["itemId"] == "x"
    ranked = personalize_runtime.get_personalized_ranking(
        campaignArn=campaigns["aws-personalized-ranking"], userId="u25", inputList=["a4", "a5", "b4", "b5"]
    )["personalizedRanking"]
    assert {i["itemId"] for i in ranked[:2]} == {"b4", "b5"}

    for campaign in campaigns.values():  # the samples' clean-up, in its order
        personalize.delete_campaign(campaignArn=campaign)
    for solution in personalize.list_solutions(datasetGroupArn=group)["solutions"]:
        while personalize.list_campaigns(solutionArn=solution["solutionArn"])["campaigns"]:
            time.sleep(0.05)
        personalize.delete_solution(solutionArn=solution["solutionArn"])
    while personalize.list_solutions(datasetGroupArn=group)["solutions"]:
        time.sleep(0.05)
    personalize.delete_dataset(datasetArn=dataset)
    while personalize.list_datasets(datasetGroupArn=group)["datasets"]:
        time.sleep(0.05)
    personalize.delete_dataset_group(datasetGroupArn=group)
    personalize.delete_schema(schemaArn=schema)

"""Same script, same answer, every run: nothing a caller sees depends on thread scheduling.

Each run executes one script on a fresh state folder, calling the next operation at once,
without waiting, as AWS's sample notebooks do: create a dataset group and at once its dataset;
import and at once create a recommender, then describe it and ask it for recommendations;
retrain and ask again; delete everything and describe the dataset group at once. The runs
change the interpreter's thread switch interval, so the work threads interleave with the
script differently each time. Every run must give one transcript: the one AWS gives once
each step has taken its usual time (``helpers.localaws.engine.jobs`` says what a caller observes).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import boto3
import botocore.exceptions
import pytest

from helpers import aws
from helpers.localaws.engine import jobs
from tests.contract import shop

RUNS = 30
SWITCH_INTERVALS = (1e-6, 1e-5, 1e-4, 1e-3, 5e-3)
"""Seconds between the interpreter's thread switches; the default is 0.005."""


def _code(call) -> str:
    """What a call answers: ``ok``, or its error code."""
    try:
        call()
    except botocore.exceptions.ClientError as err:
        return err.response["Error"]["Code"]
    return "ok"


def _script() -> list:
    """The script, as a learner would type it; returns what each step answered."""
    personalize, s3 = boto3.client("personalize"), boto3.client("s3")
    runtime = boto3.client("personalize-runtime")
    seen: list = []
    group = personalize.create_dataset_group(name="shop", domain="ECOMMERCE")["datasetGroupArn"]
    schema = personalize.create_schema(name="shop", schema=shop.schema(), domain="ECOMMERCE")["schemaArn"]
    dataset = personalize.create_dataset(
        name="shop", datasetType="Interactions", datasetGroupArn=group, schemaArn=schema
    )["datasetArn"]  # at once: the dataset group is still being created on AWS
    seen.append(personalize.describe_dataset_group(datasetGroupArn=group)["datasetGroup"]["status"])
    seen.append([g["status"] for g in personalize.list_dataset_groups()["datasetGroups"]])
    s3.create_bucket(Bucket=shop.BUCKET)
    s3.put_object(Bucket=shop.BUCKET, Key="interactions.csv", Body=shop.to_csv(shop.rows()))
    job = personalize.create_dataset_import_job(
        jobName="shop",
        datasetArn=dataset,
        dataSource={"dataLocation": f"s3://{shop.BUCKET}/interactions.csv"},
        roleArn=shop.ROLE,
    )["datasetImportJobArn"]
    recommender = personalize.create_recommender(
        name="views", datasetGroupArn=group, recipeArn=shop.MOST_VIEWED
    )["recommenderArn"]  # at once: the import is still running on AWS
    seen.append(
        personalize.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"]["status"]
    )
    described = personalize.describe_recommender(recommenderArn=recommender)["recommender"]
    seen.append((described["status"], "modelMetrics" in described))
    items = runtime.get_recommendations(recommenderArn=recommender, userId="u0", numResults=3)["itemList"]
    seen.append([i["itemId"] for i in items])
    personalize.stop_recommender(recommenderArn=recommender)
    seen.append(_code(lambda: runtime.get_recommendations(recommenderArn=recommender, userId="u0")))
    personalize.start_recommender(recommenderArn=recommender)
    seen.append(personalize.describe_recommender(recommenderArn=recommender)["recommender"]["status"])
    personalize.update_recommender(recommenderArn=recommender, recommenderConfig={})
    seen.append(
        personalize.describe_recommender(recommenderArn=recommender)["recommender"][
            "latestRecommenderUpdate"
        ]["status"]
    )
    seen.append(_code(lambda: personalize.delete_recommender(recommenderArn=recommender)))
    seen.append(_code(lambda: personalize.delete_dataset(datasetArn=dataset)))  # the recommender goes first
    seen.append(_code(lambda: personalize.delete_dataset_group(datasetGroupArn=group)))  # its dataset too
    seen.append(_code(lambda: personalize.describe_dataset_group(datasetGroupArn=group)))
    seen.append(personalize.list_dataset_groups()["datasetGroups"])
    return seen


EXPECTED = [
    "ACTIVE",
    ["ACTIVE"],
    "ACTIVE",
    ("ACTIVE", True),
    ["x", "y", "a0"],
    "InvalidInputException",
    "ACTIVE",
    "ACTIVE",
    "ok",
    "ok",
    "ok",
    "ResourceNotFoundException",
    [],
]
"""What AWS answers once each step has taken its usual time."""


@pytest.fixture
def interval():
    before = sys.getswitchinterval()
    yield
    sys.setswitchinterval(before)


def test_script_without_waits__answers_the_same_every_run(tmp_path, monkeypatch, interval):
    monkeypatch.setenv("TQDM_DISABLE", "1")
    transcripts = []
    for run in range(RUNS):
        sys.setswitchinterval(SWITCH_INTERVALS[run % len(SWITCH_INTERVALS)])
        aws.activate("local", tmp_path / f"run-{run}")
        transcripts.append(_script())
        assert jobs.wait_idle(30)
    different = [(run, t) for run, t in enumerate(transcripts) if t != transcripts[0]]
    assert not different, f"run 0 answered {transcripts[0]}, but {different[0]}"
    assert transcripts[0] == EXPECTED
    print(f"\n{RUNS} runs of {len(EXPECTED)} steps, one transcript")


def test_retraining_in_another_process__serving_does_not_wait_and_describe_is_bounded(
    personalize, personalize_runtime, s3, state, monkeypatch
):
    """The storefront keeps serving while a notebook retrains; a Describe waits, but boundedly;
    the update of a killed process is resumed by the next Describe, which then waits for it."""
    group, _ = shop.make_group(personalize, s3, shop.rows())
    arn = shop.create_recommender(personalize, group, shop.MOST_VIEWED, "views")["recommenderArn"]
    served = personalize_runtime.get_recommendations(recommenderArn=arn, userId="u0")["itemList"]
    config = {"trainingDataConfig": {"excludedDatasetColumns": {"ITEMS": ["PRICE"]}}}
    code = (
        "import sys, time, boto3\nfrom helpers import aws\naws.activate('local', sys.argv[1])\n"
        "from helpers.localaws.personalize.training import usecases\n"
        "def slowly(*args):\n"
        "    print('training', flush=True)\n"
        "    time.sleep(60)\n"
        "usecases.fit = slowly\n"
        "boto3.client('personalize').update_recommender(\n"
        f"    recommenderArn='{arn}', recommenderConfig={config})\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code, str(state.root)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "training"
        start = time.monotonic()
        again = personalize_runtime.get_recommendations(recommenderArn=arn, userId="u0")["itemList"]
        serving = time.monotonic() - start
        assert again == served and serving < 5, "serving waited for another process's retraining"
        bound = jobs.SETTLE_SECONDS
        monkeypatch.setattr(jobs, "SETTLE_SECONDS", 0.3)
        start = time.monotonic()
        rec = personalize.describe_recommender(recommenderArn=arn)["recommender"]
        assert time.monotonic() - start < 5
        assert (rec["status"], rec["latestRecommenderUpdate"]["status"]) == ("ACTIVE", "CREATE IN_PROGRESS")
        monkeypatch.setattr(jobs, "SETTLE_SECONDS", bound)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    rec = personalize.describe_recommender(recommenderArn=arn)["recommender"]  # resumes it, waits for it
    assert rec["latestRecommenderUpdate"]["status"] == "ACTIVE", rec["latestRecommenderUpdate"]
    assert rec["recommenderConfig"]["trainingDataConfig"] == config["trainingDataConfig"]
    assert state.job_get(f"recommender-update|{arn}") is None
    print(f"\nserved in {serving * 1000:.0f} ms while another process retrained")

"""Amazon Personalize batch inference jobs, locally: a solution version's picks for a file of requests.

``personalize`` answers these operations (its ``__getattr__`` finds them here). A job reads a
JSON-lines file from S3 (``jobInput.s3DataSource.path``), one request a line — ``{"userId"}``
for user-personalization and popularity-count, ``{"itemId"}`` for SIMS and similar-items,
``{"userId", "itemList"}`` for personalized-ranking — answers each through the runtime's
serving path (``personalize_runtime.recommend`` / ``rank_items``) and writes
``<input file name>.out`` under ``jobOutput.s3DataDestination.path``, one line per input line::

    {"input": {"userId": "u1"}, "output": {"recommendedItems": ["i3", …], "scores": [0.01, …]}, "error": null}

A job's ``filterArn`` filters every line's list as it filters real-time recommendations; a
line gives the values of the filter's placeholders in its own ``filterValues`` (``{"userId": "u1",
"filterValues": {"CATEGORY": "\\"shoes\\""}}``). A line that is not a JSON object, lacks what
the recipe needs, or lacks a value its filter needs, gets ``"output": null`` and an ``error``
naming the problem; the other lines are answered all the same. Lifecycle:
``CREATE PENDING`` → ``CREATE IN_PROGRESS`` → ``ACTIVE`` | ``CREATE FAILED`` (no input file, or no
bucket for the output). Batch jobs have no Delete operation. As on AWS, Trending-Now solution
versions give no batch recommendations (InvalidInputException). Batch action recommendations
(a Next-Best-Action version) are not emulated (``NotEmulatedError``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from helpers.localaws.aws import s3
from helpers.localaws.engine import errors, jobs
from helpers.localaws.engine.store import Store
from helpers.localaws.personalize import campaigns, filters, recommenders, solutions
from helpers.localaws.personalize import resources as p
from helpers.localaws.personalize import runtime as personalize_runtime
from helpers.localaws.personalize.training import segmentation, usecases

__all__ = ["create_batch_inference_job"]

KIND = "batch-inference-job"
DEFAULT_RESULTS = 25
MAX_RESULTS = 500
_FIELDS = (
    "jobName", "batchInferenceJobArn", "filterArn", "failureReason", "solutionVersionArn", "numResults",
    "jobInput", "jobOutput", "batchInferenceJobConfig", "roleArn", "batchInferenceJobMode", "status",
    "creationDateTime", "lastUpdatedDateTime",
)  # fmt: skip
_SUMMARY_FIELDS = (
    "batchInferenceJobArn", "jobName", "status", "creationDateTime", "lastUpdatedDateTime",
    "failureReason", "solutionVersionArn", "batchInferenceJobMode",
)  # fmt: skip


class BatchFailed(Exception):
    """The job cannot run (its input or output location); the message becomes the failureReason."""


def _now() -> float:
    return time.time()


def _split(path: str) -> tuple[str, str]:
    """``s3://bucket/key`` → ``(bucket, key)``."""
    bucket, _, key = path.removeprefix("s3://").partition("/")
    return bucket, key


def answer_lines(lines: list[str], answer: Callable[[dict], dict]) -> list[dict]:
    """One output row (``input``, ``output``, ``error``) per input line, as Personalize writes them.

    Args:
        lines: the input's non-blank lines.
        answer: the ``output`` of one request (a JSON object); raises ``AWSError`` for a request it
            cannot answer.

    Returns:
        A row per line; a line that is not a JSON object (``NaN`` and ``Infinity`` are not JSON),
        whose ids are not strings, or that ``answer`` refuses, gets ``"output": null`` and the
        reason in ``error``.
    """
    rows = []
    for line in lines:
        try:
            request = json.loads(line, parse_constant=_not_json)
        except ValueError as err:
            rows.append({"input": line, "output": None, "error": f"The line is not valid JSON: {err}"})
            continue
        if not isinstance(request, dict):
            rows.append({"input": request, "output": None, "error": "The line is not a JSON object."})
            continue
        wrong = _id_problem(request)
        if wrong:
            rows.append({"input": request, "output": None, "error": wrong})
            continue
        try:
            rows.append({"input": request, "output": answer(request), "error": None})
        except errors.AWSError as err:
            rows.append({"input": request, "output": None, "error": err.message})
    return rows


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not a JSON value")


def _id_problem(request: dict) -> str | None:
    """Why a line's ``userId``, ``itemId`` or ``itemList`` is not (made of) strings, or None."""
    for key in ("userId", "itemId"):
        if key in request and not isinstance(request[key], str):
            return f"{key} must be a string, not {request[key]!r}."
    items = request.get("itemList")
    if isinstance(items, list) and not all(isinstance(i, str) for i in items):
        return f"itemList must list strings, not {items!r}."
    return None


def filter_values(request: dict) -> dict[str, str] | None:
    """A line's ``filterValues`` (None without them); InvalidInputException unless names map to strings."""
    values = request.get("filterValues")
    if values is not None and not (
        isinstance(values, dict) and all(isinstance(v, str) for v in values.values())
    ):
        raise errors.InvalidInputException(
            'filterValues must map names to strings, e.g. {"CATEGORY": "\\"A\\""}.'
        )
    return values or None


def _answer(store: Store, request: dict, source: tuple[dict, usecases.Model, str], job: dict) -> dict:
    """The ``output`` of one batch inference request: recommended items and their scores."""
    doc, model, recipe = source
    given = (("filterArn", job.get("filterArn")), ("filterValues", filter_values(request)))
    filtering = {k: v for k, v in given if v}
    if recipe in solutions.RANKING_RECIPES:
        if not request.get("userId") or not isinstance(request.get("itemList"), list):
            raise errors.InvalidInputException(f"userId and itemList are required by {recipe}.")
        params = {"userId": str(request["userId"]), "inputList": [str(i) for i in request["itemList"]]}
        ranked = personalize_runtime.rank_items(store, doc, model, {**params, **filtering})
    else:
        params = {k: str(request[k]) for k in ("userId", "itemId") if request.get(k) is not None}
        served = f"batch inference jobs of the {recipe} recipe"
        answer = personalize_runtime.recommend(
            store,
            {**params, **filtering, "numResults": job["numResults"]},
            doc,
            model,
            solutions.SERVED_AS[recipe],
            served,
        )
        ranked = answer["itemList"]
    output: dict = {"recommendedItems": [i["itemId"] for i in ranked]}
    if ranked and all("score" in i for i in ranked):
        output["scores"] = [i["score"] for i in ranked]
    return output


def read_input(store: Store, doc: dict) -> tuple[str, list[str]]:
    """A batch job's input: the file name of ``jobInput.s3DataSource.path`` and its non-blank lines.

    Raises:
        BatchFailed: the input object cannot be read.
    """
    path = doc["jobInput"]["s3DataSource"]["path"]
    bucket, key = _split(path)
    try:
        body = s3.get_object(store, {"Bucket": bucket, "Key": key})["Body"].read()
    except errors.AWSError as err:
        raise BatchFailed(f"Cannot read the input {path}: {err}") from err
    return key.rsplit("/", 1)[-1], [line for line in body.decode("utf-8-sig").splitlines() if line.strip()]


def write_output(store: Store, doc: dict, name: str, rows: list[dict]) -> None:
    """Write a batch job's output rows, as JSON lines, to ``<name>.out`` under its output path.

    Raises:
        BatchFailed: the output object cannot be written.
    """
    out_bucket, prefix = _split(doc["jobOutput"]["s3DataDestination"]["path"])
    out_key = f"{prefix.rstrip('/')}/{name}.out".lstrip("/")
    body = "".join(json.dumps(row) + "\n" for row in rows).encode()
    try:
        s3.put_object(store, {"Bucket": out_bucket, "Key": out_key, "Body": body})
    except errors.AWSError as err:
        raise BatchFailed(f"Cannot write the output s3://{out_bucket}/{out_key}: {err}") from err


def _run(store: Store, arn: str) -> None:
    doc = store.get(KIND, arn)
    if doc is None or doc["status"] not in ("CREATE PENDING", "CREATE IN_PROGRESS"):
        return
    p.set_status(store, KIND, arn, "CREATE IN_PROGRESS")
    version = solutions.active_version(store, doc["solutionVersionArn"])
    model = usecases.load(store.absolute(version["modelFile"]))
    config = doc.get("batchInferenceJobConfig") or {}
    source = (personalize_runtime.version_source(version, config), model, solutions.recipe_of(version))
    name, lines = read_input(store, doc)
    write_output(store, doc, name, answer_lines(lines, lambda request: _answer(store, request, source, doc)))
    p.set_status(store, KIND, arn, "ACTIVE")


p.declare(
    p.Kind(
        name=KIND,
        member="batchInferenceJob",
        arn_member="batchInferenceJobArn",
        fields=_FIELDS,
        list_key="batchInferenceJobs",
        summary_fields=_SUMMARY_FIELDS,
        parent="solution-version",
        parent_member="solutionVersionArn",
        work=_run,
    )
)  # fmt: skip


def _config(recipe: str, given: dict | None) -> dict | None:
    """``batchInferenceJobConfig`` with the campaigns' exploration defaults and checks."""
    if not given and recipe not in campaigns.EXPLORING_RECIPES:
        return None
    exploration = (given or {}).get("itemExplorationConfig")
    campaigns.ranking_influence(recipe, (given or {}).get("rankingInfluence"), "batchInferenceJobConfig")
    if recipe not in campaigns.EXPLORING_RECIPES:
        if exploration:
            raise errors.InvalidInputException(f"itemExplorationConfig does not apply to {recipe}.")
        return dict(given)
    return {
        **(given or {}),
        "itemExplorationConfig": recommenders.exploration_config(usecases.FOR_YOU, exploration),
    }


def check_locations(params: dict) -> None:
    """A batch job's ``jobInput.s3DataSource.path`` and ``jobOutput.s3DataDestination.path`` must be
    ``s3://`` paths with a bucket; InvalidInputException naming the member if not."""
    for member, shape in (("jobInput", "s3DataSource"), ("jobOutput", "s3DataDestination")):
        path = params[member][shape]["path"]
        if not path.startswith("s3://") or not _split(path)[0]:
            raise errors.InvalidInputException(f"{member}.{shape}.path must be an s3:// path, not {path!r}.")


def create_batch_inference_job(store: Store, params: dict) -> dict:
    """Start a batch inference job on an ACTIVE solution version (not of a USER_SEGMENTATION recipe)."""
    version = solutions.active_version(store, params["solutionVersionArn"])
    if solutions.recipe_of(version) == usecases.TRENDING_NOW:
        raise errors.InvalidInputException(
            f"Solution version {params['solutionVersionArn']} is of the aws-trending-now recipe, "
            "which gives no batch recommendations: get trending items with GetRecommendations."
        )
    segmentation.refuse(version, "batch inference jobs")
    if solutions.recipe_of(version) == solutions.NEXT_BEST_ACTION:  # batch action recommendations
        raise errors.NotEmulatedError("personalize", "CreateBatchInferenceJob of aws-next-best-action")
    if params.get("filterArn"):
        filters.check_item_filter(store, params["filterArn"], version["datasetGroupArn"])
    n = int(params.get("numResults") or DEFAULT_RESULTS)
    if n > MAX_RESULTS:
        raise errors.InvalidInputException(f"numResults must be at most {MAX_RESULTS}, not {n}.")
    check_locations(params)
    arn = p.arn(KIND, params["jobName"])
    now = _now()
    doc = {
        "jobName": params["jobName"],
        "batchInferenceJobArn": arn,
        "solutionVersionArn": params["solutionVersionArn"],
        "numResults": n,
        **({"filterArn": params["filterArn"]} if params.get("filterArn") else {}),
        "jobInput": params["jobInput"],
        "jobOutput": params["jobOutput"],
        "batchInferenceJobConfig": _config(
            solutions.recipe_of(version), params.get("batchInferenceJobConfig")
        ),
        "roleArn": params["roleArn"],
        "batchInferenceJobMode": params.get("batchInferenceJobMode") or "BATCH_INFERENCE",
        "status": "CREATE PENDING",
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
        "tags": p.check_tags(params),
    }
    if not store.insert(KIND, arn, doc, parent=params["solutionVersionArn"]):
        raise errors.ResourceAlreadyExistsException(
            f"Batch inference job {params['jobName']} already exists: {arn}"
        )
    jobs.start(store, arn, KIND)
    return {"batchInferenceJobArn": arn}

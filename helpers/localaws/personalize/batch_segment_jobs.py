"""Amazon Personalize batch segment jobs, locally: the shoppers most likely to like an item or a kind of item.

``personalize`` answers these operations (its ``__getattr__`` finds them here). A job takes an
ACTIVE solution version of a USER_SEGMENTATION recipe (``segmentation``) and a JSON-lines file
in S3, one query a line — ``{"itemId": "105"}`` for Item-Affinity (at most
``MAX_LINES[ITEM_AFFINITY]`` lines), ``{"itemAttributes": "ITEMS.CATEGORY_L1 = \\"apparel\\""}``
for Item-Attribute-Affinity (at most ``MAX_LINES[ATTRIBUTE_AFFINITY]``; ``segment_queries``) —
and writes ``<input file name>.out`` under ``jobOutput.s3DataDestination.path``, one line per
input line, with the ``numResults`` users of highest affinity, best first (the guide's format,
https://docs.aws.amazon.com/personalize/latest/dg/batch-segment-job-output-examples.html)::

    {"input": {"itemId": "105"}, "output": {"recommendedUsers": ["u7", "u3", …]}, "error": null}

The input, output and error handling are the batch inference jobs' (``batch_jobs``): a line that
is not a JSON object, lacks its query, names an unknown item or matches no item gets
``"output": null`` and an ``error``. A ``filterArn`` (a ``UserID`` filter of the dataset group)
leaves users out, with each line's ``filterValues``. Segments come from the data the solution
version trained on, as on AWS; locally the attribute queries read the Items metadata as it is
when the job runs. Lifecycle: ``CREATE PENDING`` → ``CREATE IN_PROGRESS`` → ``ACTIVE`` |
``CREATE FAILED`` (no input object, too many lines, no bucket for the output). Personalize has no
DeleteBatchSegmentJob: a job goes when its solution is deleted.
"""

from __future__ import annotations

import time

import numpy as np

from helpers.localaws.engine import errors, jobs
from helpers.localaws.engine.store import Store
from helpers.localaws.personalize import batch_jobs, filters, segment_queries, solutions
from helpers.localaws.personalize import resources as p
from helpers.localaws.personalize.training import segmentation, usecases
from helpers.recsys import segments

__all__ = ["create_batch_segment_job"]

KIND = "batch-segment-job"
DEFAULT_RESULTS = 25
"""Users per segment when ``numResults`` is not given (the console's "Number of users" default)."""
MAX_RESULTS = 5_000_000
"""Most users per segment (the service model's documentation of ``numResults``)."""
MAX_LINES = {segmentation.ITEM_AFFINITY: 500, segmentation.ATTRIBUTE_AFFINITY: 10}
"""Most input lines per recipe: 500 items, or 10 attribute queries (the recipes' pages)."""

_FIELDS = (
    "jobName", "batchSegmentJobArn", "filterArn", "failureReason", "solutionVersionArn", "numResults",
    "jobInput", "jobOutput", "roleArn", "status", "creationDateTime", "lastUpdatedDateTime",
)  # fmt: skip
_SUMMARY_FIELDS = (
    "batchSegmentJobArn", "jobName", "status", "creationDateTime", "lastUpdatedDateTime",
    "failureReason", "solutionVersionArn",
)  # fmt: skip


class _Segments:
    """What a job's lines are answered from: the model's users, their scores and the item metadata."""

    def __init__(self, store: Store, job: dict, version: dict) -> None:
        self.store, self.job = store, job
        self.group_arn = version["datasetGroupArn"]
        self.recipe = solutions.recipe_of(version)
        self.model = usecases.load(store.absolute(version["modelFile"]))
        self.user_ids = self.model.history.user_ids
        self.scores = segmentation.trained_scores(self.model)
        if self.recipe == segmentation.ATTRIBUTE_AFFINITY:
            table, _, self.categorical = filters.item_metadata(store, self.group_arn)
            self.items = table.reindex(self.model.item_ids.astype(str))
            self.kinds = segmentation.attribute_fields(store, self.group_arn)

    def items_of(self, request: dict) -> np.ndarray:
        """The item indices one line's query names; InvalidInputException if none."""
        if self.recipe == segmentation.ITEM_AFFINITY:
            item = request.get("itemId")
            if item is None or item == "":
                raise errors.InvalidInputException(f"itemId is required by {self.recipe}.")
            index = self.model.item_index(str(item))
            if index is None:
                raise errors.InvalidInputException(
                    f"Item {item} is not in the data the solution version trained on."
                )
            return np.asarray([index], dtype=np.int64)
        query = request.get("itemAttributes")
        if not isinstance(query, str) or not query.strip():
            raise errors.InvalidInputException(f"itemAttributes (a string) is required by {self.recipe}.")
        try:
            conditions = segment_queries.parse(query, self.kinds)
        except segment_queries.SegmentQueryError as exc:
            raise errors.InvalidInputException(str(exc)) from exc
        found = segment_queries.matching_items(conditions, self.items, self.categorical)
        if not found.size:
            raise errors.InvalidInputException(f"No item the solution version trained on matches {query}.")
        return found

    def answer(self, request: dict) -> dict:
        """One line's ``output``: the ``numResults`` users of highest affinity to its items."""
        affinity = segments.segment_scores(self.scores, self.items_of(request))
        if self.job.get("filterArn"):
            left_out = filters.excluded_users(
                self.store,
                self.job["filterArn"],
                batch_jobs.filter_values(request),
                group_arn=self.group_arn,
                user_ids=self.user_ids,
            )
            affinity[left_out] = -np.inf
        ranked = segments.top_users(affinity, self.job["numResults"])
        ranked = ranked[np.isfinite(affinity[ranked])]
        return {"recommendedUsers": self.user_ids[ranked].tolist()}


def _run(store: Store, arn: str) -> None:
    doc = store.get(KIND, arn)
    if doc is None or doc["status"] not in ("CREATE PENDING", "CREATE IN_PROGRESS"):
        return
    p.set_status(store, KIND, arn, "CREATE IN_PROGRESS")
    version = solutions.active_version(store, doc["solutionVersionArn"])
    name, lines = batch_jobs.read_input(store, doc)
    recipe = solutions.recipe_of(version)
    if len(lines) > MAX_LINES[recipe]:
        raise batch_jobs.BatchFailed(
            f"The input {doc['jobInput']['s3DataSource']['path']} has {len(lines)} lines; "
            f"{recipe} takes at most {MAX_LINES[recipe]}."
        )
    source = _Segments(store, doc, version)
    batch_jobs.write_output(store, doc, name, batch_jobs.answer_lines(lines, source.answer))
    p.set_status(store, KIND, arn, "ACTIVE")


p.declare(
    p.Kind(
        name=KIND,
        member="batchSegmentJob",
        arn_member="batchSegmentJobArn",
        fields=_FIELDS,
        list_key="batchSegmentJobs",
        summary_fields=_SUMMARY_FIELDS,
        parent="solution-version",
        parent_member="solutionVersionArn",
        work=_run,
    )
)  # fmt: skip


def create_batch_segment_job(store: Store, params: dict) -> dict:
    """Start a batch segment job on an ACTIVE solution version of a USER_SEGMENTATION recipe."""
    version_arn = params["solutionVersionArn"]
    version = solutions.active_version(store, version_arn)
    recipe = solutions.recipe_of(version)
    if recipe not in segmentation.RECIPES:
        raise errors.InvalidInputException(
            f"Solution version {version_arn} is of the {recipe} recipe; batch segment jobs need a "
            f"USER_SEGMENTATION recipe ({', '.join(segmentation.RECIPES)})."
        )
    n = params.get("numResults", DEFAULT_RESULTS)
    if not 1 <= n <= MAX_RESULTS:
        raise errors.InvalidInputException(f"numResults must be between 1 and {MAX_RESULTS:,}, not {n}.")
    if params.get("filterArn"):
        filters.check_user_filter(
            store,
            params["filterArn"],
            version["datasetGroupArn"],
            interactions=recipe != segmentation.ATTRIBUTE_AFFINITY,
        )
    batch_jobs.check_locations(params)
    arn = p.arn(KIND, params["jobName"])
    now = time.time()
    doc = {
        "jobName": params["jobName"],
        "batchSegmentJobArn": arn,
        "solutionVersionArn": version_arn,
        "filterArn": params.get("filterArn"),
        "numResults": n,
        "jobInput": params["jobInput"],
        "jobOutput": params["jobOutput"],
        "roleArn": params["roleArn"],
        "status": "CREATE PENDING",
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
        "tags": p.check_tags(params),
    }
    if not store.insert(KIND, arn, doc, parent=version_arn):
        raise errors.ResourceAlreadyExistsException(
            f"Batch segment job {params['jobName']} already exists: {arn}"
        )
    jobs.start(store, arn, KIND)
    return {"batchSegmentJobArn": arn}

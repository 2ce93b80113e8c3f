"""Amazon Personalize metric attributions, locally: what each recommender or campaign earned.

A dataset group has at most one metric attribution, of at most 10 metrics. A metric counts one
event type with ``SAMPLECOUNT()`` or adds up a numeric column of the Interactions or Items
schema with ``SUM(<Interactions|Items>.<COLUMN>)`` (the dataset type in any case), as the
developer guide's "Measuring the impact of recommendations" describes. Each event is credited to
its source: its ``metricAttribution.eventAttributionSource`` (PutEvents) or
``EVENT_ATTRIBUTION_SOURCE`` column (bulk data), else the campaign or recommender whose
``recommendationId`` it carries (the ARN), else ``SOURCE_NAME_UNDEFINED``. Data recorded before
the metric attribution existed is not reported.

Where the results go, as on AWS:

- **CloudWatch** (``publish_events``): every streamed event, and every row of an INCREMENTAL
  import, is a datapoint of namespace ``AWS/Personalize``, metric name the metricName in
  capitals, dimensions ``DatasetGroupArn`` and ``EventAttributionSource`` (a named source in
  capitals, as AWS's sample on measuring impact reads them back), at the event's timestamp.
- **S3** (``report_import``): after each interactions import job, unless it sets
  ``publishAttributionMetricsToS3`` to false (the API reference leaves the default unstated;
  locally it publishes), a CSV ``AggregatedAttributionMetrics-<importMode>-<epoch seconds of
  the job>.csv`` under ``metricsOutputConfig.s3DataDestination.path``. Its columns are the
  guide's: ``METRIC_NAME, EVENT_TYPE, VALUE, MATH_FUNCTION, EVENT_ATTRIBUTION_SOURCE,
  TIMESTAMP``: one row per metric, source and 15-minute interval of the job's rows (the
  interval's start in epoch seconds), the value the metric's sum or count over it, the
  function in lower case (``sum``, ``samplecount``). It holds that import's rows only.

Event types match whatever their case. An event whose item has no value in the summed column
adds 0. Where the guide is silent the local backend chooses, and says so: a second metric
attribution in a dataset group is LimitExceededException (a quota of one); the report's file name
and interval timestamps are as above. AWS publishes to CloudWatch only records less than 14 days
old; locally every streamed event counts, since the series' shop lives at a fixed date.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from dataclasses import dataclass

import pandas as pd

from helpers.localaws.aws import cloudwatch, s3
from helpers.localaws.engine import errors, jobs
from helpers.localaws.engine.store import Store
from helpers.localaws.personalize import filters, imports, resources, streams
from helpers.localaws.personalize.resources import Kind, declare

__all__ = [
    "create_metric_attribution",
    "list_metric_attribution_metrics",
    "update_metric_attribution",
]

log = logging.getLogger(__name__)

KIND = "metric-attribution"
NAMESPACE = "AWS/Personalize"
"""The CloudWatch namespace Personalize publishes metric attributions in."""
UNDEFINED = "SOURCE_NAME_UNDEFINED"
"""The source of an event that names none."""
MAX_METRICS = 10
INTERVAL = 900
"""Seconds per interval of the S3 report (15 minutes)."""
_UPDATE = "metric-attribution-update"
_NUMERIC = ("int", "long", "float", "double")
_EXPRESSION = re.compile(r"\s*(?:SAMPLECOUNT\(\s*\)|SUM\(\s*(\w+)\s*\.\s*(\w+)\s*\))\s*", re.IGNORECASE)
_DATASETS = {"INTERACTIONS": "Interactions", "ITEMS": "Items"}


@dataclass(frozen=True)
class Metric:
    """One metric of a metric attribution, parsed.

    Attributes:
        name: the metricName as given.
        event_type: the event type it counts.
        function: ``sum`` or ``samplecount``.
        dataset: ``Interactions`` or ``Items`` for ``sum``, else None.
        column: the summed column for ``sum``, else None.
    """

    name: str
    event_type: str
    function: str
    dataset: str | None = None
    column: str | None = None

    @classmethod
    def of(cls, given: dict) -> Metric:
        """Parse a ``MetricAttribute``; InvalidInputException if its expression is not one AWS allows."""
        match = _EXPRESSION.fullmatch(given["expression"])
        if match is None:
            raise errors.InvalidInputException(
                f"Metric {given['metricName']}: expression {given['expression']!r} is not SAMPLECOUNT() "
                "or SUM(<Interactions|Items>.<COLUMN>)."
            )
        if match.group(1) is None:
            return cls(given["metricName"], given["eventType"], "samplecount")
        dataset = _DATASETS.get(match.group(1).upper())
        if dataset is None:
            raise errors.InvalidInputException(
                f"Metric {given['metricName']}: SUM() takes a column of the Interactions or Items "
                f"dataset, not of {match.group(1)!r}."
            )
        return cls(given["metricName"], given["eventType"], "sum", dataset, match.group(2))


# --- the resource ---------------------------------------------------------------------------
_FIELDS = (
    "name", "metricAttributionArn", "datasetGroupArn", "metricsOutputConfig", "status",
    "creationDateTime", "lastUpdatedDateTime", "failureReason",
)  # fmt: skip

declare(
    Kind(
        name=KIND,
        member="metricAttribution",
        arn_member="metricAttributionArn",
        fields=_FIELDS,
        list_key="metricAttributions",
        summary_fields=tuple(f for f in _FIELDS if f not in ("datasetGroupArn", "metricsOutputConfig")),
        parent="dataset-group",
        parent_member="datasetGroupArn",
        deletable=resources.settled("Metric attribution"),
    )
)  # fmt: skip
jobs.register(
    _UPDATE, resources.transition(KIND, "UPDATE", "ACTIVE"), resources.settle(KIND, "UPDATE FAILED")
)


def _check_metrics(store: Store, group_arn: str, metrics: list[dict]) -> None:
    """InvalidInputException unless every metric is one AWS allows on this dataset group's schemas."""
    if not metrics:
        raise errors.InvalidInputException("metrics must list at least one metric.")
    if len(metrics) > MAX_METRICS:
        raise errors.InvalidInputException(
            f"A metric attribution has at most {MAX_METRICS} metrics; {len(metrics)} given."
        )
    names = [m["metricName"] for m in metrics]
    if len(set(names)) < len(names):
        raise errors.InvalidInputException(f"metricName values must be unique: {sorted(names)}.")
    interactions = _fields(store, group_arn, "Interactions")
    if interactions is None or "EVENT_TYPE" not in interactions:
        raise errors.InvalidInputException(
            f"Dataset group {group_arn} needs an Interactions dataset with an EVENT_TYPE column "
            "for a metric attribution."
        )
    for given in metrics:
        metric = Metric.of(given)
        if metric.function != "sum":
            continue
        fields = _fields(store, group_arn, metric.dataset)
        field = (fields or {}).get(metric.column)
        if field is None:
            raise errors.InvalidInputException(
                f"Metric {metric.name}: the {metric.dataset} dataset of {group_arn} has no column "
                f"{metric.column}."
            )
        if field.type not in _NUMERIC:
            raise errors.InvalidInputException(
                f"Metric {metric.name}: SUM() takes a numeric column; {metric.column} is a {field.type}."
            )


def _fields(store: Store, group_arn: str, dataset_type: str) -> dict[str, imports.Field] | None:
    ds = store.get("dataset", streams.stream_of(store, group_arn, dataset_type))
    if ds is None:
        return None
    return {f.name: f for f in imports.parse_schema(store.get("schema", ds["schemaArn"])["schema"])}


def _check_output(config: dict) -> None:
    path = (config.get("s3DataDestination") or {}).get("path")
    if path is not None and (not path.startswith("s3://") or not path.removeprefix("s3://").split("/")[0]):
        raise errors.InvalidInputException(
            f"metricsOutputConfig.s3DataDestination.path must be an s3:// path with a bucket, not {path!r}."
        )


def of_group(store: Store, group_arn: str) -> dict | None:
    """The dataset group's metric attribution, or None."""
    found = store.items(KIND, parent=group_arn)
    return found[0][1] if found else None


def create_metric_attribution(store: Store, params: dict) -> dict:
    """Create a dataset group's metric attribution (one per dataset group)."""
    group_arn = params["datasetGroupArn"]
    group = resources.get(store, group_arn, "dataset-group")
    if group["status"] != "ACTIVE":
        raise errors.ResourceInUseException(f"Dataset group {group_arn} is {group['status']}, not ACTIVE.")
    existing = of_group(store, group_arn)
    if existing is not None:
        raise errors.LimitExceededException(
            f"Dataset group {group_arn} already has a metric attribution, "
            f"{existing['metricAttributionArn']}; a dataset group has at most one."
        )
    _check_metrics(store, group_arn, params["metrics"])
    _check_output(params["metricsOutputConfig"])
    arn = resources.arn(KIND, params["name"])
    now = time.time()
    doc = {
        "name": params["name"],
        "metricAttributionArn": arn,
        "datasetGroupArn": group_arn,
        "metricsOutputConfig": params["metricsOutputConfig"],
        "metrics": params["metrics"],
        "status": "CREATE PENDING",
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
    }
    if not store.insert(KIND, arn, doc, parent=group_arn):
        raise errors.ResourceAlreadyExistsException(
            f"Metric attribution {params['name']} already exists: {arn}"
        )
    jobs.start(store, arn, KIND)
    return {"metricAttributionArn": arn}


def list_metric_attribution_metrics(store: Store, params: dict) -> dict:
    """List a metric attribution's metrics."""
    arn = params.get("metricAttributionArn")
    if not arn:
        raise errors.InvalidInputException("metricAttributionArn is required.")
    doc = resources.get(store, arn, KIND)
    return resources.paginate(doc["metrics"], params, "metrics")


def update_metric_attribution(store: Store, params: dict) -> dict:
    """Add and remove metrics, or change the output configuration, of an ACTIVE metric attribution."""
    arn = params.get("metricAttributionArn")
    if not arn:
        raise errors.InvalidInputException("metricAttributionArn is required.")
    doc = resources.get(store, arn, KIND)
    if doc["status"] != "ACTIVE":
        raise errors.ResourceInUseException(f"Metric attribution {arn} is {doc['status']}, not ACTIVE.")
    metrics = list(doc["metrics"])
    names = {m["metricName"] for m in metrics}
    for name in params.get("removeMetrics") or []:
        if name not in names:
            raise errors.InvalidInputException(
                f"removeMetrics: {arn} has no metric {name}; it has {sorted(names)}."
            )
    removed = set(params.get("removeMetrics") or [])
    metrics = [m for m in metrics if m["metricName"] not in removed]
    for added in params.get("addMetrics") or []:
        if added["metricName"] in {m["metricName"] for m in metrics}:
            raise errors.ResourceAlreadyExistsException(
                f"addMetrics: {arn} already has a metric {added['metricName']}."
            )
        metrics.append(added)
    _check_metrics(store, doc["datasetGroupArn"], metrics)
    config = params.get("metricsOutputConfig") or doc["metricsOutputConfig"]
    _check_output(config)
    store.update(
        KIND,
        arn,
        {
            "metrics": metrics,
            "metricsOutputConfig": config,
            "status": "UPDATE PENDING",
            "lastUpdatedDateTime": time.time(),
        },
    )
    jobs.start(store, f"{_UPDATE}|{arn}", _UPDATE)
    return {"metricAttributionArn": arn}


# --- sources --------------------------------------------------------------------------------
def recommendation_id(source_arn: str) -> str:
    """A new recommendationId that names the campaign or recommender it came from.

    It has AWS's form, ``RID-`` and a UUID (40 characters, PutEvents' limit); the UUID's first
    group is a hash of the ARN, which is how ``_recommendation_source`` finds the ARN again.
    """
    return f"RID-{_short(source_arn)}-{str(uuid.uuid4()).partition('-')[2]}"


def _short(arn: str) -> str:
    return hashlib.sha1(arn.encode()).hexdigest()[:8]


def _recommendation_source(store: Store, recommendation: str) -> str | None:
    """The campaign or recommender ARN a recommendationId came from, or None."""
    parts = recommendation.split("-")
    if len(parts) < 3 or parts[0] != "RID":
        return None
    for kind in ("campaign", "recommender"):
        for arn, _ in store.items(kind):
            if _short(arn) == parts[1]:
                return arn
    return None


def _sources(store: Store, frame: pd.DataFrame) -> pd.Series:
    """Each row's source: its EVENT_ATTRIBUTION_SOURCE (capitals), its recommendation's ARN, or none."""
    named = frame.get("EVENT_ATTRIBUTION_SOURCE", pd.Series(None, index=frame.index, dtype=object))
    recommended = frame.get("RECOMMENDATION_ID", pd.Series(None, index=frame.index, dtype=object))
    lookup: dict[str, str | None] = {}
    out = []
    for name, rid in zip(named, recommended, strict=True):
        if isinstance(name, str) and name.strip():
            out.append(name.strip().upper())
            continue
        if isinstance(rid, str) and rid:
            if rid not in lookup:
                lookup[rid] = _recommendation_source(store, rid)
            if lookup[rid]:
                out.append(lookup[rid])
                continue
        out.append(UNDEFINED)
    return pd.Series(out, index=frame.index, dtype=object)


def _item_values(store: Store, group_arn: str, column: str) -> pd.Series:
    """Each item's value in a numeric Items column (imported, then streamed), by ITEM_ID: from the
    items table filters keep per change of the Items data (not read again for every PutEvents)."""
    items = filters.items_table(store, group_arn)
    if column not in items:
        return pd.Series(dtype=float)
    return pd.to_numeric(items[column], errors="coerce").fillna(0.0)


def _values(store: Store, group_arn: str, metric: Metric, frame: pd.DataFrame) -> pd.Series:
    """A metric's value of each row (1 for SAMPLECOUNT())."""
    if metric.function == "samplecount":
        return pd.Series(1.0, index=frame.index)
    if metric.dataset == "Interactions":
        return (
            pd.to_numeric(frame.get(metric.column), errors="coerce").fillna(0.0)
            if metric.column in frame
            else pd.Series(0.0, index=frame.index)
        )
    prices = _item_values(store, group_arn, metric.column)
    return frame["ITEM_ID"].astype(str).map(prices).fillna(0.0).astype(float)


def _attributed(store: Store, doc: dict, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows each metric counts, as ``metric, event type, function, source, timestamp, value``."""
    sources = _sources(store, frame)
    types = frame["EVENT_TYPE"].astype(str).str.upper()
    parts = []
    for given in doc["metrics"]:
        metric = Metric.of(given)
        counted = types == metric.event_type.upper()
        if not counted.any():
            continue
        rows = frame[counted]
        parts.append(
            pd.DataFrame(
                {
                    "METRIC_NAME": metric.name.upper(),
                    "EVENT_TYPE": metric.event_type.upper(),
                    "MATH_FUNCTION": metric.function,
                    "EVENT_ATTRIBUTION_SOURCE": sources[counted],
                    "TIMESTAMP": rows["TIMESTAMP"].astype(float),
                    "VALUE": _values(store, doc["datasetGroupArn"], metric, rows),
                }
            )
        )
    columns = ["METRIC_NAME", "EVENT_TYPE", "MATH_FUNCTION", "EVENT_ATTRIBUTION_SOURCE", "TIMESTAMP", "VALUE"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


# --- publishing -----------------------------------------------------------------------------
def _active(store: Store, group_arn: str) -> dict | None:
    doc = of_group(store, group_arn)
    return doc if doc is not None and doc["status"] == "ACTIVE" else None


def publish_events(store: Store, group_arn: str, rows: list[dict]) -> None:
    """Publish streamed (or incrementally imported) interactions to CloudWatch, per source."""
    doc = _active(store, group_arn)
    if doc is None or not rows:
        return
    frame = pd.DataFrame(rows).rename(columns={"recommendationId": "RECOMMENDATION_ID"})  # PutEvents' member
    if "EVENT_TYPE" not in frame:
        return
    counted = _attributed(store, doc, frame)
    cloudwatch.publish(
        store,
        NAMESPACE,
        (
            (
                row.METRIC_NAME,
                {"DatasetGroupArn": group_arn, "EventAttributionSource": row.EVENT_ATTRIBUTION_SOURCE},
                row.TIMESTAMP,
                row.VALUE,
            )
            for row in counted.itertuples(index=False)
        ),
    )


def report(store: Store, doc: dict, frame: pd.DataFrame) -> pd.DataFrame:
    """The S3 report of interactions: one row per metric, source and 15-minute interval."""
    counted = _attributed(store, doc, frame)
    counted["TIMESTAMP"] = (counted["TIMESTAMP"] // INTERVAL * INTERVAL).astype("int64")
    keys = ["METRIC_NAME", "EVENT_TYPE", "MATH_FUNCTION", "EVENT_ATTRIBUTION_SOURCE", "TIMESTAMP"]
    table = counted.groupby(keys, as_index=False)["VALUE"].sum()
    table = table.sort_values(["METRIC_NAME", "EVENT_ATTRIBUTION_SOURCE", "TIMESTAMP"], ignore_index=True)
    return table[
        ["METRIC_NAME", "EVENT_TYPE", "VALUE", "MATH_FUNCTION", "EVENT_ATTRIBUTION_SOURCE", "TIMESTAMP"]
    ]


def report_import(store: Store, job_arn: str) -> None:
    """After an interactions import job: write the S3 report, and publish an INCREMENTAL one's rows."""
    job = store.get("dataset-import-job", job_arn)
    ds = store.get("dataset", job["datasetArn"]) if job else None
    if job is None or ds is None or job["status"] != "ACTIVE" or ds["datasetType"] != "INTERACTIONS":
        return
    doc = _active(store, ds["datasetGroupArn"])
    if doc is None or doc["creationDateTime"] > job["creationDateTime"] or not ds.get("parts"):
        return
    frame = pd.read_parquet(store.absolute(ds["parts"][-1]))  # the part this job imported
    if "EVENT_TYPE" not in frame:
        return
    if job.get("importMode") == "INCREMENTAL":
        publish_events(store, ds["datasetGroupArn"], frame.to_dict("records"))
    path = (doc["metricsOutputConfig"].get("s3DataDestination") or {}).get("path")
    if path is None or job.get("publishAttributionMetricsToS3") is False:
        return
    bucket, _, prefix = path.removeprefix("s3://").partition("/")
    name = f"AggregatedAttributionMetrics-{job['importMode']}-{int(job['creationDateTime'])}.csv"
    key = f"{prefix.rstrip('/')}/{name}"
    body = report(store, doc, frame).to_csv(index=False).encode()
    try:
        s3.put_object(store, {"Bucket": bucket, "Key": key.lstrip("/"), "Body": body})
    except errors.AWSError as err:  # the import stands; the report is lost, as a denied write is on AWS
        log.warning("metric report s3://%s/%s not written: %s", bucket, key, err)

"""Amazon CloudWatch, locally: only the metrics Amazon Personalize publishes, read back.

Personalize publishes a metric attribution's metrics for streamed events (``metric_attributions``
calls ``publish``, as Personalize calls PutMetricData); a learner reads them with ListMetrics and
GetMetricData, as AWS's sample on measuring the impact of recommendations does. A metric is
identified by namespace, name and its exact set of dimensions, as in CloudWatch. GetMetricData
answers ``MetricStat`` queries with the statistics ``Sum``, ``SampleCount``, ``Average``,
``Minimum`` and ``Maximum``, one value per ``Period`` (aligned on multiples of the period since
the epoch) that holds datapoints; metric math ``Expression`` queries are not emulated.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from datetime import datetime

from helpers.localaws.engine import errors
from helpers.localaws.engine.store import Store

__all__ = ["get_metric_data", "list_metrics"]

SERVICE = "cloudwatch"
PAGE = 500
"""ListMetrics answers at most this many metrics a page, as CloudWatch does."""
STATISTICS = {
    "Sum": sum,
    "SampleCount": len,
    "Average": lambda values: sum(values) / len(values),
    "Minimum": min,
    "Maximum": max,
}


def publish(store: Store, namespace: str, points: Iterable[tuple[str, dict, float, float]]) -> None:
    """Record datapoints ``(metric name, {dimension: value}, epoch seconds, value)``; what the
    services that publish metrics call (PutMetricData's effect)."""
    store.add_datapoints(namespace, points)


def _token(offset: int) -> str:
    return base64.b64encode(json.dumps({"offset": offset}).encode()).decode()


def _offset(token: str | None, error: type[errors.AWSError]) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.b64decode(token))["offset"])
    except (ValueError, KeyError, TypeError):
        raise error(f"Invalid NextToken: {token}") from None


def list_metrics(store: Store, params: dict) -> dict:
    """List the metrics that have datapoints, filtered by namespace, name and dimensions.

    A dimension filter with a ``Value`` matches that value; one without matches any value.
    """
    wanted = params.get("Dimensions") or []
    found = []
    for namespace, name, dimensions in store.metrics(params.get("Namespace")):
        if params.get("MetricName") not in (None, name):
            continue
        if all(f["Name"] in dimensions and f.get("Value") in (None, dimensions[f["Name"]]) for f in wanted):
            found.append(
                {
                    "Namespace": namespace,
                    "MetricName": name,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
                }
            )
    start = _offset(params.get("NextToken"), errors.InvalidParameterValueException)
    answer: dict = {"Metrics": found[start : start + PAGE]}
    if start + PAGE < len(found):
        answer["NextToken"] = _token(start + PAGE)
    return answer


def _epoch(value: object) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)  # type: ignore[arg-type]


def _series(store: Store, query: dict, start: float, end: float) -> dict:
    """One query's result: a value per period holding datapoints, oldest first."""
    where = f"MetricDataQueries[{query['Id']}]"
    stat = query.get("MetricStat")
    if stat is None:
        raise errors.InvalidParameterValueException(
            f"{where}: only MetricStat queries are emulated locally, not Expression."
        )
    if stat["Stat"] not in STATISTICS:
        raise errors.InvalidParameterValueException(
            f"{where}: Stat {stat['Stat']!r} is not one of {sorted(STATISTICS)}."
        )
    period = int(stat["Period"])
    if period < 1 or (period >= 60 and period % 60):
        raise errors.InvalidParameterValueException(
            f"{where}: Period must be 1, 5, 10, 30 or a multiple of 60 seconds, not {period}."
        )
    metric = stat["Metric"]
    dimensions = {d["Name"]: d["Value"] for d in metric.get("Dimensions") or []}
    buckets: dict[float, list[float]] = {}
    for timestamp, value in store.datapoints(
        metric.get("Namespace", ""), metric.get("MetricName", ""), dimensions, start, end
    ):
        buckets.setdefault(timestamp - timestamp % period, []).append(value)
    times = sorted(buckets)
    return {
        "Id": query["Id"],
        "Label": query.get("Label") or metric.get("MetricName", ""),
        "Timestamps": times,
        "Values": [float(STATISTICS[stat["Stat"]](buckets[t])) for t in times],
        "StatusCode": "Complete",
    }


def get_metric_data(store: Store, params: dict) -> dict:
    """Answer MetricStat queries over ``[StartTime, EndTime)``.

    Values are ordered as ``ScanBy`` asks (``TimestampDescending``, the default, or
    ``TimestampAscending``); queries with ``ReturnData`` false are left out.
    """
    start, end = _epoch(params["StartTime"]), _epoch(params["EndTime"])
    if end <= start:
        raise errors.InvalidParameterValueException("EndTime must be after StartTime.")
    _offset(params.get("NextToken"), errors.InvalidNextToken)
    results = []
    for query in params["MetricDataQueries"]:
        result = _series(store, query, start, end)
        if params.get("ScanBy", "TimestampDescending") == "TimestampDescending":
            result["Timestamps"].reverse()
            result["Values"].reverse()
        if query.get("ReturnData", True):
            results.append(result)
    return {"MetricDataResults": results, "Messages": []}

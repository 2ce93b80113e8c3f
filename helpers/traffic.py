"""Simulated traffic on the recommenders' lists, sent with the attribution Personalize counts.

Notebook 10 lets sampled shoppers see each recommender's list once and act on it as the synthetic
shop's ground truth says they would; every event carries the ``recommendationId`` of its list, so
that a metric attribution credits it to that recommender. The calls are plain boto3 and run
unchanged on AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

ITEM_BASED = ("customers-who-viewed-x", "frequently-bought-together")
"""Use cases whose lists are about a product (``itemId``) rather than only a shopper."""
NAMESPACE = "AWS/Personalize"
"""Where Personalize publishes a metric attribution's metrics in CloudWatch."""


def shown_lists(runtime: Any, arns: Mapping[str, str], last_item: pd.Series, n: int) -> pd.DataFrame:
    """Ask every recommender for each shopper's list, as the storefront's shelves do.

    Args:
        runtime: a ``personalize-runtime`` client.
        arns: use case (``config.USE_CASES`` key) → recommender ARN.
        last_item: each shopper's last viewed product (index ``USER_ID``); item-to-item lists
            are about it.
        n: products per list.

    Returns:
        One row per product shown: ``USER_ID, SOURCE`` (the use case), ``RECOMMENDATION_ID,
        ITEM_ID``, in list order.
    """
    rows = []
    for user, item in last_item.items():
        for short, arn in arns.items():
            request = {"userId": user, **({"itemId": item} if short in ITEM_BASED else {})}
            answer = runtime.get_recommendations(recommenderArn=arn, numResults=n, **request)
            rows += [(user, short, answer["recommendationId"], i["itemId"]) for i in answer["itemList"]]
    return pd.DataFrame(rows, columns=["USER_ID", "SOURCE", "RECOMMENDATION_ID", "ITEM_ID"])


def relevance(shown: pd.DataFrame, affinity: pd.DataFrame) -> pd.Series:
    """Each shown product's relevance to its shopper: their affinity for it over their top one.

    Args:
        shown: from ``shown_lists``.
        affinity: shoppers × products (index ``USER_ID``, columns ``ITEM_ID``), e.g. from
            ``datagen.truth.affinity``.

    Returns:
        One value in [0, 1] per row of ``shown``; 0 for a shopper or product ``affinity`` lacks.
    """
    scaled = affinity.div(affinity.max(axis=1).replace(0, 1), axis=0).to_numpy()
    rows = affinity.index.get_indexer(shown["USER_ID"])
    cols = affinity.columns.get_indexer(shown["ITEM_ID"])
    known = (rows >= 0) & (cols >= 0)
    values = np.zeros(len(shown))
    values[known] = scaled[rows[known], cols[known]]
    return pd.Series(values, index=shown.index)


def visits(
    rng: np.random.Generator, shown: pd.DataFrame, relevance: pd.Series, view_rate: float, buy_rate: float
) -> pd.DataFrame:
    """What shoppers do with the products shown to them.

    A shown product is viewed with chance ``view_rate`` × the shopper's relevance for it, and a
    view ends in a purchase with chance ``buy_rate``.

    Args:
        rng: the seeded generator.
        shown: from ``shown_lists``.
        relevance: each shown row's relevance in [0, 1] (aligned with ``shown``).
        view_rate: the chance of viewing a product of relevance 1, in [0, 1].
        buy_rate: the chance that a view ends in a purchase, in [0, 1].

    Returns:
        ``shown``'s columns and ``EVENT_TYPE``: a View per viewed product, then a Purchase if
        bought, in ``shown``'s order.

    Raises:
        ValueError: a rate outside [0, 1].
    """
    for name, rate in (("view_rate", view_rate), ("buy_rate", buy_rate)):
        if not 0 <= rate <= 1:
            raise ValueError(f"{name} must be in [0, 1], not {rate}")
    viewed = rng.random(len(shown)) < view_rate * relevance.to_numpy()
    bought = viewed & (rng.random(len(shown)) < buy_rate)
    views = shown[viewed].assign(EVENT_TYPE="View", ORDER=np.flatnonzero(viewed) * 2)
    buys = shown[bought].assign(EVENT_TYPE="Purchase", ORDER=np.flatnonzero(bought) * 2 + 1)
    return pd.concat([views, buys]).sort_values("ORDER").drop(columns="ORDER").reset_index(drop=True)


def send(events_client: Any, tracking_id: str, events: pd.DataFrame, sent_at: datetime) -> int:
    """Send the events with PutEvents, per shopper and 10 at a time, each with its list's
    ``recommendationId``; return how many were sent."""
    for user, mine in events.groupby("USER_ID", sort=True):
        listed = [
            {
                "eventType": e.EVENT_TYPE,
                "itemId": e.ITEM_ID,
                "sentAt": sent_at,
                "recommendationId": e.RECOMMENDATION_ID,
            }
            for e in mine.itertuples(index=False)
        ]
        for start in range(0, len(listed), 10):
            events_client.put_events(
                trackingId=tracking_id,
                userId=user,
                sessionId=f"visit-{user}",
                eventList=listed[start : start + 10],
            )
    return len(events)


def attributed(
    cloudwatch: Any, group_arn: str, source: str, metric: str, start: datetime, end: datetime
) -> float:
    """The sum of a metric attribution's metric credited to one source, read from CloudWatch.

    Args:
        cloudwatch: a ``cloudwatch`` client.
        group_arn: the dataset group.
        source: the source as Personalize names it (a recommender's ARN for a ``recommendationId``).
        metric: the metric's name in capitals, as Personalize publishes it.
        start: the window's start.
        end: the window's end.
    """
    dimensions = [
        {"Name": "DatasetGroupArn", "Value": group_arn},
        {"Name": "EventAttributionSource", "Value": source},
    ]
    query = {
        "Id": "m",
        "MetricStat": {
            "Metric": {"Namespace": NAMESPACE, "MetricName": metric, "Dimensions": dimensions},
            "Period": 900,
            "Stat": "Sum",
        },
    }
    answer = cloudwatch.get_metric_data(MetricDataQueries=[query], StartTime=start, EndTime=end)
    return float(sum(answer["MetricDataResults"][0]["Values"]))

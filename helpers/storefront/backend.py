"""The storefront's calls to Amazon Personalize: one small function per shelf, in plain boto3.

These are the calls a production backend makes. Each recommender's ARN and the event tracker's
``trackingId`` come from SSM Parameter Store, where notebooks 05 and 07 left them, so the same
code serves the local backend and a real AWS account. The clients are made once per process
and reused (boto3 clients are thread-safe); SSM values are kept for ``SSM_TTL_S`` seconds.

Notebook 07 calls these functions too.
"""

from __future__ import annotations

import functools
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from helpers import aws, config

N_RESULTS = 12
"""Products per shelf."""

ANY_USER = "x"
"""The userId sent for lists that are the same for everyone (the AWS article's dummy user)."""

DIRECT_SOURCE = "storefront"
"""The attribution source of events on products reached other than through a recommender's shelf."""

SSM_TTL_S = 60.0
"""How long an SSM value is reused before it is read again (a new ARN is picked up within it)."""

_parameters: dict[str, tuple[float, str]] = {}
_lock = threading.Lock()


class NotConfiguredError(LookupError):
    """An SSM parameter the storefront needs is missing: the notebook that writes it has not run."""


@functools.cache
def client(name: str) -> Any:
    """Return this process's one boto3 client for ``name`` (``personalize-runtime``, ``ssm`` …)."""
    with _lock:  # boto3's default session is not thread-safe while it makes clients
        return aws.client(name)


def parameter(name: str) -> str:
    """Return an SSM parameter's value, read again at most every ``SSM_TTL_S`` seconds.

    Raises:
        NotConfiguredError: the parameter does not exist.
    """
    kept = _parameters.get(name)
    if kept and time.monotonic() - kept[0] < SSM_TTL_S:
        return kept[1]
    ssm = client("ssm")
    try:
        value = ssm.get_parameter(Name=name)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        raise NotConfiguredError(f"SSM parameter {name} does not exist yet") from None
    _parameters[name] = (time.monotonic(), value)
    return value


def recommend(use_case: str, n: int = N_RESULTS, **request: str) -> list[dict]:
    """Ask one of the five recommenders; return its ``itemList`` (``itemId``, maybe ``score``).

    Args:
        use_case: a key of ``config.USE_CASES``, e.g. ``recommended-for-you``.
        n: how many items, 1 to 500.
        **request: ``userId=…`` and/or ``itemId=…``, as the use case needs.
    """
    arn = parameter(config.ssm_name(use_case))
    answer = client("personalize-runtime").get_recommendations(recommenderArn=arn, numResults=n, **request)
    return answer["itemList"]


def get_recommended_items(user_id: str, n: int = N_RESULTS) -> list[dict]:
    """Recommended for you: this shopper's list, best first, with scores."""
    return recommend("recommended-for-you", n, userId=user_id)


def get_popular_items(n: int = N_RESULTS) -> list[dict]:
    """Most viewed: the same list for everyone, asked for the dummy user."""
    return recommend("most-viewed", n, userId=ANY_USER)


def get_best_sellers(n: int = N_RESULTS) -> list[dict]:
    """Best sellers: the most bought products, the same for everyone."""
    return recommend("best-sellers", n, userId=ANY_USER)


def get_also_viewed(item_id: str, n: int = N_RESULTS) -> list[dict]:
    """Customers who viewed this also viewed: alternatives to a product."""
    return recommend("customers-who-viewed-x", n, itemId=item_id)


def get_bought_together(item_id: str, n: int = N_RESULTS) -> list[dict]:
    """Frequently bought together: additions to a product in the basket."""
    return recommend("frequently-bought-together", n, itemId=item_id)


def send_event(
    user_id: str | None, session_id: str, item_id: str, event_type: str, source: str | None = None
) -> str:
    """Tell Personalize what a shopper just did, through the event tracker (PutEvents).

    Every event names its source (``metricAttribution.eventAttributionSource``), so that a
    metric attribution credits it to the recommender whose shelf the shopper came from.

    Args:
        user_id: the shopper, or None for an anonymous visitor.
        session_id: the browser session, which ties an anonymous visitor's events together.
        item_id: the product.
        event_type: ``View``, ``AddToCart`` or ``Purchase``.
        source: the use case whose shelf led here (``recommended-for-you`` …), or None for
            a product reached otherwise (``DIRECT_SOURCE``).

    Returns:
        The event's id.
    """
    event_id = uuid.uuid4().hex
    event = {
        "eventId": event_id,
        "eventType": event_type,
        "itemId": item_id,
        "sentAt": datetime.now(UTC),
        "metricAttribution": {"eventAttributionSource": source or DIRECT_SOURCE},
    }
    shopper = {"userId": user_id} if user_id else {}
    client("personalize-events").put_events(
        trackingId=parameter(config.SSM_TRACKING_ID), sessionId=session_id, eventList=[event], **shopper
    )
    return event_id

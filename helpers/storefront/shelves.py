"""The shelves of each page: which recommender fills them, what is cached, what happens when one fails.

Lists that are the same for everyone (Most viewed, Best sellers, and the two item-to-item lists
for a product) are kept per process for ``SHARED_TTL_S``, as a production shop caches them: they
change only when the recommender retrains. A shopper's own shelf is kept for ``PERSONAL_TTL_S``
at most and only until their next event: the key holds the id of the shopper's latest event in
the shop's log (shared by the worker processes), so a view, cart or purchase shows on the very
next page. A recommender that fails (stopped, missing, throttled, unreachable) turns its shelf
into popular items with a note, never cached, never breaking the page.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from helpers import config, explain
from helpers.storefront import backend
from helpers.storefront.shop import Product, Shop

SHARED_TTL_S = 30.0
"""Seconds a list that is the same for every shopper is reused before it is asked for again."""

PERSONAL_TTL_S = 10.0
"""Seconds a shopper's own shelf is reused at most (less if they do something): a retrained model,
or events sent from elsewhere than this storefront, show within this time."""

MAX_CACHED = 10_000
"""Lists kept at most per process (product pages); the oldest go first."""

log = logging.getLogger(__name__)
_cache: dict[tuple, tuple[float, Any]] = {}
T = TypeVar("T")
FAILURES = (ClientError, BotoCoreError, backend.NotConfiguredError)


@dataclass(frozen=True)
class Card:
    """One product on a shelf, with why it is there when the shelf is personal."""

    product: Product
    reason: str | None = None

    def as_json(self) -> dict:
        """The card in the JSON API's spelling."""
        out = self.product.as_json()
        del out["description"]
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class Shelf:
    """A titled row of products, and the note shown when its recommender failed."""

    key: str
    title: str
    cards: list[Card] = field(default_factory=list)
    note: str | None = None

    def as_json(self) -> dict:
        """The shelf in the JSON API's spelling."""
        return {
            "key": self.key,
            "title": self.title,
            "note": self.note,
            "items": [c.as_json() for c in self.cards],
        }


SOURCES = {"popular": "most-viewed", **{use_case: use_case for use_case in config.USE_CASES}}
"""A shelf's key → the recommender it shows, by use case: the metric attribution source of the events
that follow a click on one of its cards (a product page's ``?from=<shelf key>``)."""


def source(shelf_key: str | None) -> str | None:
    """The attribution source of a shelf's key (``popular`` → ``most-viewed``), None if it is no shelf's."""
    return SOURCES.get(shelf_key or "")


def cached(key: tuple, ask: Callable[[], T], ttl: float = SHARED_TTL_S) -> T:
    """Return ``ask()``, reused for ``ttl`` seconds under ``key``; an exception is never kept."""
    kept = _cache.get(key)
    if kept and time.monotonic() - kept[0] < ttl:
        return kept[1]
    answer = ask()
    if len(_cache) >= MAX_CACHED:
        _cache.pop(next(iter(_cache)), None)
    _cache[key] = (time.monotonic(), answer)
    return answer


def popular(shop: Shop) -> list[dict]:
    """Most viewed from its recommender, or from the shop's own view counts if that fails too."""
    try:
        return cached(("most-viewed",), backend.get_popular_items)
    except FAILURES as err:
        log.warning("most-viewed failed, using the shop's own view counts: %s", err)
        return [{"itemId": item} for item in shop.most_viewed[: backend.N_RESULTS]]


def _cards(shop: Shop, items: list[dict], reasons: dict[str, explain.Reason] | None = None) -> list[Card]:
    cards = []
    for entry in items:
        product = shop.products.get(
            entry["itemId"]
        )  # a product deleted from the catalogue may linger in a model
        if product is not None:
            reason = reasons.get(product.item_id) if reasons else None
            cards.append(Card(product, reason.text if reason else None))
    return cards


def _degraded(shop: Shop, key: str, title: str, err: Exception) -> Shelf:
    log.warning("%s failed, showing popular items: %s", key, err)
    note = f"{title} is not available right now, so here is what is popular instead."
    return Shelf(key, title, _cards(shop, popular(shop)), note)


def home(shop: Shop, user_id: str | None) -> list[Shelf]:
    """The home page's shelves: popular items for anyone; personal ones and best sellers for a shopper."""
    if user_id is None:
        return [Shelf("popular", "Popular right now", _cards(shop, popular(shop)))]
    return [inspired(shop, user_id), best_sellers(shop)]


def inspired(shop: Shop, user_id: str) -> Shelf:
    """Recommended for you, each card with why ("Because you viewed …")."""
    title = "Inspired by your shopping trends"
    key = ("recommended-for-you", user_id, shop.log.last_id(user_id))
    try:
        return cached(key, lambda: _explained(shop, user_id, title), PERSONAL_TTL_S)
    except FAILURES as err:
        return _degraded(shop, "recommended-for-you", title, err)


def _explained(shop: Shop, user_id: str, title: str) -> Shelf:
    items = backend.get_recommended_items(user_id)
    history = shop.profile(user_id).items
    reasons = explain.because(history, [i["itemId"] for i in items], shop.co, shop.names, shop.categories)
    return Shelf("recommended-for-you", title, _cards(shop, items, reasons))


def best_sellers(shop: Shop) -> Shelf:
    """Best sellers, the same for everyone."""
    title = "Best sellers"
    try:
        return Shelf("best-sellers", title, _cards(shop, cached(("best-sellers",), backend.get_best_sellers)))
    except FAILURES as err:
        return _degraded(shop, "best-sellers", title, err)


def product(shop: Shop, item_id: str) -> list[Shelf]:
    """A product page's shelves: Customers who viewed this also viewed, Frequently bought together."""
    shelves = []
    for key, title, ask in (
        ("customers-who-viewed-x", "Customers who viewed this also viewed", backend.get_also_viewed),
        ("frequently-bought-together", "Frequently bought together", backend.get_bought_together),
    ):
        try:
            items = [
                i for i in cached((key, item_id), lambda ask=ask: ask(item_id)) if i["itemId"] != item_id
            ]
            shelves.append(Shelf(key, title, _cards(shop, items)))
        except FAILURES as err:
            shelves.append(_degraded(shop, key, title, err))
    return shelves

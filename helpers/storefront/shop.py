"""The shop's own data: its catalogue, its shoppers, their past events and the shop's event log.

A real shop has a product database and an order history of its own; Personalize only ever
sees copies. Ours are the CSVs that notebooks 01-03 put in S3 (read once at start-up through
boto3, so the same code runs on AWS), plus ``EventLog``: the views, carts and purchases the
storefront itself recorded since, in a SQLite file shared by the server's worker processes.
"""

from __future__ import annotations

import functools
import io
import os
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import aws, config, explain

CSV_KEYS = {"items": "items.csv", "users": "users.csv", "interactions": "interactions.csv"}
"""S3 keys of the shop's CSVs in the series' bucket (written by notebooks 01-03)."""

EVENT_TYPES = ("View", "AddToCart", "Purchase")
"""The event types the storefront records and sends."""

PROFILES_KEPT = 4_096
"""Shoppers whose past profile each process keeps (the CSV part never changes)."""

N_PERSONAS = 8
N_REAL_SHOPPERS = 4
_COLOUR = re.compile(r"\bin (\w+)\b")


@dataclass(frozen=True)
class Product:
    """One product of the catalogue, as the pages show it."""

    item_id: str
    name: str
    category: str
    subcategory: str
    price: float
    description: str
    colour: str

    def as_json(self) -> dict:
        """The product in the JSON API's spelling."""
        return {
            "itemId": self.item_id,
            "name": self.name,
            "category": self.category,
            "subcategory": self.subcategory,
            "price": self.price,
            "description": self.description,
        }


@dataclass(frozen=True)
class Profile:
    """What the shop knows of one shopper.

    Attributes:
        user_id: the shopper.
        items: their items, one ``explain.Past`` each (strongest event first).
        favourites: their three most frequent categories, most frequent first (ties by name).
        events: how many events they have, past and recorded.
        category_counts: category → how many of their events are in it.
    """

    user_id: str
    items: list[explain.Past]
    favourites: tuple[str, ...]
    events: int
    category_counts: dict[str, int]


@dataclass(frozen=True)
class Persona:
    """A shopper who stands for a taste in the persona picker.

    Attributes:
        user_id: the shopper.
        categories: their three most frequent categories, most frequent first.
        events: how many events the shop has of them.
        label: what the picker shows, e.g. "books, electronics & outdoors".
    """

    user_id: str
    categories: tuple[str, ...]
    events: int

    @property
    def label(self) -> str:
        return categories_label(self.categories)


def categories_label(categories: tuple[str, ...] | list[str]) -> str:
    """Return "a, b & c" for a list of category names."""
    names = list(categories)
    return " & ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


class EventLog:
    """The storefront's own record of what shoppers did, in SQLite (WAL), shared by processes.

    Args:
        path: the database file (created with its folder if missing, readable by its owner only:
            SQLite gives its -wal and -shm files the database's mode).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(mode=config.OWNER_ONLY_DIR, parents=True, exist_ok=True)
        os.chmod(self.path.parent, config.OWNER_ONLY_DIR)
        os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, config.OWNER_ONLY_FILE))
        os.chmod(self.path, config.OWNER_ONLY_FILE)
        self._local = threading.local()
        with self._connection() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL,"
                " item_id TEXT NOT NULL, event_type TEXT NOT NULL, at REAL NOT NULL)"
            )
            db.execute("CREATE INDEX IF NOT EXISTS events_user ON events (user_id)")

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    def record(self, user_id: str, item_id: str, event_type: str, at: float | None = None) -> None:
        """Keep one event of a shopper."""
        if event_type not in EVENT_TYPES:
            raise ValueError(f"event_type must be one of {', '.join(EVENT_TYPES)}, not {event_type!r}")
        self._connection().execute(
            "INSERT INTO events (user_id, item_id, event_type, at) VALUES (?, ?, ?, ?)",
            (user_id, item_id, event_type, time.time() if at is None else at),
        )

    def last_id(self, user_id: str) -> int:
        """Return the id of the shopper's latest recorded event (0 if none): it changes with each event."""
        row = (
            self._connection().execute("SELECT max(id) FROM events WHERE user_id = ?", (user_id,)).fetchone()
        )
        return row[0] or 0

    def of(self, user_id: str) -> list[tuple[str, str, float]]:
        """Return a shopper's recorded events as ``(item_id, event_type, at)``, oldest first."""
        rows = self._connection().execute(
            "SELECT item_id, event_type, at FROM events WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return rows.fetchall()


class Shop:
    """The catalogue, the shoppers and their events, with what the pages derive from them.

    Args:
        items: the items CSV as a frame (the ITEMS schema's columns).
        users: the users CSV as a frame (``USER_ID`` at least).
        interactions: the interactions CSV as a frame (the INTERACTIONS schema's columns).
        log: where the storefront records new events.
    """

    def __init__(self, items: pd.DataFrame, users: pd.DataFrame, interactions: pd.DataFrame, log: EventLog):
        text = items["PRODUCT_DESCRIPTION"].fillna("").astype(str)
        self.products = {
            product.item_id: product
            for product in map(
                Product,
                items["ITEM_ID"].astype(str),
                items["PRODUCT_NAME"].astype(str),
                items["CATEGORY_L1"].astype(str),
                items["CATEGORY_L2"].fillna("").astype(str),
                items["PRICE"].astype(float),
                text,
                text.str.extract(_COLOUR, expand=False).fillna(""),
            )
        }
        self.names = {item: product.name for item, product in self.products.items()}
        self.categories = {item: product.category for item, product in self.products.items()}
        self.user_ids = frozenset(users["USER_ID"].astype(str))
        self.log = log
        shoppers, user_ids = pd.factorize(interactions["USER_ID"].astype(str), sort=True)
        by_shopper_then_time = np.lexsort((interactions["TIMESTAMP"].to_numpy(), shoppers))  # stable
        shoppers = shoppers[by_shopper_then_time]
        items_of = pd.Categorical(interactions["ITEM_ID"].astype(str))
        types_of = pd.Categorical(interactions["EVENT_TYPE"])
        self._users = np.asarray(user_ids, object)[shoppers]
        self._item_names = np.asarray(items_of.categories, object)
        self._item_codes = items_of.codes[by_shopper_then_time]
        self._type_names = np.asarray(types_of.categories, object)
        self._type_codes = types_of.codes[by_shopper_then_time]
        self._times = interactions["TIMESTAMP"].to_numpy(float)[by_shopper_then_time]
        self.co = explain.co_occurrence_in_order(shoppers, self._times, self._item_codes, self._item_names)
        views = np.bincount(items_of.codes[np.asarray(types_of == "View")], minlength=len(self._item_names))
        viewed = np.flatnonzero(views)  # in order of id
        self.most_viewed = self._item_names[viewed[np.argsort(-views[viewed], kind="stable")]].tolist()
        self._past_profile = functools.lru_cache(maxsize=PROFILES_KEPT)(
            lambda user: self._summarise(user, self._past_events(user))
        )
        self.personas, self.real_shoppers = self._pick_shoppers(list(user_ids), shoppers)

    @classmethod
    def from_s3(cls, bucket: str | None = None, log_path: Path | None = None) -> Shop:
        """Read the three CSVs from the series' S3 bucket, as the storefront does at start-up.

        Args:
            bucket: the bucket; by default ``aws.default_bucket()``.
            log_path: the event log's file; by default ``storefront/events.sqlite`` in the data folder.
        """
        s3 = aws.client("s3")
        bucket = bucket or aws.default_bucket()
        frames = {
            name: pd.read_csv(
                io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read()), dtype={"USER_ID": str}
            )
            for name, key in CSV_KEYS.items()
        }
        log = EventLog(log_path or config.DATA_DIR / "storefront" / "events.sqlite")
        return cls(frames["items"], frames["users"], frames["interactions"], log)

    def knows_user(self, user_id: str) -> bool:
        """Whether the shop has this shopper in its customer data."""
        return user_id in self.user_ids

    def knows_item(self, item_id: str) -> bool:
        """Whether the catalogue has this product."""
        return item_id in self.products

    def history(self, user_id: str) -> list[tuple[str, str, float]]:
        """Return every event of a shopper, past and recorded: ``(item_id, event_type, timestamp)``."""
        return self._past_events(user_id) + self.log.of(user_id)

    def profile(self, user_id: str) -> Profile:
        """Return what the shop knows of a shopper, from the past events and the recorded ones.

        The part from the CSV never changes, so it is kept per shopper; recorded events are read
        from the log on every call, so a purchase shows on the next page.
        """
        recorded = self.log.of(user_id)
        past = self._past_profile(user_id)
        if not recorded:
            return past
        # strongest event and latest time per item combine: the past items stand for their events
        seeds = [(p.item_id, p.event_type, p.last) for p in past.items]
        return self._summarise(user_id, recorded, past, seeds)

    def _past_events(self, user_id: str) -> list[tuple[str, str, float]]:
        start, end = (
            np.searchsorted(self._users, user_id, "left"),
            np.searchsorted(self._users, user_id, "right"),
        )
        return list(
            zip(
                self._item_names[self._item_codes[start:end]].tolist(),
                self._type_names[self._type_codes[start:end]].tolist(),
                self._times[start:end].tolist(),
                strict=True,
            )
        )

    def _summarise(
        self,
        user_id: str,
        events: list[tuple[str, str, float]],
        base: Profile | None = None,
        seeds: list[tuple[str, str, float]] | tuple = (),
    ) -> Profile:
        """The profile of ``events`` added to ``base`` (whose items come back as ``seeds``)."""
        counts = dict(base.category_counts) if base else {}
        for item, _, _ in events:
            category = self.categories.get(item)
            if category:
                counts[category] = counts.get(category, 0) + 1
        favourites = tuple(sorted(counts, key=lambda c: (-counts[c], c))[:3])
        total = (base.events if base else 0) + len(events)
        return Profile(user_id, explain.strongest_events([*seeds, *events]), favourites, total, counts)

    def _pick_shoppers(
        self, user_ids: list[str], shoppers: np.ndarray
    ) -> tuple[list[Persona], list[Persona]]:
        """The persona picker's shoppers: one typical shopper per common taste, and the most active.

        A taste is a set of three favourite categories (most events, ties by name). For each of
        the ``N_PERSONAS`` tastes most shoppers share, the persona is the shopper of median
        activity among them (ties by id): their history is typical, so one new event shows. The
        ``N_REAL_SHOPPERS`` most active other shoppers follow, as themselves.

        Args:
            user_ids: the shoppers with events, sorted.
            shoppers: each past event's shopper, as a position in ``user_ids``.
        """
        names = sorted(set(self.categories.values()))
        position = {name: k for k, name in enumerate(names)}
        category_of_item = np.array([position.get(self.categories.get(i), -1) for i in self._item_names], int)
        categories = category_of_item[self._item_codes]
        known = categories >= 0
        cells = np.bincount(
            shoppers[known] * len(names) + categories[known], minlength=len(user_ids) * len(names)
        )
        counts = cells.reshape(len(user_ids), len(names))
        ranked = np.argsort(-counts, axis=1, kind="stable")[:, :3]  # most events first, ties by name
        favourites = {  # shoppers with an event in the catalogue only
            u: tuple(names[c] for c in top if row[c])
            for u, (top, row) in enumerate(zip(ranked.tolist(), counts.tolist(), strict=True))
            if any(row)
        }
        events = np.bincount(shoppers, minlength=len(user_ids)).tolist()
        order = [int(u) if u.isdigit() else 0 for u in user_ids]
        by_taste: dict[tuple[str, ...], list[int]] = {}
        for u, liked in favourites.items():  # in order of id, which breaks every tie below
            by_taste.setdefault(tuple(sorted(liked)), []).append(u)
        tastes = sorted(by_taste, key=lambda taste: (-len(by_taste[taste]), taste))[:N_PERSONAS]
        chosen = []
        for taste in tastes:
            alike = sorted(by_taste[taste], key=lambda u: (events[u], order[u]))
            chosen.append(alike[(len(alike) - 1) // 2])
        busiest = sorted(favourites, key=lambda u: (-events[u], order[u]))
        others = [u for u in busiest if u not in chosen][:N_REAL_SHOPPERS]

        def persona(u: int) -> Persona:
            return Persona(user_ids[u], favourites[u], events[u])

        return [persona(u) for u in chosen], [persona(u) for u in others]

"""Learning to rank what a shopper does next, over candidates of simpler models.

Recommended for you answers one question: which products will this shopper turn to next? No
single simple model answers it best. EASE knows which products go with a history, item-kNN the
products seen with each one, and a shop's best sellers within the shopper's own categories what
most people like in them (cosine similarity normalises that popularity away). A **ranker** weighs
them: for each shopper it takes **candidates** (the best of EASE and of the shopper's categories'
popular products), describes each by **features** (``FEATURES``), and orders them by a LightGBM
``lambdarank`` model, gradient-boosted trees trained to put first what the shopper did next.

It learns on a **temporal validation split of the training data**, Personalize's own protocol:
some shoppers lose their newest events, the simpler models fit on the rest, and the ranker learns
to rank the products that those newest events name and that were new to each shopper. Features are
shares and ranks rather than raw counts, so that what it learned on the split still holds for
the models refitted on all the data (a count grows with the data; a share does not). A quarter of
the validation shoppers are kept aside to stop boosting when their NDCG@10 stops improving.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from .interactions import SECONDS_PER_DAY, build_user_item_matrix
from .personalization import PersonalizationModel, fit_ease, fit_item_knn, score_items

FEATURES = (
    "ease",  # the EASE score of the candidate for this history
    "ease_rank",  # log2 of 1 + its rank by EASE in the whole catalogue (0 = first): what a filter
    # or the items left out do not change
    "knn",  # the item-kNN score
    "group_share",  # share of the shopper's events in the candidate's group (first categorical field)
    "field_share_2",  # ... in its value of the second categorical field (0 without one)
    "field_share_3",  # ... of the third
    "field_share_4",  # ... of the fourth
    "within_group",  # the candidate's share of its group's events
    "group_popular",  # group_share × within_group: the favourite-category best-seller score
    "popularity",  # log of its share of all events × catalogue size (0: average)
    "recent",  # the same over the newest RECENT_DAYS
    "trend",  # log of its share in the newest TREND_DAYS over its share in the newest RECENT_DAYS
    "age_days",  # days since it was created (else first seen) before the newest event; NaN unknown
    "history",  # log of the shopper's number of events
)

MAX_FIELDS = 4
RECENT_DAYS = 30
TREND_DAYS = 7
MAX_GRADE = 3
"""A lost product's label: its events in the lost period, at most this (more events, stronger liking)."""

CANDIDATES = 100
"""Candidates taken from each source (EASE, group popularity) per shopper."""

PARAMS = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [10],
    "learning_rate": 0.1,
    "num_leaves": 15,
    "min_data_in_leaf": 100,
    "feature_fraction": 0.9,
    "lambdarank_truncation_level": 20,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 2,
    "seed": 7,
    "verbosity": -1,
}
"""LightGBM's settings: ``deterministic`` with two threads, a number fixed here rather than taken
from the machine, so that every run on every machine grows the same trees (the trees depend on
how the rows are split between threads; a machine with fewer cores just runs them in turn)."""

MAX_RANDOM_LOSS = 0.03
"""Most the ranker may cost a random hold-out, relative to EASE's order (``tuning.MAX_RECENCY_LOSS``
weighs recency the same way): what a shopper does next must not cost what else they like."""

MAX_ROUNDS = 200
PATIENCE = 30
BLOCK_USERS = 512
"""Shoppers whose candidates ``candidate_features`` assembles at once: their score matrices stay
small (a few MB) instead of one of every shopper × every item at a time."""

MAX_USERS = 6_000
"""Most validation shoppers the ranker learns from (its cost is linear in them)."""

USER_SHARE = 0.5
"""Most share of the eligible shoppers validated: the others keep their newest events in the fit,
so that recent popularity and its trend mean on the split what they mean on all the data."""

MIN_USERS = 200
"""Fewer validation shoppers with new items than this: no ranker, EASE's order alone."""


@dataclass(frozen=True)
class ItemStats:
    """What the ranker knows of each item, from the events it was fitted on.

    Attributes:
        fields: ``(MAX_FIELDS, n_items)`` code of each item's value of each categorical field
            (-1: none); the first field makes the groups.
        popularity, recent, trend, within_group, age_days: per item, as ``FEATURES`` says.
    """

    fields: np.ndarray
    popularity: np.ndarray
    recent: np.ndarray
    trend: np.ndarray
    within_group: np.ndarray
    age_days: np.ndarray

    @cached_property
    def onehots(self) -> list[sp.csr_matrix]:
        """Per field, the ``(n_items, n_values)`` indicator of each item's value (built once)."""
        out = []
        for codes in self.fields:
            known = codes >= 0
            n_values = int(codes.max()) + 1 if known.any() else 1
            rows = np.flatnonzero(known)
            out.append(
                sp.csr_matrix((np.ones(len(rows)), (rows, codes[known])), shape=(len(codes), n_values))
            )
        return out

    def extended(self, n_items: int) -> ItemStats:
        """The same over a catalogue grown to ``n_items``: the new items have no field values,
        the least popularity and no age."""
        extra = n_items - self.popularity.size
        pad = lambda a, v: np.pad(a, (0, extra), constant_values=v)  # noqa: E731
        low = float(self.popularity.min()) if self.popularity.size else 0.0
        return ItemStats(
            fields=np.pad(self.fields, ((0, 0), (0, extra)), constant_values=-1),
            popularity=pad(self.popularity, low),
            recent=pad(self.recent, float(self.recent.min()) if self.recent.size else 0.0),
            trend=pad(self.trend, 0.0),
            within_group=pad(self.within_group, 0.0),
            age_days=pad(self.age_days, np.nan),
        )

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """Arrays for ``np.savez`` under ``prefix``; ``from_arrays`` restores them."""
        return {f"{prefix}{k}": getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_arrays(cls, arrays, prefix: str) -> ItemStats:
        """Rebuild from ``to_arrays`` output."""
        return cls(**{k: np.asarray(arrays[f"{prefix}{k}"]) for k in cls.__dataclass_fields__})


def field_codes(tokens: list[list[str]], n_fields: int = MAX_FIELDS) -> np.ndarray:
    """Each item's value code in each of the first ``n_fields`` categorical fields (-1: none).

    Categorical tokens read ``FIELD=value`` (``content.item_tokens``); an item with several
    values of a field takes its first.
    """
    names: list[str] = []
    for item in tokens:
        for token in item:
            name = token.split("=", 1)[0] if "=" in token else None
            if name is not None and name not in names:
                names.append(name)
    out = np.full((n_fields, len(tokens)), -1, dtype=np.int64)
    for f, name in enumerate(names[:n_fields]):
        values: dict[str, int] = {}
        for i, item in enumerate(tokens):
            first = next((t for t in item if t.startswith(name + "=")), None)
            if first is not None:
                out[f, i] = values.setdefault(first, len(values))
    return out


def item_stats(
    item_idx, timestamps, n_items: int, fields: np.ndarray, created: np.ndarray | None
) -> ItemStats:
    """``ItemStats`` of these events (item index and time per event); ``created`` per item (NaN unknown)."""
    items = np.asarray(item_idx, dtype=np.int64)
    ts = np.asarray(timestamps, dtype=np.int64)
    newest = int(ts.max()) if len(ts) else 0

    def log_share(mask) -> np.ndarray:
        counts = np.bincount(items[mask], minlength=n_items).astype(np.float64)
        return np.log((counts + 0.5) / (counts.sum() + 0.5 * n_items) * n_items)

    recent = log_share(ts > newest - RECENT_DAYS * SECONDS_PER_DAY)
    latest = log_share(ts > newest - TREND_DAYS * SECONDS_PER_DAY)
    counts = np.bincount(items, minlength=n_items).astype(np.float64)
    groups = fields[0]
    known = groups >= 0
    per_group = np.bincount(
        groups[known], weights=counts[known], minlength=int(groups.max()) + 1 if known.any() else 0
    )
    within = np.zeros(n_items)
    within[known] = counts[known] / np.maximum(per_group[groups[known]], 1.0)
    first = np.full(n_items, np.nan)
    np.fmin.at(first, items, ts.astype(np.float64))
    born = first if created is None else np.where(np.isnan(created), first, created)
    return ItemStats(
        fields=fields,
        popularity=log_share(np.ones(len(items), dtype=bool)).astype(np.float32),
        recent=recent.astype(np.float32),
        trend=(latest - recent).astype(np.float32),
        within_group=within.astype(np.float32),
        age_days=((newest - born) / SECONDS_PER_DAY).astype(np.float32),
    )


def field_shares(stats: ItemStats, history: sp.csr_matrix) -> list[np.ndarray]:
    """Per categorical field, each user's share of events in each of its values ``(n_users, n_values)``."""
    totals = np.asarray(history.sum(axis=1)).ravel()[:, None]
    out = []
    for onehot in stats.onehots:
        counts = np.asarray((history @ onehot).todense(), dtype=np.float64)
        out.append(np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0))
    return out


def candidates(
    ease: np.ndarray, group_popular: np.ndarray, excluded: np.ndarray, n: int = CANDIDATES
) -> np.ndarray:
    """Each user's candidates: the ``n`` best by EASE and by group popularity, none excluded.

    Args:
        ease, group_popular: ``(n_users, n_items)`` scores.
        excluded: ``(n_users, n_items)`` boolean, items never to propose.
        n: candidates per source.

    Returns:
        ``(n_users, m)`` item indices, ``-1`` padded (``m <= 2n``), sorted by item index.
    """
    n = min(n, ease.shape[1])
    picks = []
    for scores in (ease, group_popular):
        s = np.where(excluded, -np.inf, scores)
        top = np.argpartition(-s, n - 1, axis=1)[:, :n]
        top[~np.isfinite(np.take_along_axis(s, top, axis=1))] = -1
        picks.append(top)
    both = np.sort(np.concatenate(picks, axis=1), axis=1)
    both[:, 1:][both[:, 1:] == both[:, :-1]] = -1  # a product proposed by both counts once
    both = -np.sort(-both, axis=1)  # valid first, descending
    width = int((both >= 0).sum(axis=1).max()) if both.size else 0
    return both[:, : max(width, 1)]


def features(
    stats: ItemStats,
    ease: np.ndarray,
    knn: np.ndarray,
    shares: list[np.ndarray],
    n_events: np.ndarray,
    cands: np.ndarray,
) -> np.ndarray:
    """The ``FEATURES`` of every candidate ``(n_users, m, len(FEATURES))`` (padding rows: NaN)."""
    valid = cands >= 0
    c = np.where(valid, cands, 0)
    take = lambda a: np.take_along_axis(a, c, axis=1)  # noqa: E731
    e = take(ease)
    ranks = np.empty(ease.shape, dtype=np.float32)
    np.put_along_axis(
        ranks, np.argsort(-ease, axis=1, kind="stable"), np.arange(ease.shape[1], dtype=np.float32), axis=1
    )
    per_field = []
    for f, share in enumerate(shares):
        codes = stats.fields[f][c]
        per_field.append(np.where(codes >= 0, np.take_along_axis(share, np.maximum(codes, 0), axis=1), 0.0))
    while len(per_field) < MAX_FIELDS:
        per_field.append(np.zeros(c.shape))
    within = stats.within_group[c]
    out = np.stack(
        [
            e,
            np.log2(1.0 + take(ranks)),
            take(knn),
            per_field[0],
            per_field[1],
            per_field[2],
            per_field[3],
            within,
            per_field[0] * within,
            stats.popularity[c],
            stats.recent[c],
            stats.trend[c],
            stats.age_days[c],
            np.broadcast_to(np.log1p(n_events)[:, None], c.shape),
        ],
        axis=2,
    ).astype(np.float32)
    out[~valid] = np.nan
    return out


def group_popular(stats: ItemStats, shares: list[np.ndarray]) -> np.ndarray:
    """Each user's favourite-group popularity score of every item ``(n_users, n_items)``."""
    groups = stats.fields[0]
    scores = shares[0][:, np.maximum(groups, 0)]  # a new (n_users, n_items) array, updated in place
    scores[:, groups < 0] = 0.0
    scores *= stats.within_group
    scores += 1e-6 * np.exp(stats.popularity)
    return scores


def unavailable() -> str | None:
    """Why LightGBM cannot load on this machine (None: it can).

    Its macOS wheel needs the OpenMP runtime (``brew install libomp``); without it Recommended
    for you trains EASE alone rather than fail.
    """
    try:
        import lightgbm  # noqa: F401
    except (ImportError, OSError) as error:
        return f"LightGBM cannot load ({error}); Recommended for you ranks by EASE alone"
    return None


@dataclass(frozen=True)
class Base:
    """The simpler models whose scores the ranker reads, fitted on the same events.

    Attributes:
        ease: EASE on the events as the tuned settings combine them.
        knn: cosine item-kNN on the event-weighted events.
        stats: the items' ``ItemStats``.
    """

    ease: PersonalizationModel
    knn: PersonalizationModel
    stats: ItemStats


def fit_base(
    user_idx, item_idx, ts, weights, n_users: int, n_items: int, *, ease_matrix, l2: float, fields, created
) -> Base:
    """Fit the ``Base`` models on events (``ease_matrix``: the user×item matrix EASE fits on)."""
    knn = fit_item_knn(build_user_item_matrix(user_idx, item_idx, n_users, n_items, weights))
    return Base(fit_ease(ease_matrix, l2=l2), knn, item_stats(item_idx, ts, n_items, fields, created))


def candidate_features(base: Base, histories: sp.csr_matrix, counts: sp.csr_matrix, excluded: np.ndarray):
    """Each shopper's candidates ``(n, m)`` (item indices, -1 padding) and their ``FEATURES``.

    Args:
        base: the base models.
        histories: ``(n, n_items)`` each shopper's history as EASE weighs it.
        counts: ``(n, n_items)`` each shopper's events per item.
        excluded: ``(n, n_items)`` boolean, items never to propose.
    """
    blocks = []
    for start in range(0, max(histories.shape[0], 1), BLOCK_USERS):  # every step is row by row
        rows = slice(start, start + BLOCK_USERS)
        ease = np.asarray(histories[rows] @ base.ease.weights, dtype=np.float32)
        knn = np.asarray((histories[rows] @ base.knn.weights).todense(), dtype=np.float32)
        n_events = np.asarray(counts[rows].sum(axis=1)).ravel()
        shares = field_shares(base.stats, counts[rows])
        blocks.append(_assemble(base.stats, ease, knn, shares, n_events, excluded[rows]))
    width = max(cands.shape[1] for cands, _ in blocks)  # every block padded to the widest
    cands = np.concatenate(
        [np.pad(c, ((0, 0), (0, width - c.shape[1])), constant_values=-1) for c, _ in blocks]
    )
    feats = np.concatenate(
        [np.pad(x, ((0, 0), (0, width - x.shape[1]), (0, 0)), constant_values=np.nan) for _, x in blocks]
    )
    return cands, feats


def score_one(
    base: Base, booster, ease: np.ndarray, history: tuple[np.ndarray, np.ndarray], events, excluded
):
    """One shopper's candidates and their ranker scores (-inf: padding), from plain arrays.

    Args:
        base: the base models.
        booster: the ranker (``Fitted.booster``).
        ease: the shopper's EASE scores ``(n_items,)``.
        history: ``(items, weights)`` of the history as EASE weighs it.
        events: item index of each of the shopper's events.
        excluded: ``(n_items,)`` boolean.
    """
    knn = score_items(base.knn, *history)
    counts = np.bincount(np.asarray(events, dtype=np.int64), minlength=ease.size).astype(np.float64)
    total = counts.sum()
    shares = []
    for codes, onehot in zip(base.stats.fields, base.stats.onehots, strict=True):
        known = codes >= 0
        per_value = np.bincount(codes[known], weights=counts[known], minlength=onehot.shape[1])
        shares.append((per_value / total if total > 0 else per_value)[None, :])
    cands, x = _assemble(
        base.stats, ease[None, :], knn[None, :], shares, np.array([total]), excluded[None, :]
    )
    return cands[0], predict(booster, x)[0]


def _assemble(stats: ItemStats, ease, knn, shares, n_events, excluded):
    cands = candidates(ease, group_popular(stats, shares), excluded)
    return cands, features(stats, ease, knn, shares, n_events, cands)


def learn(
    user_idx, item_idx, ts, weights, n_users: int, n_items: int, *, combination: str, relative_l2: float,
    fields: np.ndarray, created, rng: np.random.Generator, max_users: int = MAX_USERS,
) -> Fitted | None:  # fmt: skip
    """Train the ranker on a temporal validation split of these events.

    Shoppers with at least three products lose their newest 10% of products (by first event),
    Personalize's protocol, and a random 10% of the others; the base models fit on the rest; the
    ranker learns to put first the newest lost products among each shopper's candidates. The random
    ones judge what it costs the question of a random split, what else a shopper likes
    (``Fitted.kept``).

    Args:
        user_idx, item_idx, ts, weights: the training events (weights: event-type weights).
        n_users, n_items: matrix sizes.
        combination, relative_l2: EASE's tuned settings (``tuning.Settings``).
        fields: ``field_codes`` of the catalogue.
        created: per item creation time (NaN unknown), or None.
        rng: draws the validation shoppers and those kept aside.
        max_users: most validation shoppers.

    Returns:
        The ``Fitted`` ranker, or None when fewer than ``MIN_USERS`` shoppers can validate it.
    """
    from .tuning import mean_gram_diagonal, newest_events

    users, items = np.asarray(user_idx, np.int64), np.asarray(item_idx, np.int64)
    pairs, pair_of = np.unique(users * n_items + items, return_inverse=True)
    first = np.full(len(pairs), np.iinfo(np.int64).max)
    np.minimum.at(first, pair_of, np.asarray(ts, np.int64))
    newest = newest_events(pairs // n_items, first, 0.1, 3)
    eligible = np.unique((pairs // n_items)[newest])
    if len(eligible) < MIN_USERS:
        return None
    chosen = np.sort(rng.permutation(eligible)[: min(max_users, int(len(eligible) * USER_SHARE))])
    held_pairs = newest & np.isin(pairs // n_items, chosen)
    others = ~newest & np.isin(pairs // n_items, chosen)
    random_pairs = np.zeros(len(pairs), dtype=bool)
    random_pairs[np.flatnonzero(others)[rng.random(int(others.sum())) < 0.1]] = True
    fit = ~(held_pairs | random_pairs)[pair_of]
    x = build_user_item_matrix(
        users[fit], items[fit], n_users, n_items, weights[fit], binary=combination == "binary"
    )
    base = fit_base(
        users[fit], items[fit], ts[fit], weights[fit], n_users, n_items,
        ease_matrix=x, l2=relative_l2 * mean_gram_diagonal(x), fields=fields, created=created,
    )  # fmt: skip
    counts = build_user_item_matrix(users[fit], items[fit], n_users, n_items, np.ones(int(fit.sum())))
    cands, feats = candidate_features(base, x[chosen], counts[chosen], (counts[chosen] > 0).toarray())
    events_of_pair = np.bincount(pair_of, minlength=len(pairs))
    truth = np.zeros((len(chosen), n_items), dtype=np.float32)
    held = np.flatnonzero(held_pairs)
    truth[np.searchsorted(chosen, pairs[held] // n_items), pairs[held] % n_items] = np.minimum(
        events_of_pair[held], MAX_GRADE
    )
    labels = np.where(cands >= 0, np.take_along_axis(truth, np.maximum(cands, 0), axis=1), 0.0)
    if int((labels.sum(axis=1) > 0).sum()) < MIN_USERS:
        return None
    missing = np.zeros((len(chosen), n_items), dtype=bool)
    kept = np.flatnonzero(random_pairs)
    missing[np.searchsorted(chosen, pairs[kept] // n_items), pairs[kept] % n_items] = True
    random = np.where(cands >= 0, np.take_along_axis(missing, np.maximum(cands, 0), axis=1), False)
    both = np.maximum(labels, random)  # it learns both questions: what next, and what else
    return train(feats, both.astype(np.float32), rng, labels.astype(np.float32), random.astype(np.float32))


@dataclass(frozen=True)
class Fitted:
    """A trained ranker: the LightGBM model (as text) and how it was chosen.

    Attributes:
        model: ``lightgbm.Booster.model_to_string()``.
        rounds: boosting rounds kept.
        validation_ndcg_at_10: NDCG@10 of its order of the candidates, on the shoppers kept aside.
        base_ndcg_at_10: the same for EASE's order: what it had to beat.
        random_ndcg_at_10, random_base_ndcg_at_10: the same two on the random lost products.
    """

    model: str
    rounds: int
    validation_ndcg_at_10: float
    base_ndcg_at_10: float
    random_ndcg_at_10: float
    random_base_ndcg_at_10: float

    @property
    def kept(self) -> bool:
        """Whether the ranker serves: it beats EASE's order on the newest products and costs the
        random ones at most ``MAX_RANDOM_LOSS`` of EASE's NDCG@10."""
        return (
            self.validation_ndcg_at_10 > self.base_ndcg_at_10
            and self.random_ndcg_at_10 >= (1 - MAX_RANDOM_LOSS) * self.random_base_ndcg_at_10
        )

    def booster(self):
        """The ``lightgbm.Booster``."""
        import lightgbm

        return lightgbm.Booster(model_str=self.model)


def train(
    x: np.ndarray, labels: np.ndarray, rng: np.random.Generator, newest: np.ndarray, random: np.ndarray
) -> Fitted:
    """Fit the ranker on candidates' features and labels.

    Args:
        x: ``(n_users, m, len(FEATURES))`` from ``features`` (NaN rows: padding).
        labels: ``(n_users, m)``, > 0 where the user turned to the candidate next (its grade).
        rng: draws the quarter of the shoppers kept aside to stop boosting.
        random: ``(n_users, m)``, 1 for the candidates of a random hold-out, to judge the cost.
    """
    import lightgbm

    has = labels.sum(axis=1) > 0
    x, labels, newest, random = x[has], labels[has], newest[has], random[has]
    aside = np.zeros(len(x), dtype=bool)
    aside[rng.permutation(len(x))[: max(1, len(x) // 4)]] = True

    def dataset(rows, reference=None):
        valid = ~np.isnan(x[rows][:, :, 0])
        return lightgbm.Dataset(
            x[rows][valid], labels[rows][valid], group=valid.sum(axis=1), reference=reference,
            feature_name=list(FEATURES), free_raw_data=False,
        )  # fmt: skip

    fit_set = dataset(~aside)
    booster = lightgbm.train(
        PARAMS,
        fit_set,
        num_boost_round=MAX_ROUNDS,
        valid_sets=[dataset(aside, reference=fit_set)],
        callbacks=[lightgbm.early_stopping(PATIENCE, verbose=False)],
    )
    ease = np.where(np.isnan(x[aside][:, :, 0]), -np.inf, x[aside][:, :, 0])
    ours = predict(booster, x[aside])
    return Fitted(
        booster.model_to_string(num_iteration=booster.best_iteration),
        int(booster.best_iteration),
        round(ndcg_at_10(ours, newest[aside]), 6),
        round(ndcg_at_10(ease, newest[aside]), 6),
        round(ndcg_at_10(ours, random[aside]), 6),
        round(ndcg_at_10(ease, random[aside]), 6),
    )


def predict(booster, x: np.ndarray) -> np.ndarray:
    """Scores ``(n_users, m)`` of candidates' features (padding: -inf)."""
    flat = x.reshape(-1, x.shape[-1])
    valid = ~np.isnan(flat[:, 0])
    out = np.full(len(flat), -np.inf)
    if valid.any():
        out[valid] = booster.predict(flat[valid], num_threads=1)
    return out.reshape(x.shape[:2])


def ndcg_at_10(scores: np.ndarray, labels: np.ndarray) -> float:
    """Mean NDCG@10 of ordering each row's candidates by ``scores`` (rows with a positive label;
    every positive label counts as one relevant item)."""
    labels = (labels > 0).astype(np.float64)
    k = min(10, scores.shape[1])
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = np.take_along_axis(labels, top, axis=1) @ discount
    n = np.minimum(labels.sum(axis=1), k).astype(int)
    ideal = np.concatenate([[1.0], np.cumsum(discount)])[n]
    rows = n > 0
    return float(np.mean(dcg[rows] / ideal[rows])) if rows.any() else 0.0

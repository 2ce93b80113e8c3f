"""Per-dataset tuning of the personalisation model: validation split → settings → final fit.

A shop's data decides three settings of Recommended for you (``Settings``):

- **λ**, EASE's regularisation, as a multiple of the mean diagonal of the Gram matrix ``XᵀX``
  (``relative_l2``). Scaling the events scales the Gram matrix, and λ with it, so a shop that
  sends a ``View`` and a ``Purchase`` for every item gets the model of one that sends Views
  only: EASE(cX, c²λ) = EASE(X, λ).
- **recency**: a history event ``half_life_days`` older than the user's newest counts half
  (None: every event counts fully). It weighs the history at request time, so it needs no refit.
- **how event types combine** in the user×item matrix and in a history: ``"weighted"`` sums
  the event weights (View 1, AddToCart 2, Purchase 4 by default) of every event of a pair;
  ``"binary"`` counts a pair once, whatever and however often the user did.

``tune_ease`` chooses them on a validation split of the training data only (for some users,
their newest items and a random sample of the others), by NDCG@10 of the held-out items new
to each validation user, in a small coordinate search (``tune_ease`` lists its steps). All λ
values and half-lives of ``"weighted"`` events share one Gram matrix and one eigendecomposition
``G = Q diag(w) Qᵀ``: ``(G + λI)⁻¹ = Q diag(1 / (w + λ)) Qᵀ``, so a λ costs one matrix
product instead of an inverse (the one ``"binary"`` candidate is a plain fit). On small data
the split validates more users (``min_users``): on MovieLens 100K, 471 users (half of them)
instead of the 94 test users of one Personalize-style split.
The caller then refits on all its data with ``Settings.l2`` of that data's Gram matrix.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from .interactions import SECONDS_PER_DAY, build_user_item_matrix, check_positive_int, sorted_unique
from .personalization import fit_ease
from .ranker import Fitted

COMBINATIONS = ("weighted", "binary")

#: λ / mean Gram diagonal tried first; chosen: ≈ 1 on the synthetic shop, 3–32 on MovieLens 100K.
RELATIVE_L2_GRID = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)

#: Half-lives tried (days); None weighs every history event fully.
HALF_LIFE_GRID = (None, 30.0, 7.0, 3.0, 1.0)

K = 10
"""Validation metric: NDCG@K of the held-out items new to each validation user."""

MAX_RECENCY_LOSS = 0.03
"""Most a half-life may cost the random hold-out, relative to no recency (see ``tune_ease``).

A judgment with thin margins. On MovieLens 100K's random split a 7-day half-life costs the
random hold-out 3.2% and the test 13%, so 3% is the most that keeps recency off there; on the
synthetic shop a 30-day half-life costs the random hold-out 3.6% and would raise its
modelMetrics NDCG@10 from 0.143 to 0.153, so the shop goes without it."""

MIN_VALIDATION_USERS = 50
"""Fewer validation users than this make the choice noise: ``tune_ease`` keeps the defaults."""


@dataclass(frozen=True)
class Settings:
    """The tunable settings of the personalisation model.

    The defaults are the fixed settings Recommended for you had before it tuned itself
    (λ = 500 on the synthetic shop, whose mean Gram diagonal is about 2,000); ``tune_ease``
    keeps them when the data has too few users to validate on.

    Attributes:
        relative_l2: EASE's λ divided by the mean diagonal of the Gram matrix.
        half_life_days: half-life of history events at request time; None for no recency.
        combination: ``"weighted"`` or ``"binary"`` (see the module doc).
    """

    relative_l2: float = 0.25
    half_life_days: float | None = 30.0
    combination: str = "weighted"

    def __post_init__(self) -> None:
        if not self.relative_l2 > 0:
            raise ValueError(f"relative_l2 must be > 0, got {self.relative_l2!r}")
        if self.half_life_days is not None and not self.half_life_days > 0:
            raise ValueError(f"half_life_days must be > 0 or None, got {self.half_life_days!r}")
        if self.combination not in COMBINATIONS:
            raise ValueError(f"combination must be one of {COMBINATIONS}, got {self.combination!r}")

    def l2(self, user_item) -> float:
        """EASE's λ for this user×item matrix: ``relative_l2`` × its mean Gram diagonal."""
        return self.relative_l2 * mean_gram_diagonal(user_item)


@dataclass(frozen=True)
class Trial:
    """One evaluated candidate.

    Attributes:
        settings: the candidate.
        ndcg_at_10: its score, the geometric mean of ``by_hold_out``.
        by_hold_out: NDCG@10 on each hold-out (``"newest"``, ``"random"``).
    """

    settings: Settings
    ndcg_at_10: float
    by_hold_out: dict[str, float]


@dataclass(frozen=True)
class Tuning:
    """What ``tune_ease`` chose and why.

    Attributes:
        settings: the chosen settings.
        validation_ndcg_at_10: their score on the validation split (None: no split was possible).
        trials: every candidate tried, in search order.
        n_validation_users: users whose held-out items were scored.
        l2: EASE's λ in the model fitted with these settings (``Settings.l2`` of its data; set
            by the caller that fits it, None until then).
        ranker: the ranker learned on top of EASE with these settings (``ranker.learn``), or None.
    """

    settings: Settings
    validation_ndcg_at_10: float | None
    trials: tuple[Trial, ...]
    n_validation_users: int
    l2: float | None = None
    ranker: Fitted | None = None

    def to_dict(self) -> dict:
        """A JSON-ready record (``from_dict`` restores it)."""
        return {
            "settings": asdict(self.settings),
            "validation_ndcg_at_10": self.validation_ndcg_at_10,
            "trials": [
                {**asdict(t.settings), "ndcg_at_10": t.ndcg_at_10, "by_hold_out": t.by_hold_out}
                for t in self.trials
            ],
            "n_validation_users": self.n_validation_users,
            "l2": self.l2,
            "ranker": asdict(self.ranker) if self.ranker is not None else None,
        }

    @classmethod
    def from_dict(cls, record: dict) -> Tuning:
        """Rebuild from ``to_dict()`` output."""
        trials = tuple(
            Trial(
                Settings(t["relative_l2"], t["half_life_days"], t["combination"]),
                t["ndcg_at_10"],
                t["by_hold_out"],
            )
            for t in record["trials"]
        )
        return cls(
            Settings(**record["settings"]),
            record["validation_ndcg_at_10"],
            trials,
            record["n_validation_users"],
            record["l2"],
            Fitted(**record["ranker"]) if record.get("ranker") else None,
        )


def mean_gram_diagonal(user_item) -> float:
    """Mean of ``diag(XᵀX)`` over the items with any interaction (1.0 for an empty matrix)."""
    x = sp.csr_matrix(user_item)
    diag = np.asarray(x.multiply(x).sum(axis=0)).ravel()
    diag = diag[diag > 0]
    return float(diag.mean()) if diag.size else 1.0


def user_item_matrix(user_idx, item_idx, weights, n_users: int, n_items: int, combination: str):
    """The training matrix of a combination: summed event weights, or 1 per (user, item) pair."""
    if combination not in COMBINATIONS:
        raise ValueError(f"combination must be one of {COMBINATIONS}, got {combination!r}")
    return build_user_item_matrix(
        user_idx, item_idx, n_users, n_items, weights, binary=combination == "binary"
    )


def event_strengths(weights, timestamps, settings: Settings, newest=None) -> np.ndarray:
    """Per-event strength in a history: event weight (1 if binary) × recency.

    Args:
        weights: event weight per event.
        timestamps: int seconds per event.
        settings: how events combine and age.
        newest: per event, the time its age counts from (the user's newest event); the newest
            of ``timestamps`` when None (one user's history).

    Returns:
        ``float64`` strengths, one per event.
    """
    ts = np.asarray(timestamps, dtype=np.float64)
    base = np.ones(len(ts)) if settings.combination == "binary" else np.asarray(weights, np.float64)
    if settings.half_life_days is None or not len(ts):
        return base
    newest = ts.max() if newest is None else np.asarray(newest, dtype=np.float64)
    return base * np.power(0.5, (newest - ts) / SECONDS_PER_DAY / settings.half_life_days)


def history_weights(items, weights, timestamps, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """One user's history as ``(unique items, weight per item)`` for ``personalization.score_items``.

    Args:
        items: item index per history event.
        weights: event weight per history event.
        timestamps: int seconds per history event.
        settings: how events combine and age.

    Returns:
        ``(items, weights)``: sorted int64 unique items and their float32 weights — the sum of
        the events' strengths (``"weighted"``) or the strongest one (``"binary"``).
    """
    items = np.asarray(items, dtype=np.int64)
    strength = event_strengths(weights, timestamps, settings)
    unique, inverse = np.unique(items, return_inverse=True)
    if settings.combination == "binary":
        out = np.zeros(len(unique))
        np.maximum.at(out, inverse, strength)
    else:
        out = np.bincount(inverse, weights=strength, minlength=len(unique))
    return unique, out.astype(np.float32)


def newest_events(user_idx, timestamps, fraction: float = 0.1, min_user_events: int = 3) -> np.ndarray:
    """Mask of every user's newest ``ceil(fraction × n)`` events (users with ``n >= min_user_events``).

    Ties in time go to the later position in the input, as in ``split.personalize_split``.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be in (0, 1), got {fraction!r}")
    users = np.asarray(user_idx, dtype=np.int64)
    order = np.lexsort((np.arange(len(users)), np.asarray(timestamps), users))
    sorted_users = users[order]
    starts = np.searchsorted(sorted_users, sorted_users, side="left")
    counts = np.bincount(users)[sorted_users] if len(users) else sorted_users
    from_end = counts - (np.arange(len(order)) - starts)  # 1 = the user's newest
    held = (counts >= min_user_events) & (from_end <= np.ceil(fraction * counts - 1e-9))
    mask = np.zeros(len(users), dtype=bool)
    mask[order[held]] = True
    return mask


class _Validation:
    """One validation split: the fit without its held-out events, and the scoring of settings.

    Each validation user loses two sets of events: their newest (the next-item question
    Personalize's metrics ask) and a random sample of the rest (the missing-item question of a
    random split). ``score`` answers both from one fit: one eigendecomposition serves every λ and
    half-life of ``"weighted"``; the one ``"binary"`` candidate is a plain EASE fit.
    """

    def __init__(self, users, items, ts, weights, n_users, n_items, held: dict[str, np.ndarray]):
        self.users, self.items, self.ts, self.weights = users, items, ts, weights
        self.n_users, self.n_items = n_users, n_items
        out = np.logical_or.reduce(list(held.values()))
        self.fit = ~out
        fit_pairs = sorted_unique(users[self.fit] * n_items + items[self.fit])
        new = {
            k: np.setdiff1d(sorted_unique(users[m] * n_items + items[m]), fit_pairs, assume_unique=True)
            for k, m in held.items()
        }
        scored = sorted_unique(np.concatenate(list(new.values())) // n_items)
        self.n_scored = len(scored)
        self.rows = np.full(n_users, -1)
        self.rows[scored] = np.arange(len(scored))
        self.hist = np.flatnonzero(self.fit & (self.rows[users] >= 0))
        self.seen = np.zeros((len(scored), n_items), dtype=bool)
        self.seen[self.rows[users[self.hist]], items[self.hist]] = True
        self.truths = {}
        for kind, pairs in new.items():
            truth = np.zeros_like(self.seen)
            truth[self.rows[pairs // n_items], pairs % n_items] = True
            self.truths[kind] = truth
        self._decomposed: tuple[np.ndarray, np.ndarray, np.ndarray, float] | None = None
        self._projected: dict[float | None, np.ndarray] = {}

    def _matrix(self, combination: str) -> sp.csr_matrix:
        fit = self.fit
        return user_item_matrix(
            self.users[fit], self.items[fit], self.weights[fit], self.n_users, self.n_items, combination
        )

    def _scores(self, settings: Settings) -> np.ndarray:
        """``H B`` without its diagonal term (history items are excluded anyway), per validation user."""
        if settings.combination == "binary":  # one candidate: a plain fit
            x = self._matrix("binary")
            return self._history(settings) @ fit_ease(x, l2=settings.l2(x)).weights
        if self._decomposed is None:
            x = self._matrix("weighted")
            gram = (x.T @ x).toarray().astype(np.float32)
            w, q = scipy.linalg.eigh(gram, driver="evd", overwrite_a=True, check_finite=False)
            self._decomposed = (np.maximum(w, 0.0), q, q * q, mean_gram_diagonal(x))
        w, q, q2, mean_diag = self._decomposed
        if settings.half_life_days not in self._projected:
            self._projected[settings.half_life_days] = self._history(settings) @ q
        inv = (1.0 / (w + settings.relative_l2 * mean_diag)).astype(np.float32)
        scores = -((self._projected[settings.half_life_days] * inv) @ q.T)  # -H (G + λI)⁻¹
        scores /= q2 @ inv  # ÷ diag((G + λI)⁻¹)
        return scores

    def _history(self, settings: Settings) -> np.ndarray:
        """Dense validation histories ``(n_scored, n_items)`` under ``settings`` (recency per user)."""
        h = self.hist
        rows, items, ts = self.rows[self.users[h]], self.items[h], self.ts[h]
        newest = np.full(self.n_scored, np.iinfo(np.int64).min)
        np.maximum.at(newest, rows, ts)
        strength = event_strengths(self.weights[h], ts, settings, newest=newest[rows])
        out = np.zeros((self.n_scored, self.n_items))
        (np.maximum if settings.combination == "binary" else np.add).at(out, (rows, items), strength)
        return out.astype(np.float32)

    def score(self, settings: Settings) -> dict[str, float]:
        """NDCG@10 of each hold-out (kind → mean over the users with new items in it)."""
        scores = self._scores(settings)
        scores[self.seen] = -np.inf
        top = np.argpartition(-scores, K, axis=1)[:, :K]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        discount = 1.0 / np.log2(np.arange(2, K + 2))
        ideal = np.concatenate([[1.0], np.cumsum(discount)])
        out = {}
        for kind, truth in self.truths.items():
            n_truth = truth.sum(axis=1)
            users = n_truth > 0
            dcg = np.take_along_axis(truth, top, axis=1)[users] @ discount
            out[kind] = float(np.mean(dcg / ideal[np.minimum(n_truth[users], K)]))
        return out


def _random_events(user_idx, candidates: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Mask of a random ``ceil(fraction × n)`` of each user's ``candidates`` events (``n`` = their count)."""
    users = np.asarray(user_idx)
    rows = np.flatnonzero(candidates)
    order = rows[np.lexsort((rng.random(len(rows)), users[rows]))]
    starts = np.searchsorted(users[order], users[order], side="left")
    counts = np.bincount(users[order], minlength=users.max() + 1 if len(users) else 0)[users[order]]
    keep = (np.arange(len(order)) - starts) < np.ceil(fraction * counts - 1e-9)
    mask = np.zeros(len(users), dtype=bool)
    mask[order[keep]] = True
    return mask


def tune_ease(
    user_idx,
    item_idx,
    timestamps,
    weights,
    n_users: int,
    n_items: int,
    *,
    rng: np.random.Generator,
    holdout_fraction: float = 0.1,
    user_fraction: float = 0.15,
    min_users: int = 500,
    max_users: int = 1_000,
    min_user_events: int = 3,
    half_lives: tuple = HALF_LIFE_GRID,
) -> Tuning:
    """Choose EASE's settings for these events on a validation split of them.

    The split takes ``user_fraction`` of the users with at least ``min_user_events`` distinct
    items (at least ``min_users`` on small data, at most half of them and ``max_users``; drawn
    with ``rng``) and holds out, with all their events, their newest ``holdout_fraction`` of items (by first
    event) and a random ``holdout_fraction`` of the others; the model fits on the rest. A
    candidate's score is the geometric mean of its NDCG@10 on the two hold-outs, so a setting
    must answer both what a shopper does next (the question Personalize's metrics ask) and what
    else they like (the question of a random split); on MovieLens 100K the first alone picks a
    one-day half-life that costs a random split a fifth of its NDCG@10. The search, in order:

    1. λ over ``RELATIVE_L2_GRID``, ``"weighted"``, no recency (the first of ``half_lives``
       if they leave no recency out);
    2. half-life over ``half_lives`` at that λ;
    3. λ at ÷√2 and ×√2 of the best, with the best half-life;
    4. ``"binary"`` with the best settings — skipped when every (user, item) pair has the same
       summed weight, where both combinations are one model.

    A candidate replaces the best only if it scores higher (ties keep the earlier, simpler one)
    and, if it weighs recent events more, keeps the random hold-out within
    ``MAX_RECENCY_LOSS`` of its best without recency: recency trades what else a user likes
    for what they do next, and the random hold-out understates the cost: on MovieLens 100K a
    7-day half-life costs it 3.2% and a random split's test NDCG@10 13%.

    Args:
        user_idx, item_idx, timestamps, weights: the training events (weights: per-event
            event-type weights).
        n_users, n_items: matrix sizes.
        rng: draws the validation users and the random hold-out.
        holdout_fraction: share of a validation user's items in each hold-out, in (0, 0.5).
        user_fraction: share of the eligible users validated, in (0, 1).
        min_users: validation users wanted on small data (at most half the eligible users), > 0.
        max_users: most validation users (the search's cost is linear in them), > 0.
        min_user_events: users with fewer events keep them all in the fit.

    Returns:
        The ``Tuning``; with fewer than ``MIN_VALIDATION_USERS`` users to validate on, the
        default ``Settings`` and no score.
    """
    n_users = check_positive_int(n_users, "n_users")
    n_items = check_positive_int(n_items, "n_items")
    min_users = check_positive_int(min_users, "min_users")
    max_users = check_positive_int(max_users, "max_users")
    if not 0 < holdout_fraction < 0.5:
        raise ValueError(f"holdout_fraction must be in (0, 0.5), got {holdout_fraction!r}")
    if not 0 < user_fraction < 1:
        raise ValueError(f"user_fraction must be in (0, 1), got {user_fraction!r}")
    if not half_lives:
        raise ValueError("half_lives must name at least one half-life (None for no recency)")
    users = np.asarray(user_idx, dtype=np.int64)
    items = np.asarray(item_idx, dtype=np.int64)
    ts = np.asarray(timestamps, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float32)
    # Hold out (user, item) pairs with all their events, so a pair's repeats never leak into the fit.
    pairs, pair_of = np.unique(users * n_items + items, return_inverse=True)
    pair_users, first_seen = pairs // n_items, np.full(len(pairs), np.iinfo(np.int64).max)
    np.minimum.at(first_seen, pair_of, ts)
    newest = newest_events(pair_users, first_seen, holdout_fraction, min_user_events)
    eligible = np.unique(pair_users[newest])
    n_validation = min(
        max(int(round(user_fraction * len(eligible))), min_users), len(eligible) // 2, max_users
    )
    chosen = np.isin(pair_users, rng.permutation(eligible)[:n_validation])
    others = _random_events(pair_users, ~newest & chosen, holdout_fraction, rng)
    validation = _Validation(
        users,
        items,
        ts,
        weights,
        n_users,
        n_items,
        {"newest": (newest & chosen)[pair_of], "random": others[pair_of]},
    )
    if validation.n_scored < MIN_VALIDATION_USERS:
        fallback = Settings()
        if fallback.half_life_days not in half_lives:
            fallback = replace(fallback, half_life_days=half_lives[0])
        return Tuning(fallback, None, (), validation.n_scored)
    trials: list[Trial] = []
    best: list[Trial] = []

    def attempt(settings: Settings) -> None:
        if any(t.settings == settings for t in trials):
            return
        by_kind = {kind: round(score, 6) for kind, score in validation.score(settings).items()}
        geometric = np.exp(np.mean(np.log(np.maximum(list(by_kind.values()), 1e-12))))
        trial = Trial(settings, round(float(geometric), 6), by_kind)
        trials.append(trial)
        risky = settings.half_life_days is not None and by_kind["random"] < floor[0]
        if not best or (trial.ndcg_at_10 > best[0].ndcg_at_10 and not risky):
            best[:] = [trial]

    floor = [0.0]
    first = None if None in half_lives else half_lives[0]
    for relative in RELATIVE_L2_GRID:
        attempt(Settings(relative, first, "weighted"))
    if first is None:  # recency is judged against no recency
        floor[0] = (1 - MAX_RECENCY_LOSS) * max(t.by_hold_out["random"] for t in trials)
    for half_life in half_lives:
        attempt(replace(best[0].settings, half_life_days=half_life))
    middle = best[0].settings
    for factor in (2**-0.5, 2**0.5):
        attempt(replace(middle, relative_l2=round(middle.relative_l2 * factor, 3)))
    weighted = user_item_matrix(users, items, weights, n_users, n_items, "weighted")
    if weighted.nnz and not math.isclose(weighted.data.min(), weighted.data.max()):
        attempt(replace(best[0].settings, combination="binary"))
    return Tuning(best[0].settings, best[0].ndcg_at_10, tuple(trials), validation.n_scored)

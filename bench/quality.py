"""Quality: Recommended for you on MovieLens 100K against its peers, under three protocols.

Every rating of ``ml-100k.inter`` (shipped in the ``recbole`` 1.2.1 wheel; see
``public_dataset.py``) counts as one ``View``. Three ways to split it into a training part and a
test part:

- ``random``: a random 25% of each user's ratings is the test (seed 0), the academic habit;
- ``temporal``: Personalize's split: 10% of users are test users and the newest 10% of each one's
  ratings are the test; only ~94 users are tested per split, so several seeds (0, 1, …) are
  pooled, user by user;
- ``global_time``: every rating after one moment is the test, the moment chosen so that the newest
  ~10% of all ratings fall after it; test users are those with ratings on both sides.

Every model fits on the training part alone (all users' training ratings); each test user is
shown 10 items outside their training ratings and graded on the test items new to them, by
NDCG@10 and recall@10 (``helpers.recsys.metrics``). The models, all on the same splits:

- popularity of the last 30 days before the training part ends;
- favourite-genre popular: each genre's most-rated films, in proportion to the user's share of
  ratings in the genre (the genres of ``ml-100k.item``, which the same wheel ships);
- item-kNN (``personalization.fit_item_knn``, 300 neighbours);
- EASE with its λ chosen on the test part itself, and ``implicit`` 0.7.3 ALS with the best of a
  small grid also chosen on the test part: upper bounds for a fixed model, not fair peers;
- Recommended for you as the product trains it: ``usecases.prepare`` and ``usecases.fit`` on the
  training part (its own tuning, on that part only), answered by ``usecases.rank`` from the
  user's history as the model holds it.

Each protocol's table ends with Recommended for you's NDCG@10 over the best other row's. Fixed
seeds, stable sorts and single-threaded BLAS make the numbers repeat from run to run. Writes
``bench/results/quality.json``; ``bench/record.py`` shows it in the record's Quality section.

Usage: ``.venv/bin/python bench/quality.py [--seeds 5] [--protocols random temporal global_time]``
(needs ``pip install --no-deps recbole==1.2.1`` and ``pip install implicit==0.7.3``, as
``make bench`` does; about two minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from _common import environment, write_json
from public_dataset import load, locate

from helpers.localaws.personalize.training import usecases
from helpers.recsys import baselines, interactions, metrics, personalization, popularity, split

K = 10
SEED = 0
LOOKBACK_DAYS = 30
TEST_SHARE = 0.1
"""The share of the newest ratings the global time split tests on."""
RANDOM_TEST_SHARE = 0.25
KNN_NEIGHBORS = 300
EASE_GRID = {"l2": (50, 100, 200, 400, 800, 1600)}
ALS_GRID = {"factors": (16, 32, 64), "regularization": (0.1, 1.0, 10.0), "iterations": (15,)}
PROTOCOLS = ("random", "temporal", "global_time")
TITLES = {
    "random": "Random 75/25 per user",
    "temporal": "Personalize's temporal split",
    "global_time": "Global time split",
}
MODELS = {
    "popularity_30d": "Popularity (last 30 days)",
    "genre_popular": "Favourite-genre popular",
    "item_knn": f"Item-kNN ({KNN_NEIGHBORS} neighbours)",
    "ease_tuned_on_answer": "EASE, λ tuned on the answer",
    "implicit_als_tuned_on_answer": "implicit ALS, tuned on the answer",
    "recommended_for_you": "Recommended for you",
}
RFY = "recommended_for_you"


# --- data and splits ------------------------------------------------------------------------
def load_genres(path: Path, item_ids: np.ndarray) -> sp.csr_matrix | None:
    """Items × genres (1 where a film has the genre) from ``ml-100k.item``; None if absent.

    Args:
        path: the ``.item`` atomic file (``item_id:token`` and ``class:token_seq`` columns).
        item_ids: the raw id of each item index.
    """
    if not path.exists():
        return None
    table = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    genres = dict(zip(table["item_id:token"].astype(int), table["class:token_seq"].str.split(), strict=True))
    names = sorted({g for gs in genres.values() for g in gs})
    column = {g: j for j, g in enumerate(names)}
    rows, cols = [], []
    for i, item in enumerate(item_ids.tolist()):
        for g in genres.get(item, ()):
            rows.append(i)
            cols.append(column[g])
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(item_ids), len(names)))


def random_split(users: np.ndarray, rng: np.random.Generator, share: float = RANDOM_TEST_SHARE) -> np.ndarray:
    """Test mask: a random ``share`` of each user's ratings (their last ones in a random order)."""
    order = np.lexsort((rng.random(len(users)), users))
    start = np.searchsorted(users[order], users[order], side="left")
    count = np.bincount(users)[users[order]]
    test = np.zeros(len(users), dtype=bool)
    test[order] = (np.arange(len(order)) - start + 1) / count > 1.0 - share
    return test


def global_time_split(ts: np.ndarray, share: float = TEST_SHARE) -> tuple[np.ndarray, int]:
    """Test mask of the ratings after the cutoff that leaves the newest ``share`` of them, and the cutoff."""
    cutoff = int(np.sort(ts)[int(np.floor(len(ts) * (1.0 - share))) - 1])
    return ts > cutoff, cutoff


@dataclass
class Case:
    """One split's test: the training matrix, the test users and what each is graded on.

    Attributes:
        train: per rating, whether it trains.
        x: users × items binary matrix of the training ratings.
        users: the test users (those with test items new to them), ascending.
        truths: per test user, the test items new to them.
    """

    train: np.ndarray
    x: sp.csr_matrix
    users: np.ndarray
    truths: list[np.ndarray]


def make_case(data: dict, test: np.ndarray) -> Case:
    """The ``Case`` of a test mask: test users have training ratings and test items new to them."""
    users, items = data["user_idx"], data["item_idx"]
    x = interactions.build_user_item_matrix(
        users[~test], items[~test], data["n_users"], data["n_items"], binary=True
    )
    held = interactions.build_user_item_matrix(
        users[test], items[test], data["n_users"], data["n_items"], binary=True
    )
    held = (held - held.multiply(x > 0)).tocsr()
    held.eliminate_zeros()
    has_train = np.diff(x.indptr) > 0
    chosen = np.flatnonzero((np.diff(held.indptr) > 0) & has_train)
    truths = [held.indices[held.indptr[u] : held.indptr[u + 1]] for u in chosen]
    return Case(~test, x, chosen, truths)


# --- models -----------------------------------------------------------------------------------
def per_user(case: Case, recs: np.ndarray) -> dict[str, np.ndarray]:
    """NDCG@10 and recall@10 of each test user for ``recs`` ``(n_test_users, >= 10)``."""
    pairs = list(zip(case.truths, recs, strict=True))
    return {
        "ndcg_at_10": np.array([metrics.ndcg_at_k(t, r, K) for t, r in pairs]),
        "recall_at_10": np.array([metrics.recall_at_k(t, r, K) for t, r in pairs]),
    }


def genre_popular_batch(item_scores: np.ndarray, genres: sp.csr_matrix, histories: sp.csr_matrix, k: int):
    """Each genre's most popular films, in proportion to the user's share of ratings in the genre.

    ``baselines.category_popular_batch`` for films of several genres: a film's score for a user
    is the sum over its genres of ``P(genre | user) × P(film | genre)``, a film's rating
    counting once, split evenly among its genres. Films without a genre score only their tiny
    share of overall popularity (which also orders what the user's genres leave at 0).
    """
    n_genres = np.asarray(genres.sum(axis=1)).ravel()
    split_evenly = sp.diags(np.divide(1.0, n_genres, out=np.zeros_like(n_genres), where=n_genres > 0))
    membership = (split_evenly @ genres).tocsr()  # items × genres, rows sum to 1 (or 0)
    mix = np.asarray((histories @ membership).todense())
    mix /= np.maximum(mix.sum(axis=1, keepdims=True), 1e-12)
    per_genre = membership.T @ item_scores
    within = membership.multiply(item_scores[:, None]).multiply(1.0 / np.maximum(per_genre, 1e-12)[None, :])
    scores = np.asarray((sp.csr_matrix(within) @ mix.T).T) + 1e-9 * item_scores / item_scores.sum()
    return baselines.rank_rows(scores, histories, k)


def implicit_als(x: sp.csr_matrix, users: np.ndarray, params: dict) -> np.ndarray:
    """Top-``K`` of ``implicit``'s ALS, fitted on ``x`` (single-threaded BLAS, as implicit asks)."""
    import implicit.als
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, "blas"):
        model = implicit.als.AlternatingLeastSquares(**params, random_state=SEED)
        model.fit(x, show_progress=False)
        ids, _ = model.recommend(users, x[users], N=K, filter_already_liked_items=True)
    return ids


def recommended_for_you(data: dict, case: Case) -> tuple[np.ndarray, dict]:
    """Recommended for you trained as the product trains it, and its top ``K`` for each test user.

    Returns:
        ``(recs, facts)``: item indices ``(n_test_users, K)`` (-1 pads) and what it chose.
    """
    train = case.train
    frame = pd.DataFrame(
        {
            "USER_ID": data["user_idx"][train].astype(str),
            "ITEM_ID": data["item_idx"][train].astype(str),
            "TIMESTAMP": data["timestamp"][train],
            "EVENT_TYPE": "View",
        }
    )
    start = time.perf_counter()
    model = usecases.fit(usecases.prepare(frame), usecases.FOR_YOU)
    seconds = time.perf_counter() - start
    known = model.item_ids.astype(np.int64)  # the model's index → ours
    recs = np.full((len(case.users), K), -1, dtype=np.int64)
    for row, user in enumerate(case.users.tolist()):
        items, weights, ts, _ = model.user_history(str(user))
        chosen, _ = usecases.rank(model, K, history=(items, weights, ts), exclude=np.unique(items))
        recs[row, : len(chosen)] = known[chosen]
    tuned = model.tuning
    facts = {
        "train_seconds": round(seconds, 1),
        "l2": tuned.l2,
        "half_life_days": tuned.settings.half_life_days,
        "combination": tuned.settings.combination,
        "ranker_kept": bool(tuned.ranker is not None and tuned.ranker.kept),
    }
    return recs, facts


def grid(values: dict) -> list[dict]:
    """Every combination of a grid ``{name: values}``, as keyword dicts."""
    return [dict(zip(values, combo, strict=True)) for combo in itertools.product(*values.values())]


def evaluate(data: dict, genres: sp.csr_matrix | None, case: Case) -> dict[str, list[tuple[dict, dict]]]:
    """Every model on one split: ``model → [(settings, per-user metrics), …]`` (one per grid point)."""
    train, x, users = case.train, case.x, case.users
    items, ts, n = data["item_idx"][train], data["timestamp"][train], data["n_items"]
    seen = x[users]
    out: dict[str, list[tuple[dict, dict]]] = {}

    def add(name: str, settings: dict, recs: Callable[[], np.ndarray]) -> None:
        out.setdefault(name, []).append((settings, per_user(case, recs())))

    recent = popularity.count_events(items, n, timestamps=ts, window_days=LOOKBACK_DAYS)
    add("popularity_30d", {"window_days": LOOKBACK_DAYS}, lambda: baselines.popular_batch(recent, seen, K))
    if genres is not None:
        counts = popularity.count_events(items, n).astype(np.float64)
        add("genre_popular", {}, lambda: genre_popular_batch(counts, genres, seen, K))
    knn = personalization.fit_item_knn(x, neighbors=KNN_NEIGHBORS)
    add("item_knn", {"neighbors": KNN_NEIGHBORS}, lambda: personalization.recommend_batch(knn, seen, K))
    for params in grid(EASE_GRID):
        ease = personalization.fit_ease(x, **params)
        add("ease_tuned_on_answer", params, lambda ease=ease: personalization.recommend_batch(ease, seen, K))
    for params in grid(ALS_GRID):
        add("implicit_als_tuned_on_answer", params, lambda params=params: implicit_als(x, users, params))
    recs, facts = recommended_for_you(data, case)
    add(RFY, facts, lambda: recs)
    return out


# --- protocols --------------------------------------------------------------------------------
def day(t: int) -> str:
    """A Unix time as a UTC date and minute."""
    return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%d %H:%M UTC")


def cases(data: dict, protocol: str, seeds: int) -> tuple[list[Case], dict]:
    """The splits of a protocol and the facts that describe them."""
    users, ts = data["user_idx"], data["timestamp"]
    if protocol == "random":
        test = random_split(users, np.random.default_rng(SEED))
        facts = {"seeds": [SEED], "protocol": "a random 25% of each user's ratings is the test"}
        return [make_case(data, test)], facts
    if protocol == "temporal":
        splits = [split.personalize_split(users, ts, np.random.default_rng(s)).holdout for s in range(seeds)]
        facts = {
            "seeds": list(range(seeds)),
            "protocol": (
                "Personalize's split: 10% of users are test users, the newest 10% (rounded up) of each "
                "one's ratings the test; the other ratings of every user train; splits pooled user by user"
            ),
        }
        return [make_case(data, test) for test in splits], facts
    test, cutoff = global_time_split(ts)
    facts = {
        "seeds": [],
        "cutoff": day(cutoff),
        "test_share": round(float(test.mean()), 4),
        "protocol": (
            f"every rating after {day(cutoff)} is the test ({test.mean():.1%} of them); test users are "
            "those with ratings on both sides"
        ),
    }
    return [make_case(data, test)], facts


def summarise(runs: list[dict[str, list[tuple[dict, dict]]]]) -> list[dict]:
    """Pool the splits user by user; for a grid, keep its best point on the pooled NDCG@10.

    Returns:
        One row per model, in ``MODELS`` order: ``ndcg_at_10``, ``recall_at_10``, ``chosen``
        (the settings; per split for Recommended for you) and, for grids, every point's scores.
    """
    rows = []
    for name, label in MODELS.items():
        if name not in runs[0]:
            continue
        points = []
        for p in range(len(runs[0][name])):
            pooled = {
                key: float(np.mean(np.concatenate([run[name][p][1][key] for run in runs])))
                for key in ("ndcg_at_10", "recall_at_10")
            }
            points.append({**runs[0][name][p][0], **{k: round(v, 4) for k, v in pooled.items()}})
        best = max(range(len(points)), key=lambda p: points[p]["ndcg_at_10"])
        row = {
            "key": name,
            "model": label,
            "ndcg_at_10": points[best]["ndcg_at_10"],
            "recall_at_10": points[best]["recall_at_10"],
        }
        if name == RFY:
            row["chosen"] = [run[name][0][0] for run in runs]
        else:
            row["chosen"] = runs[0][name][best][0]
        if len(points) > 1:
            row["grid"] = points
        rows.append(row)
    return rows


def run_protocol(data: dict, genres: sp.csr_matrix | None, protocol: str, seeds: int) -> dict:
    """One protocol: its splits, every model on each, pooled, and Recommended for you's ratio."""
    start = time.perf_counter()
    splits, facts = cases(data, protocol, seeds)
    rows = summarise([evaluate(data, genres, case) for case in splits])
    rfy = next(r for r in rows if r["key"] == RFY)
    best = max((r for r in rows if r["key"] != RFY), key=lambda r: r["ndcg_at_10"])
    return {
        "name": protocol,
        "title": TITLES[protocol],
        **facts,
        "n_test_users": int(sum(len(c.users) for c in splits)),
        "n_test_items": int(sum(sum(len(t) for t in c.truths) for c in splits)),
        "rows": rows,
        "best_other": best["model"],
        "ratio_to_best_other": round(rfy["ndcg_at_10"] / best["ndcg_at_10"], 3),
        "seconds": round(time.perf_counter() - start, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="temporal splits pooled (seeds 0..N-1)")
    parser.add_argument("--protocols", nargs="+", choices=PROTOCOLS, default=list(PROTOCOLS))
    args = parser.parse_args()
    os.environ.setdefault("TQDM_DISABLE", "1")
    path = locate()
    data = load(path)
    genres = load_genres(path.with_suffix(".item"), data["item_ids"])
    protocols = []
    for protocol in args.protocols:
        result = run_protocol(data, genres, protocol, args.seeds)
        protocols.append(result)
        print(f"{result['title']}: {result['n_test_users']} test users ({result['seconds']} s)")
        for row in result["rows"]:
            scores = f"NDCG@10 {row['ndcg_at_10']:.4f}  recall@10 {row['recall_at_10']:.4f}"
            print(f"  {row['model']:36s} {scores}")
        print(f"  Recommended for you / {result['best_other']}: {result['ratio_to_best_other']}×", flush=True)
    payload = {
        "dataset": "MovieLens 100K (ml-100k.inter shipped in the recbole 1.2.1 wheel), every rating a View",
        "n_events": int(len(data["user_idx"])),
        "n_users": int(data["n_users"]),
        "n_items": int(data["n_items"]),
        "genres": (
            f"{genres.shape[1]} genres of ml-100k.item (the same wheel)"
            if genres is not None
            else "ml-100k.item not found: no favourite-genre row"
        ),
        "grading": (
            "10 items per test user outside their training ratings; truth = their test items new to "
            "them; NDCG@10 (binary relevance) and recall@10 averaged over test users"
        ),
        "grids": {"ease_tuned_on_answer": EASE_GRID, "implicit_als_tuned_on_answer": ALS_GRID},
        "protocols": protocols,
        "environment": {**environment(), "implicit": __import__("implicit").__version__},
    }
    print("→", write_json("quality.json", payload))


if __name__ == "__main__":
    main()

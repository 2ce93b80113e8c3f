"""Shared pieces of the recsys benchmarks: persona-like synthetic data and the evaluation protocol."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from helpers.recsys import interactions, metrics, personalization, popularity, split  # noqa: E402

RESULTS = Path(os.environ.get("BENCH_RESULTS") or Path(__file__).resolve().parent / "results").resolve()
"""Where the scripts write their JSON (``BENCH_RESULTS`` for a quick run kept apart from the record)."""
EVENT_TYPES = np.array(["View", "AddToCart", "Purchase"])
DAY = interactions.SECONDS_PER_DAY


def synthetic_interactions(
    rng: np.random.Generator,
    n_users: int = 6_000,
    n_items: int = 2_465,
    n_events: int = 675_000,
    n_categories: int = 20,
    preferred: int = 3,
    p_preferred: float = 0.8,
    days: int = 90,
    start: int = 1_700_000_000,
) -> dict[str, np.ndarray]:
    """Persona-like events: each user favours ``preferred`` of ``n_categories``; popularity is long-tailed.

    Returns:
        Dict of parallel arrays ``user_idx``, ``item_idx``, ``timestamp``, ``event_type``
        plus ``item_category`` (per item) and ``user_categories`` (per user × preferred).
    """
    item_category = rng.integers(0, n_categories, n_items)
    # Zipf-like popularity over a random order of items.
    rank = rng.permutation(n_items)
    item_pop = 1.0 / (rank + 10.0) ** 1.0
    user_categories = np.argsort(rng.random((n_users, n_categories)), axis=1)[:, :preferred]
    activity = rng.lognormal(0.0, 0.8, n_users)
    user_idx = rng.choice(n_users, size=n_events, p=activity / activity.sum())
    from_pref = rng.random(n_events) < p_preferred
    category = np.where(
        from_pref,
        user_categories[user_idx, rng.integers(0, preferred, n_events)],
        -1,
    )
    item_idx = np.empty(n_events, dtype=np.int64)
    for c in range(-1, n_categories):
        sel = np.flatnonzero(category == c)
        pool = np.arange(n_items) if c < 0 else np.flatnonzero(item_category == c)
        p = item_pop[pool] / item_pop[pool].sum()
        item_idx[sel] = rng.choice(pool, size=len(sel), p=p)
    timestamp = start + rng.integers(0, days * DAY, n_events)
    event_type = EVENT_TYPES[rng.choice(3, size=n_events, p=[0.85, 0.10, 0.05])]
    return {
        "user_idx": user_idx.astype(np.int64),
        "item_idx": item_idx,
        "timestamp": timestamp.astype(np.int64),
        "event_type": event_type,
        "item_category": item_category,
        "user_categories": user_categories,
    }


def evaluate_protocol(
    user_idx: np.ndarray,
    item_idx: np.ndarray,
    timestamp: np.ndarray,
    n_users: int,
    n_items: int,
    seed: int,
    models: dict[str, dict],
    weights: np.ndarray | None = None,
) -> dict:
    """Personalize split → fit each model on train users → rank for test users → metrics.

    Recommendations exclude each test user's input history; the truth is the
    held-out items not already in that history (what is new to the user).

    Args:
        models: name → ``{"method": "popularity"|"ease"|"item_knn", **fit kwargs}``.

    Returns:
        Dict with the split sizes and, per model, Personalize's metrics plus
        ``recall_at_10``/``recall_at_25`` and the fit time in seconds.
    """
    rng = np.random.default_rng(seed)
    s = split.personalize_split(user_idx, timestamp, rng)
    w = np.ones(len(user_idx), dtype=np.float32) if weights is None else weights
    train = interactions.build_user_item_matrix(
        user_idx[s.train], item_idx[s.train], n_users, n_items, w[s.train]
    )
    hist = interactions.build_user_item_matrix(
        user_idx[s.history], item_idx[s.history], n_users, n_items, w[s.history]
    )[s.test_users]
    hold = interactions.build_user_item_matrix(
        user_idx[s.holdout], item_idx[s.holdout], n_users, n_items, binary=True
    )[s.test_users]
    hold = hold - hold.multiply(hist > 0)
    hold.eliminate_zeros()
    truths = [hold.indices[hold.indptr[r] : hold.indptr[r + 1]] for r in range(hold.shape[0])]
    keep = np.array([len(t) > 0 for t in truths])
    out = {
        "n_events": int(len(user_idx)),
        "n_users": int(n_users),
        "n_items": int(n_items),
        "n_train_events": int(s.train.sum()),
        "n_test_users": int(len(s.test_users)),
        "n_test_users_with_new_items": int(keep.sum()),
        "n_holdout_events": int(s.holdout.sum()),
        "models": {},
    }
    truths = [t for t, kept in zip(truths, keep, strict=True) if kept]
    hist = hist[np.flatnonzero(keep)]
    for name, spec in models.items():
        spec = dict(spec)
        method = spec.pop("method")
        t0 = time.perf_counter()
        if method == "popularity":
            pop = popularity.fit_popularity(
                np.asarray(sp.find(train > 0)[1]), n_items
            )  # users per item in train
            fit_s = time.perf_counter() - t0
            recs = []
            for r in range(hist.shape[0]):
                seen = hist.indices[hist.indptr[r] : hist.indptr[r + 1]]
                recs.append(popularity.recommend_popular(pop, 25, exclude=seen)[0])
            recs = np.vstack(recs)
        else:
            model = personalization.fit_personalization(train, method=method, **spec)
            fit_s = time.perf_counter() - t0
            recs = personalization.recommend_batch(model, hist, 25, exclude_history=True)
        result = metrics.evaluate(truths, recs, n_items)
        for k in (10, 25):
            result[f"recall_at_{k}"] = metrics.mean_at_k(metrics.recall_at_k, truths, recs, k)
        result = {key: round(float(v), 4) for key, v in result.items()}
        result["fit_seconds"] = round(fit_s, 2)
        out["models"][name] = result
    return out


def environment() -> dict:
    """Machine facts worth keeping beside timings."""
    import os

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": __import__("scipy").__version__,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }


def write_json(name: str, payload: dict) -> Path:
    """Write ``payload`` to ``bench/results/<name>`` (sorted keys, indented)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    return path

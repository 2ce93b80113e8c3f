"""Fit time and peak memory of each recsys model at 1×, 4×, 10× and 16× the tutorial's scale.

1× is the default data set (6,000 users, 2,465 items, 675,000 events); 10× is
60,000 users, 24,650 items, 6.75 M events. Each (scale, model) runs in a fresh
subprocess so its peak resident memory (``ru_maxrss``) is its own; the
``tracemalloc`` peak (numpy buffers, counted from the start of the fit) is
recorded beside it. Writes ``bench/results/scale.json``.

Usage: ``.venv/bin/python bench/scale.py [--scales 1 4 16] [--ease-10x]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

SCALES = {s: (6_000 * s, 2_465 * s, 675_000 * s) for s in (1, 4, 10, 16)}
"""Times the default shop: users, items and events all grow by the factor."""
MODELS = ("popularity", "co_view_session", "co_purchase", "item_knn", "ease")


def run_case(scale: int, model: str, seed: int) -> dict:
    """Generate data, fit one model, return timings and memory (runs in the child)."""
    import resource
    import tracemalloc

    import numpy as np
    from _common import synthetic_interactions

    from helpers.recsys import interactions, personalization, popularity, similarity

    n_users, n_items, n_events = SCALES[scale]
    t0 = time.perf_counter()
    data = synthetic_interactions(np.random.default_rng(seed), n_users, n_items, n_events)
    codes = np.searchsorted(np.array(["AddToCart", "Purchase", "View"]), data["event_type"])
    weights = interactions.event_weights(data["event_type"])
    gen_s = time.perf_counter() - t0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    t0 = time.perf_counter()
    if model == "popularity":
        fitted = popularity.fit_popularity(
            data["item_idx"],
            n_items,
            timestamps=data["timestamp"],
            window_days=30,
            event_codes=codes,
            event_code=1,
        )
    elif model == "co_view_session":
        fitted = similarity.fit_co_view(
            data["user_idx"],
            data["item_idx"],
            n_items,
            timestamps=data["timestamp"],
            session_gap_seconds=1800,
        )
    elif model == "co_purchase":
        fitted = similarity.fit_co_purchase(
            data["user_idx"], data["item_idx"], n_items, event_codes=codes, event_code=1
        )
    else:
        matrix = interactions.build_user_item_matrix(
            data["user_idx"], data["item_idx"], n_users, n_items, weights
        )
        fitted = personalization.fit_personalization(matrix, method=model)
    fit_s = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    model_bytes = sum(np.asarray(a).nbytes for a in fitted.to_arrays().values())
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "scale": scale,
        "model": model,
        "n_users": n_users,
        "n_items": n_items,
        "n_events": n_events,
        "generate_seconds": round(gen_s, 1),
        "fit_seconds": round(fit_s, 2),
        "tracemalloc_peak_mb": round(peak / 2**20, 1),
        "max_rss_mb": round(rss_after / 1024, 1),
        "max_rss_before_fit_mb": round(rss_before / 1024, 1),
        "model_arrays_mb": round(model_bytes / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10], choices=sorted(SCALES))
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument(
        "--ease-10x", action="store_true", help="also fit EASE at 10× and more (minutes, GBs)"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--child", nargs=2, metavar=("SCALE", "MODEL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_case(int(args.child[0]), args.child[1], args.seed)))
        return
    from _common import environment, write_json

    rows = []
    for scale in args.scales:
        for model in args.models:
            if model == "ease" and scale >= 10 and not args.ease_10x:
                continue
            proc = subprocess.run(
                [sys.executable, __file__, "--child", str(scale), model, "--seed", str(args.seed)],
                capture_output=True,
                text=True,
                check=True,
            )
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(
                f"{scale:>2}× {model:16s} fit={row['fit_seconds']:>8.2f}s "
                f"tracemalloc_peak={row['tracemalloc_peak_mb']:>8.1f}MB "
                f"max_rss={row['max_rss_mb']:>8.1f}MB model={row['model_arrays_mb']:>7.1f}MB",
                flush=True,
            )
    write_json("scale.json", {"rows": rows, "seed": args.seed, "environment": environment()})


if __name__ == "__main__":
    main()

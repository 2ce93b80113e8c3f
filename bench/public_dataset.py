"""Public-data check: MovieLens 100K under Personalize's evaluation split.

The data comes from inside an installed wheel, with no download at run time:
``recbole`` (MIT) ships MovieLens 100K as ``recbole/dataset_example/ml-100k/ml-100k.inter``.
Install it without its heavy dependencies (we only read the file, never import
recbole): ``.venv/bin/pip install --no-deps recbole==1.2.1``. MovieLens data is
GroupLens's, for research use under their terms; it is never committed here.

Every rating counts as one implicit interaction (as Personalize would import
it); the split is Personalize's (10% of users are test users, the newest 10% of
their interactions are held out), repeated over several seeds because only
~94 users are tested per split. Writes ``bench/results/public_dataset.json``.

Usage: ``.venv/bin/python bench/public_dataset.py [--seeds 10]``
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import numpy as np
from _common import environment, evaluate_protocol, write_json

RELATIVE = Path("dataset_example") / "ml-100k" / "ml-100k.inter"


def locate() -> Path:
    """Path of ml-100k.inter inside the installed recbole package (without importing it)."""
    spec = importlib.util.find_spec("recbole")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("recbole is not installed: .venv/bin/pip install --no-deps recbole==1.2.1")
    path = Path(next(iter(spec.submodule_search_locations))) / RELATIVE
    if not path.exists():
        raise SystemExit(f"{path} not found in the installed recbole")
    return path


def load(path: Path, min_rating: float = 0.0) -> dict[str, np.ndarray]:
    """Read the RecBole atomic file into dense integer indices (``item_ids``: each index's raw id)."""
    raw = np.loadtxt(path, delimiter="\t", skiprows=1, dtype=np.int64)
    raw = raw[raw[:, 2] >= min_rating]
    users, user_idx = np.unique(raw[:, 0], return_inverse=True)
    items, item_idx = np.unique(raw[:, 1], return_inverse=True)
    return {
        "user_idx": user_idx.astype(np.int64),
        "item_idx": item_idx.astype(np.int64),
        "timestamp": raw[:, 3],
        "n_users": len(users),
        "n_items": len(items),
        "item_ids": items,
    }


#: Published full-ranking numbers for the closest public setting we found. Different data
#: (ML-1M, ratings >= 3, 10-core) and protocol (random 80/10/10 per user, all users tested),
#: so compare orderings and ratios, not absolute values.
PUBLISHED = {
    "source": "RecBole repo RUCAIBox/RecBole, benchmark/hyper/general/{Pop,ItemKNN,EASE}-ml-1m_general.md",
    "setting": "MovieLens-1M, ratings >= 3, 10-core, random 8:1:1 split per user, full ranking, test set",
    "models": {
        "Pop": {"ndcg_at_10": 0.1006, "recall_at_10": 0.0699, "precision_at_10": 0.0866},
        "ItemKNN (k=250, shrink=1.2)": {
            "ndcg_at_10": 0.2389,
            "recall_at_10": 0.1723,
            "precision_at_10": 0.1752,
        },
        "EASE (reg_weight=1000)": {"ndcg_at_10": 0.2865, "recall_at_10": 0.2139, "precision_at_10": 0.2082},
    },
}

MODELS = {
    "popularity": {"method": "popularity"},
    "ease_l2_100": {"method": "ease", "l2": 100.0},
    "ease_l2_500": {"method": "ease", "l2": 500.0},
    "item_knn_100": {"method": "item_knn", "neighbors": 100},
    "item_knn_300": {"method": "item_knn", "neighbors": 300},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="number of random splits (seeds 0..N-1)")
    parser.add_argument("--min-rating", type=float, default=0.0, help="keep ratings >= this (0 keeps all)")
    args = parser.parse_args()
    data = load(locate(), args.min_rating)
    runs = [
        evaluate_protocol(
            data["user_idx"],
            data["item_idx"],
            data["timestamp"],
            data["n_users"],
            data["n_items"],
            seed,
            MODELS,
        )
        for seed in range(args.seeds)
    ]
    summary = {}
    for name in MODELS:
        keys = [k for k in runs[0]["models"][name] if k != "fit_seconds"]
        summary[name] = {
            key: {
                "mean": round(float(np.mean([r["models"][name][key] for r in runs])), 4),
                "std": round(float(np.std([r["models"][name][key] for r in runs])), 4),
            }
            for key in keys
        }
        summary[name]["fit_seconds_mean"] = round(
            float(np.mean([r["models"][name]["fit_seconds"] for r in runs])), 3
        )
    payload = {
        "dataset": "MovieLens 100K (ml-100k.inter shipped in the recbole 1.2.1 wheel)",
        "n_events": runs[0]["n_events"],
        "n_users": runs[0]["n_users"],
        "n_items": runs[0]["n_items"],
        "min_rating": args.min_rating,
        "protocol": (
            "Personalize split: 10% of users (seeded) are test users; newest 10% (ceil) of each test user's "
            "interactions held out, older 90% are the input history. Models fit on the other 90% of users. "
            "Recommendations exclude the input history; truth = held-out items not in the history."
        ),
        "seeds": list(range(args.seeds)),
        "n_test_users_per_split": runs[0]["n_test_users"],
        "summary": summary,
        "published_reference": PUBLISHED,
        "environment": environment(),
    }
    path = write_json("public_dataset.json", payload)
    for name, m in summary.items():
        print(
            f"{name:14s} ndcg@10={m['normalized_discounted_cumulative_gain_at_10']['mean']:.4f}"
            f"±{m['normalized_discounted_cumulative_gain_at_10']['std']:.4f} "
            f"recall@10={m['recall_at_10']['mean']:.4f}±{m['recall_at_10']['std']:.4f} "
            f"precision@10={m['precision_at_10']['mean']:.4f} coverage={m['coverage']['mean']:.3f}"
        )
    print("→", path)


if __name__ == "__main__":
    main()

"""Public data through the public API: MovieLens 100K → S3 → Personalize (local) → Recommended for you.

Every step of the recommender's path is a plain boto3 call on the local backend, as a notebook
(or an AWS user) would make them: upload the training interactions to S3, create an ECOMMERCE
dataset group, schema, dataset and import job, create an ``aws-ecomm-recommended-for-you``
recommender (which tunes its settings on the imported data), then ask ``get_recommendations``
(500 items) for every test user, drop the user's training items client-side (as a filter
would) and score the top 10 against the user's held-out items.

Two protocols, each with two event mappings (4 recommenders):

- ``random``: a random 75/25 split of each user's ratings (a common academic protocol);
- ``temporal``: Personalize's: 10% of users, the newest 10% of each held out.
- ``view``: every rating one ``View`` event; ``view+purchase``: every rating a ``View`` and a
  ``Purchase`` (a shop that records both; Recommended for you leaves purchased items out).

Peers on the same splits, fitted in process on the training part (binary, all ratings):
popularity; EASE with λ tuned on the test split itself (an upper bound for a fixed EASE); and
the ``implicit`` library's ALS and BPR (a benchmark-time install, like recbole), each with the
best of a small grid, also chosen on the test split. Writes
``bench/results/public_dataset_boto3.json``.

Usage: ``.venv/bin/python bench/public_dataset_boto3.py`` (needs recbole and implicit; ``make
bench`` installs both).
"""

from __future__ import annotations

import itertools
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from _common import environment, write_json
from public_dataset import load, locate

from helpers import aws
from helpers.datagen import schemas
from helpers.recsys import interactions, personalization, split

RECIPE = "arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you"
BUCKET = "movielens"
K = 10
SEED = 7
EASE_L2 = (50, 100, 200, 400, 800, 1600)
ALS_GRID = {"factors": (64, 128), "regularization": (0.01, 0.1, 1.0), "iterations": (15,)}
BPR_GRID = {"factors": (64, 128), "learning_rate": (0.01, 0.05), "iterations": (100,)}
MAPPINGS = {"view": ("View",), "view+purchase": ("View", "Purchase")}


def import_interactions(name: str, csv: bytes) -> str:
    """Upload a CSV and import it into a new ECOMMERCE dataset group; return the group's ARN."""
    s3, personalize = aws.client("s3"), aws.client("personalize")
    s3.put_object(Bucket=BUCKET, Key=f"{name}.csv", Body=csv)
    group = personalize.create_dataset_group(name=name, domain="ECOMMERCE")["datasetGroupArn"]
    aws.wait_until_active(personalize.describe_dataset_group, datasetGroupArn=group)
    schema = personalize.create_schema(
        name=f"{name}-interactions", schema=schemas.as_json("INTERACTIONS"), domain="ECOMMERCE"
    )["schemaArn"]
    dataset = personalize.create_dataset(
        name=f"{name}-interactions", datasetGroupArn=group, datasetType="Interactions", schemaArn=schema
    )["datasetArn"]
    aws.wait_until_active(personalize.describe_dataset, datasetArn=dataset)
    job = personalize.create_dataset_import_job(
        jobName=f"{name}-import",
        datasetArn=dataset,
        dataSource={"dataLocation": f"s3://{BUCKET}/{name}.csv"},
        roleArn="arn:aws:iam::123456789012:role/bench",
    )["datasetImportJobArn"]
    aws.wait_until_active(personalize.describe_dataset_import_job, datasetImportJobArn=job)
    return group


def random_split(users: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Test mask: a random 25% of each user's ratings (rounded down, as a per-user rank)."""
    order = np.lexsort((rng.random(len(users)), users))
    starts = np.searchsorted(users[order], users[order], side="left")
    counts = np.bincount(users)[users[order]]
    test = np.zeros(len(users), dtype=bool)
    test[order] = (np.arange(len(order)) - starts + 1) / counts > 0.75
    return test


def temporal_split(users: np.ndarray, ts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Test mask: Personalize's split, the newest 10% of 10% of users."""
    return split.personalize_split(users, ts, rng).holdout


def ndcg_recall(recs: dict[int, list[int]], truth: dict[int, set[int]]) -> dict[str, float]:
    """Mean NDCG@10 and recall@10 over the test users (binary relevance)."""
    disc = 1 / np.log2(np.arange(2, K + 2))
    nd, rc = [], []
    for u, rel in truth.items():
        hits = np.array([i in rel for i in recs.get(u, [])[:K]] + [False] * K, dtype=float)[:K]
        nd.append((hits * disc).sum() / disc[: min(len(rel), K)].sum())
        rc.append(hits.sum() / len(rel))
    return {"ndcg_at_10": round(float(np.mean(nd)), 4), "recall_at_10": round(float(np.mean(rc)), 4)}


def peers(x: sp.csr_matrix, truth: dict[int, set[int]]) -> dict[str, dict]:
    """Popularity, EASE and implicit's ALS/BPR on the binary training matrix, each at its best on the test."""
    import implicit.als
    import implicit.bpr

    users = np.array(sorted(truth))
    seen = {u: set(x.indices[x.indptr[u] : x.indptr[u + 1]].tolist()) for u in users}
    out: dict[str, dict] = {}
    pop = np.asarray(x.sum(axis=0)).ravel()
    ranked = np.lexsort((np.arange(len(pop)), -pop)).tolist()
    out["popularity"] = ndcg_recall({u: [i for i in ranked if i not in seen[u]][:K] for u in users}, truth)

    def best_of(name: str, grid: dict, score) -> None:
        trials = []
        for values in itertools.product(*grid.values()):
            params = dict(zip(grid, values, strict=True))
            t = time.perf_counter()
            result = score(params)
            trials.append({**params, **result, "seconds": round(time.perf_counter() - t, 2)})
        best = max(trials, key=lambda r: r["ndcg_at_10"])
        out[name] = {**best, "grid": trials}

    def ease(params):
        model = personalization.fit_ease(x, l2=params["l2"])
        recs = personalization.recommend_batch(model, x[users], K, exclude_history=True)
        return ndcg_recall(dict(zip(users.tolist(), recs.tolist(), strict=True)), truth)

    def factor_model(cls):
        def score(params):
            model = cls(**params, random_state=SEED)
            model.fit(x, show_progress=False)
            ids, _ = model.recommend(users, x[users], N=K, filter_already_liked_items=True)
            return ndcg_recall(dict(zip(users.tolist(), ids.tolist(), strict=True)), truth)

        return score

    best_of("ease_tuned_on_test", {"l2": EASE_L2}, ease)
    best_of("implicit_als", ALS_GRID, factor_model(implicit.als.AlternatingLeastSquares))
    best_of("implicit_bpr", BPR_GRID, factor_model(implicit.bpr.BayesianPersonalizedRanking))
    return out


def recommender(name: str, users, items, ts, test, mapping: str, truth) -> dict:
    """Import the training events with ``mapping``, train RFY through boto3, score its answers."""
    train = np.flatnonzero(~test)
    rows = list(zip(users[train], items[train], ts[train], strict=True))
    lines = ["USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE"]
    for event in MAPPINGS[mapping]:
        lines += [f"u{u},i{i},{t},{event}" for u, i, t in rows]
    group = import_interactions(name, "\n".join(lines).encode())
    personalize, runtime = aws.client("personalize"), aws.client("personalize-runtime")
    t = time.perf_counter()
    arn = personalize.create_recommender(name=name, datasetGroupArn=group, recipeArn=RECIPE)["recommenderArn"]
    aws.wait_until_active(personalize.describe_recommender, recommenderArn=arn, poll=0.05)
    train_s = time.perf_counter() - t
    seen: dict[int, set[int]] = {}
    for u, i in zip(users[train].tolist(), items[train].tolist(), strict=True):
        seen.setdefault(u, set()).add(i)
    recs = {}
    for u in truth:
        answer = runtime.get_recommendations(recommenderArn=arn, userId=f"u{u}", numResults=500)["itemList"]
        recs[u] = [i for i in (int(x["itemId"][1:]) for x in answer) if i not in seen.get(u, ())][:K]
    tuned = aws.local_model_tuning(arn)
    return {
        **ndcg_recall(recs, truth),
        "train_seconds": round(train_s, 1),
        "chosen": {**tuned["settings"], "l2": tuned["l2"]},
        "validation_ndcg_at_10": tuned["validation_ndcg_at_10"],
        "n_validation_users": tuned["n_validation_users"],
    }


def main() -> None:
    data = load(locate())
    users, items, ts = data["user_idx"], data["item_idx"], data["timestamp"]
    rng = np.random.default_rng(SEED)
    tests = {"random": random_split(users, rng), "temporal": temporal_split(users, ts, rng)}
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-movielens-") as tmp:
        os.environ.update(TQDM_DISABLE="1")
        aws.activate("local", Path(tmp) / "state")
        aws.client("s3").create_bucket(Bucket=BUCKET)
        for protocol, test in tests.items():
            x = interactions.build_user_item_matrix(
                users[~test], items[~test], data["n_users"], data["n_items"], binary=True
            )
            truth = {}
            for u, i in zip(users[test].tolist(), items[test].tolist(), strict=True):
                if not x[u, i]:
                    truth.setdefault(u, set()).add(i)
            row = {"n_test_users": len(truth), "peers": peers(x, truth), "recommender": {}}
            for mapping in MAPPINGS:
                name = f"ml100k-{protocol}-{mapping.replace('+', '-')}"
                row["recommender"][mapping] = recommender(name, users, items, ts, test, mapping, truth)
                print(protocol, mapping, row["recommender"][mapping], flush=True)
            best = row["peers"]
            ease = best["ease_tuned_on_test"]["ndcg_at_10"]
            factor = max(best["implicit_als"]["ndcg_at_10"], best["implicit_bpr"]["ndcg_at_10"])
            row["goals"] = {
                mapping: {
                    "over_ease_tuned_on_test": round(r["ndcg_at_10"] / ease, 3),
                    "over_best_als_bpr": round(r["ndcg_at_10"] / factor, 3),
                }
                for mapping, r in row["recommender"].items()
            }
            results[protocol] = row
    payload = {
        "dataset": "MovieLens 100K (ml-100k.inter shipped in the recbole 1.2.1 wheel)",
        "n_events": int(len(users)),
        "n_users": int(data["n_users"]),
        "n_items": int(data["n_items"]),
        "recipe": RECIPE,
        "protocol": (
            f"Seed {SEED}. random: 25% of each user's ratings held out at random; temporal: Personalize's "
            "split (10% of users, their newest 10% held out). The training part imported through boto3 "
            "into the local backend (view: each rating a View; view+purchase: a View and a Purchase); "
            "one RFY recommender per protocol and mapping; get_recommendations(numResults=500) per test "
            "user, training items dropped client-side, top 10 scored against held-out items new to the "
            "user. Peers fitted in process on the binary training matrix, each at its best on the test "
            "split over its grid (an upper bound)."
        ),
        "grids": {"ease_l2": EASE_L2, "implicit_als": ALS_GRID, "implicit_bpr": BPR_GRID},
        "results": results,
        "environment": {**environment(), "implicit": __import__("implicit").__version__},
    }
    print("→", write_json("public_dataset_boto3.json", payload))


if __name__ == "__main__":
    main()

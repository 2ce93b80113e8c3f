"""Public data through the public API: MovieLens 100K → S3 → Personalize (local) → Recommended for you.

The same data and split as ``public_dataset.py``, but every step is a plain boto3 call on the
local backend, as a notebook (or an AWS user) would make them: upload the interactions CSV to
S3, create an ECOMMERCE dataset group, schema, dataset and import job, create an
``aws-ecomm-recommended-for-you`` recommender, read its ``modelMetrics``, then ask
``get_recommendations`` for every test user and score the answers on the hold-out.

Per seed, Personalize's split is drawn first and the held-out events are never imported: the
recommender trains on the training users and on the test users' older 90% (their history, as
an application would have sent it). Every rating is one ``View`` event. Recommended for you
does not leave out viewed items (only purchased ones), so the client drops the user's history
from a longer answer and keeps 25, as a filter would; the truth is the held-out items new to the
user (the protocol of ``bench/README.md``). Writes ``bench/results/public_dataset_boto3.json``.

Usage: ``.venv/bin/python bench/public_dataset_boto3.py [--seeds 10]`` (needs recbole, see
``public_dataset.py``).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import environment, write_json
from public_dataset import PUBLISHED, load, locate

from helpers import aws
from helpers.datagen import schemas
from helpers.recsys import metrics, split

RECIPE = "arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you"
BUCKET = "movielens"
K = 25


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


def run_seed(data: dict, seed: int) -> dict:
    """One split: import the non-held-out events, train RFY, score GetRecommendations on the hold-out."""
    users, items, ts = data["user_idx"], data["item_idx"], data["timestamp"]
    s = split.personalize_split(users, ts, np.random.default_rng(seed))
    keep = np.flatnonzero(~s.holdout)
    lines = ["USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE"]
    lines += [f"u{u},i{i},{t},View" for u, i, t in zip(users[keep], items[keep], ts[keep], strict=True)]
    name = f"ml100k-seed{seed}"
    group = import_interactions(name, "\n".join(lines).encode())
    personalize, runtime = aws.client("personalize"), aws.client("personalize-runtime")
    t = time.perf_counter()
    arn = personalize.create_recommender(name=name, datasetGroupArn=group, recipeArn=RECIPE)["recommenderArn"]
    described = aws.wait_until_active(personalize.describe_recommender, recommenderArn=arn, poll=0.05)
    train_s = time.perf_counter() - t
    truths, recs, calls = [], [], []
    for u, rows, truth in split.test_cases(s, users, items):
        seen = set(items[rows].tolist())
        if not len(truth):
            continue
        t = time.perf_counter()
        n = min(500, K + len(seen))
        answer = runtime.get_recommendations(recommenderArn=arn, userId=f"u{u}", numResults=n)
        calls.append(time.perf_counter() - t)
        ranked = [int(i["itemId"][1:]) for i in answer["itemList"]]
        recs.append(np.array([i for i in ranked if i not in seen][:K]))
        truths.append(truth)
    result = metrics.evaluate(truths, recs, data["n_items"])
    for k in (10, 25):
        result[f"recall_at_{k}"] = metrics.mean_at_k(metrics.recall_at_k, truths, recs, k)
    return {
        "get_recommendations": {key: round(float(v), 4) for key, v in result.items()},
        "model_metrics": described["modelMetrics"],
        "n_test_users_scored": len(truths),
        "train_seconds": round(train_s, 2),
        "call_ms_p50": round(float(np.percentile(calls, 50)) * 1000, 2),
    }


def _mean_std(values: list[float]) -> dict[str, float]:
    return {"mean": round(float(np.mean(values)), 4), "std": round(float(np.std(values)), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="number of random splits (seeds 0..N-1)")
    args = parser.parse_args()
    data = load(locate())
    with tempfile.TemporaryDirectory(prefix="bench-movielens-") as tmp:
        os.environ.update(TQDM_DISABLE="1")
        aws.activate("local", Path(tmp) / "state")
        aws.client("s3").create_bucket(Bucket=BUCKET)
        runs = [run_seed(data, seed) for seed in range(args.seeds)]
    summary = {
        part: {key: _mean_std([r[part][key] for r in runs]) for key in runs[0][part]}
        for part in ("get_recommendations", "model_metrics")
    }
    payload = {
        "dataset": "MovieLens 100K (ml-100k.inter shipped in the recbole 1.2.1 wheel)",
        "n_events": int(len(data["user_idx"])),
        "n_users": int(data["n_users"]),
        "n_items": int(data["n_items"]),
        "recipe": RECIPE,
        "protocol": (
            "Per seed: Personalize split (10% of users, newest 10% of their events held out); everything "
            "but the hold-out imported through boto3 into the local backend as View events; RFY "
            "recommender; get_recommendations per test user, the user's history dropped client-side, top 25 "
            "scored against held-out items new to the user. model_metrics: the recommender's own "
            "DescribeRecommender metrics (its internal split of the imported data, seed 42)."
        ),
        "seeds": list(range(args.seeds)),
        "summary": summary,
        "train_seconds_mean": round(float(np.mean([r["train_seconds"] for r in runs])), 2),
        "call_ms_p50_mean": round(float(np.mean([r["call_ms_p50"] for r in runs])), 2),
        "runs": runs,
        "published_reference": PUBLISHED,
        "environment": environment(),
    }
    path = write_json("public_dataset_boto3.json", payload)
    got = summary["get_recommendations"]
    print(
        f"boto3 RFY ndcg@10={got['normalized_discounted_cumulative_gain_at_10']['mean']:.4f}"
        f"±{got['normalized_discounted_cumulative_gain_at_10']['std']:.4f} "
        f"recall@10={got['recall_at_10']['mean']:.4f}±{got['recall_at_10']['std']:.4f} "
        f"precision@10={got['precision_at_10']['mean']:.4f} coverage={got['coverage']['mean']:.3f}"
    )
    print("→", path)


if __name__ == "__main__":
    main()

"""The local backend on the notebooks' path: import, train the five recommenders, serve.

Everything goes through plain boto3 clients after ``aws.activate()`` on a fresh state folder,
as the notebooks do: generate the synthetic shop, upload three CSVs, import them, create the
five ECOMMERCE recommenders and time ``get_recommendations``. Writes
``bench/results/backend.json`` (or ``backend_<scale>x.json``).

Usage: ``.venv/bin/python bench/backend.py [--scale 1] [--calls 2000]``
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import environment, write_json

from helpers import aws, config, datagen
from helpers.datagen import schemas

DATASETS = ("INTERACTIONS", "ITEMS", "USERS")


def make_csvs(
    folder: Path, scale: int, seed: int, size: tuple[int, int, int] | None = None
) -> dict[str, Path]:
    """Write the synthetic shop's three CSVs at ``scale`` times the default size, or at ``size``
    (users, items, interactions)."""
    n_users, n_items, n_interactions = size or (
        config.N_USERS * scale,
        config.N_ITEMS * scale,
        config.N_INTERACTIONS * scale,
    )
    users = datagen.make_users(np.random.default_rng([seed, 1]), n_users)
    items = datagen.make_items(
        np.random.default_rng([seed, 2]), n_items, now=config.NOW, n_days=config.N_DAYS
    )
    events = datagen.make_interactions(
        np.random.default_rng([seed, 3]),
        users,
        items,
        now=config.NOW,
        n_interactions=n_interactions,
        n_days=config.N_DAYS,
    )
    paths = {}
    for name, frame in zip(DATASETS, (events, items, users), strict=True):
        paths[name] = folder / f"{name.lower()}.csv"
        schemas.personalize_view(frame, name).to_csv(paths[name], index=False)
    return paths


def import_all(paths: dict[str, Path]) -> str:
    """Upload and import the CSVs into a new ECOMMERCE dataset group; return its ARN."""
    s3, personalize = aws.client("s3"), aws.client("personalize")
    bucket = aws.default_bucket()
    s3.create_bucket(Bucket=bucket)
    group = personalize.create_dataset_group(name="bench", domain="ECOMMERCE")["datasetGroupArn"]
    aws.wait_until_active(personalize.describe_dataset_group, datasetGroupArn=group)
    jobs = []
    for name, path in paths.items():
        s3.upload_file(str(path), bucket, path.name)
        schema = personalize.create_schema(
            name=f"bench-{name}", schema=schemas.as_json(name), domain="ECOMMERCE"
        )
        dataset = personalize.create_dataset(
            name=f"bench-{name}", datasetGroupArn=group, datasetType=name, schemaArn=schema["schemaArn"]
        )["datasetArn"]
        aws.wait_until_active(personalize.describe_dataset, datasetArn=dataset)
        jobs.append(
            personalize.create_dataset_import_job(
                jobName=f"bench-{name}",
                datasetArn=dataset,
                dataSource={"dataLocation": f"s3://{bucket}/{path.name}"},
                roleArn="arn:aws:iam::123456789012:role/bench",
            )["datasetImportJobArn"]
        )
    for job in jobs:
        aws.wait_until_active(personalize.describe_dataset_import_job, datasetImportJobArn=job)
    return group


def train_all(group: str, only: list[str] | None = None) -> dict[str, dict]:
    """Create the five recommenders (or ``only`` those) at once; return each one's seconds to ACTIVE
    and NDCG@10."""
    personalize = aws.client("personalize")
    start = time.perf_counter()
    arns = {
        short: personalize.create_recommender(
            name=f"bench-{short}", datasetGroupArn=group, recipeArn=f"arn:aws:personalize:::recipe/{recipe}"
        )["recommenderArn"]
        for short, recipe in config.USE_CASES.items()
        if only is None or short in only
    }
    out = {}
    for short, arn in arns.items():
        described = aws.wait_until_active(personalize.describe_recommender, recommenderArn=arn, poll=0.05)
        metrics = described.get("modelMetrics", {})
        out[short] = {
            "arn": arn,
            "seconds_to_active": round(time.perf_counter() - start, 2),
            "ndcg_at_10": round(metrics.get("normalized_discounted_cumulative_gain_at_10", float("nan")), 4),
        }
    return out


def serve(recommenders: dict[str, dict], user_ids: list[str], item_ids: list[str], calls: int) -> dict:
    """Time ``get_recommendations`` per use case; return p50/p99 in milliseconds."""
    runtime = aws.client("personalize-runtime")
    rng = np.random.default_rng(0)
    out = {}
    for short, rec in recommenders.items():
        by_item = short in ("customers-who-viewed-x", "frequently-bought-together")
        pool = item_ids if by_item else user_ids
        key = "itemId" if by_item else "userId"
        picks = rng.choice(pool, size=calls)
        runtime.get_recommendations(recommenderArn=rec["arn"], numResults=25, **{key: str(picks[0])})  # load
        times = []
        for pick in picks:
            t = time.perf_counter()
            runtime.get_recommendations(recommenderArn=rec["arn"], numResults=25, **{key: str(pick)})
            times.append(time.perf_counter() - t)
        ms = np.array(times) * 1000
        out[short] = {
            "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="times the default shop (6,000 users)")
    parser.add_argument("--calls", type=int, default=2_000, help="get_recommendations calls per use case")
    parser.add_argument("--seed", type=int, default=config.SEED)
    parser.add_argument(
        "--size", type=int, nargs=3, metavar=("USERS", "ITEMS", "INTERACTIONS"), help="instead of --scale"
    )
    parser.add_argument("--only", nargs="+", choices=list(config.USE_CASES), help="train only these")
    parser.add_argument("--output", help="file name under bench/results/ (default backend[_<scale>x].json)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-backend-") as tmp:
        folder = Path(tmp)
        os.environ.update(TQDM_DISABLE="1")
        aws.activate("local", folder / "state")
        t = time.perf_counter()
        paths = make_csvs(folder, args.scale, args.seed, args.size)
        generate_s = time.perf_counter() - t
        t = time.perf_counter()
        group = import_all(paths)
        import_s = time.perf_counter() - t
        rss_before_training = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.perf_counter()
        recommenders = train_all(group, args.only)
        train_s = time.perf_counter() - t
        rss_after_training = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        user_ids = pd.read_csv(paths["USERS"], usecols=["USER_ID"]).USER_ID.astype(str).tolist()
        item_ids = pd.read_csv(paths["ITEMS"], usecols=["ITEM_ID"]).ITEM_ID.astype(str).tolist()
        latency = serve(recommenders, user_ids, item_ids, args.calls)
    payload = {
        "environment": environment(),
        "scale": args.scale,
        "users": args.size[0] if args.size else config.N_USERS * args.scale,
        "items": args.size[1] if args.size else config.N_ITEMS * args.scale,
        "interactions": args.size[2] if args.size else config.N_INTERACTIONS * args.scale,
        "generate_seconds": round(generate_s, 2),
        "upload_and_import_seconds": round(import_s, 2),
        "train_five_seconds": round(train_s, 2),
        "recommenders": {k: {m: v for m, v in r.items() if m != "arn"} for k, r in recommenders.items()},
        "get_recommendations": latency,
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "max_rss_before_training_mb": round(rss_before_training / 1024),
        "max_rss_after_training_mb": round(rss_after_training / 1024),
    }
    name = args.output or ("backend.json" if args.scale == 1 else f"backend_{args.scale}x.json")
    print(write_json(name, payload).read_text())


if __name__ == "__main__":
    main()

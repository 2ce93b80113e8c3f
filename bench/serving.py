"""The serving path through boto3 on the local backend, beside the same call answered by Stubber.

botocore's ``Stubber`` answers a call from a queue inside the client, after botocore has built
and validated the request: no in-process answer can be faster, so it is the floor. The script
builds the default shop on a fresh state (``backend.py``'s import and training), adds a
personalized-ranking campaign and an event tracker, then times GetRecommendations (Recommended
for you), GetPersonalizedRanking and PutEvents both ways, in the same process and run, and
profiles the local calls with cProfile (the top entries by cumulative time). Writes
``bench/results/serving.json``.

Usage: ``.venv/bin/python bench/serving.py [--calls 3000] [--state DIR]`` (``--state`` keeps the
trained shop in DIR and reuses it on the next run).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from _common import environment, write_json
from backend import import_all, make_csvs, train_all
from botocore.stub import Stubber

from helpers import aws, config

RANKING_RECIPE = "arn:aws:personalize:::recipe/aws-personalized-ranking"
RANKED_ITEMS = 25
PROFILE_TOP = 15


def build(folder: Path, seed: int) -> dict:
    """The shop on the local backend: recommenders, a ranking campaign, an event tracker; their ARNs."""
    personalize = aws.client("personalize")
    paths = make_csvs(folder, 1, seed)
    group = import_all(paths)
    recommenders = train_all(group)
    solution = personalize.create_solution(
        name="bench-ranking", datasetGroupArn=group, recipeArn=RANKING_RECIPE
    )["solutionArn"]
    aws.wait_until_active(personalize.describe_solution, solutionArn=solution)
    version = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    aws.wait_until_active(personalize.describe_solution_version, solutionVersionArn=version, poll=0.05)
    campaign = personalize.create_campaign(name="bench-ranking", solutionVersionArn=version)["campaignArn"]
    aws.wait_until_active(personalize.describe_campaign, campaignArn=campaign, poll=0.05)
    tracker = personalize.create_event_tracker(name="bench-tracker", datasetGroupArn=group)
    aws.wait_until_active(personalize.describe_event_tracker, eventTrackerArn=tracker["eventTrackerArn"])
    return {
        "recommender": recommenders["recommended-for-you"]["arn"],
        "campaign": campaign,
        "tracking_id": tracker["trackingId"],
        "users": pd.read_csv(paths["USERS"], usecols=["USER_ID"]).USER_ID.astype(str).tolist(),
        "items": pd.read_csv(paths["ITEMS"], usecols=["ITEM_ID"]).ITEM_ID.astype(str).tolist(),
    }


def requests(shop: dict, calls: int, seed: int) -> dict[str, tuple[str, str, list[dict]]]:
    """Per operation: ``(client name, method, [request])`` with users and items drawn at random."""
    rng = np.random.default_rng(seed)
    users = rng.choice(shop["users"], size=calls).tolist()
    lists = [rng.choice(shop["items"], size=RANKED_ITEMS, replace=False).tolist() for _ in range(calls)]
    viewed = rng.choice(shop["items"], size=calls).tolist()
    sent = config.NOW.timestamp()
    return {
        "GetRecommendations": (
            "personalize-runtime",
            "get_recommendations",
            [{"recommenderArn": shop["recommender"], "userId": u, "numResults": 25} for u in users],
        ),
        "GetPersonalizedRanking": (
            "personalize-runtime",
            "get_personalized_ranking",
            [
                {"campaignArn": shop["campaign"], "userId": u, "inputList": ids}
                for u, ids in zip(users, lists, strict=True)
            ],
        ),
        "PutEvents": (
            "personalize-events",
            "put_events",
            [
                {
                    "trackingId": shop["tracking_id"],
                    "userId": u,
                    "sessionId": f"bench-{n}",
                    "eventList": [{"eventType": "View", "itemId": i, "sentAt": sent + n}],
                }
                for n, (u, i) in enumerate(zip(users, viewed, strict=True))
            ],
        ),
    }


def timed(call: Callable[..., dict], calls: list[dict]) -> tuple[np.ndarray, dict]:
    """Milliseconds of each call, after two warm-up calls (model load, first-use imports), and
    the last answer."""
    for request in calls[:2]:
        call(**request)
    out = np.empty(len(calls))
    answer: dict = {}
    for n, request in enumerate(calls):
        start = time.perf_counter()
        answer = call(**request)
        out[n] = time.perf_counter() - start
    return out * 1000, answer


def stubbed(service: str, method: str, calls: list[dict], answer: dict) -> np.ndarray:
    """Milliseconds of each call answered by Stubber with a local backend's answer (the floor)."""
    client = aws.client(service)
    client.meta.events.unregister("before-call", unique_id="localaws-answer")
    client.meta.events.unregister("before-parameter-build", unique_id="localaws-params")
    stub = Stubber(client)
    answer = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
    for _ in range(len(calls) + 2):
        stub.add_response(method, answer)
    with stub:
        return timed(getattr(client, method), calls)[0]


def summary(ms: np.ndarray) -> dict:
    """p50, p99 and mean in milliseconds."""
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 4),
        "p99_ms": round(float(np.percentile(ms, 99)), 4),
        "mean_ms": round(float(ms.mean()), 4),
    }


def profile(call: Callable[..., dict], calls: list[dict]) -> list[dict]:
    """The top entries of a cProfile of the calls, by cumulative time: function, calls, ms per call."""
    profiler = cProfile.Profile()
    profiler.enable()
    for request in calls:
        call(**request)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = []
    for (file, line, name), (_, ncalls, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{Path(file).parent.name}/{Path(file).name}:{line}({name})" if line else name
        rows.append({"function": where, "calls": ncalls, "ms_per_call": cumulative * 1000 / len(calls)})
    rows.sort(key=lambda row: -row["ms_per_call"])
    return [{**row, "ms_per_call": round(row["ms_per_call"], 4)} for row in rows[:PROFILE_TOP]]


def measure(shop: dict, calls: int, seed: int) -> dict:
    """Local and stubbed timings of each operation, their ratio, and the local calls' profile."""
    out = {}
    for operation, (service, method, batch) in requests(shop, calls, seed).items():
        call = getattr(aws.client(service), method)
        local, answer = timed(call, batch)
        floor = stubbed(service, method, batch, answer)
        local_s, floor_s = summary(local), summary(floor)
        out[operation] = {
            "local": local_s,
            "stubber": floor_s,
            "p50_ratio": round(local_s["p50_ms"] / floor_s["p50_ms"], 2),
            "profile": profile(call, batch[:1000]),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3_000, help="calls per operation and way")
    parser.add_argument("--seed", type=int, default=config.SEED)
    parser.add_argument("--state", type=Path, help="keep the trained shop here and reuse it")
    args = parser.parse_args()
    os.environ.update(TQDM_DISABLE="1")
    with tempfile.TemporaryDirectory(prefix="bench-serving-") as tmp:
        folder = args.state or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        aws.activate("local", folder / "state")
        saved = folder / "shop.json"
        if saved.exists():
            shop = pd.read_json(saved, typ="series").to_dict()
        else:
            shop = build(folder, args.seed)
            pd.Series(shop).to_json(saved)
        results = measure(shop, args.calls, args.seed)
    payload = {"environment": environment(), "calls": args.calls, "operations": results}
    print(write_json("serving.json", payload).read_text())


if __name__ == "__main__":
    main()

"""The storefront under load: pages per second and latency with 64 concurrent shoppers.

Builds the shop as the series does (notebooks 01-07 at full scale, through papermill, on a fresh
state folder; or reuses one with ``--state``), starts ``python -m helpers.storefront`` on a free
127.0.0.1 port with its production settings, and lets 64 clients fetch pages for ``--seconds``,
in two mixes: ``home_and_busiest_shopper`` (what the acceptance check asks: half the anonymous
home page, half the busiest shopper's, so mostly cached shelves) and ``browsing_shoppers`` (64
shoppers, each viewing a product, then the home page, in turn: every view sends a PutEvents and
writes the shop's log, and every home page asks Recommended for you again and explains it).
Each client is a thread with its own keep-alive connection, as a browser has; the clients run in
``--processes`` processes so that the load generator's own GIL does not stand in for the
server's latency. Writes ``bench/results/storefront.json``.

Usage: ``.venv/bin/python bench/storefront.py [--state DIR] [--seconds 10] [--clients 64]``
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import environment, write_json

from helpers.storefront import server

GOALS = {"pages_per_second": 300, "p99_ms": 50, "errors": 0}


def build_state(folder: Path) -> Path:
    """Run notebooks 01-07 at full scale into ``folder`` (07 creates the event tracker); the state."""
    from helpers import series

    os.environ.update(RECSYS_STATE_DIR=str(folder / "state"), RECSYS_DATA_DIR=str(folder / "data"))
    os.environ.update(RECSYS_BACKEND="local", TQDM_DISABLE="1")
    for notebook in series.notebooks():
        if "01" <= notebook.name[:2] <= "07":
            series.execute(notebook, folder / notebook.name)
    return folder / "state"


def fetch(conn: http.client.HTTPConnection, path: str) -> tuple[int, int]:
    """GET ``path`` on a keep-alive connection; return ``(status, body bytes)``."""
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, len(response.read())


def _clients(args: tuple) -> tuple[list[float], int]:
    """One load process: a client thread per list of paths, each cycling through its list."""
    import threading

    port, cycles, start_at, seconds = args
    latencies: list[float] = []
    errors = [0]

    def client(paths: list[str]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        time.sleep(max(0.0, start_at - time.time()))
        k = 0
        while time.time() < start_at + seconds:
            start = time.perf_counter()
            try:
                status, _ = fetch(conn, paths[k % len(paths)])
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            latencies.append(time.perf_counter() - start)
            errors[0] += status != 200
            k += 1

    workers = [threading.Thread(target=client, args=(paths,)) for paths in cycles]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return latencies, errors[0]


def load(pool, port: int, cycles: list[list[str]], processes: int, seconds: float) -> dict:
    """One client per list of ``cycles``, over the ``processes`` of ``pool``, for ``seconds``."""
    pool.map(time.sleep, [0.5] * processes)  # one task each: every process is up and imported
    start_at = time.time() + 1.0  # every client starts at once
    jobs = [(port, cycles[p::processes], start_at, seconds) for p in range(processes)]
    results = pool.map(_clients, jobs)
    ms = np.array([t for lat, _ in results for t in lat]) * 1000
    return {
        "clients": len(cycles),
        "seconds": seconds,
        "requests": int(len(ms)),
        "pages_per_second": round(len(ms) / seconds, 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p99_ms": round(float(np.percentile(ms, 99)), 1),
        "errors": int(sum(e for _, e in results)),
    }


def meets(measured: dict) -> bool:
    """Whether a measurement meets ``GOALS``."""
    return (
        measured["pages_per_second"] >= GOALS["pages_per_second"]
        and measured["p99_ms"] <= GOALS["p99_ms"]
        and measured["errors"] == GOALS["errors"]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", type=Path, help="a state folder after notebook 07 (else 01-07 are run)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--processes", type=int, default=4, help="load-generator processes")
    parser.add_argument("--workers", type=int, default=2, help="storefront worker processes")
    args = parser.parse_args()
    load_at_start = os.getloadavg()[0]  # the machine is shared: other work colours the latencies
    with tempfile.TemporaryDirectory(prefix="bench-storefront-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        state = args.state or build_state(folder)
        build_s = time.perf_counter() - t
        os.environ.update(RECSYS_STATE_DIR=str(state), RECSYS_BACKEND="local")
        from helpers import aws

        aws.activate()
        body = aws.client("s3").get_object(Bucket=aws.default_bucket(), Key="interactions.csv")["Body"]
        events = pd.read_csv(body, usecols=["USER_ID", "ITEM_ID"], dtype=str)
        counts = events["USER_ID"].value_counts()
        rng = np.random.default_rng(0)
        shoppers = rng.choice(counts.index.to_numpy(), args.clients, replace=False)
        products = rng.choice(events["ITEM_ID"].unique(), (args.clients, 100))
        busiest = counts.index[0]
        mixes = {
            # what the acceptance check asks: the anonymous page and the busiest shopper's, half each
            "home_and_busiest_shopper": [
                ["/"] if k % 2 else [f"/?user={busiest}"] for k in range(args.clients)
            ],
            # each client a shopper who views a product, then the home page, which is then never in a
            # cache: the view (a PutEvents and a row in the shop's log) changed the shopper's shelf
            "browsing_shoppers": [
                [page for item in products[k] for page in (f"/products/{item}?user={u}", f"/?user={u}")]
                for k, u in enumerate(shoppers)
            ],
        }
        env = {
            "RECSYS_STATE_DIR": str(state),
            "RECSYS_DATA_DIR": str(folder / "data"),
            "WEB_CONCURRENCY": str(args.workers),
        }
        measured = {}
        with server.running(env) as base, multiprocessing.get_context("spawn").Pool(args.processes) as pool:
            port = int(base.rsplit(":", 1)[1])
            load(pool, port, mixes["home_and_busiest_shopper"], args.processes, 2.0)  # warm-up
            for name, cycles in mixes.items():
                measured[name] = load(pool, port, cycles, args.processes, args.seconds)
                measured[name]["meets_goals"] = meets(measured[name])
    payload = {
        "environment": environment(),
        "machine_load_average_at_start": round(load_at_start, 2),
        "build_state_seconds": None if args.state else round(build_s, 1),
        "server": {"workers": args.workers, "command": "python -m helpers.storefront"},
        "load_processes": args.processes,
        "measured": measured,
        "goals": GOALS,
    }
    print(write_json("storefront.json", payload).read_text())


if __name__ == "__main__":
    main()

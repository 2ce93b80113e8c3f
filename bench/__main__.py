"""Run every benchmark in turn, then write the record: ``bench/RESULTS.md`` and ``results/record.json``.

``make bench`` runs this. Each script runs in its own process, so one's peak memory does not
colour the next, and writes its JSON under ``bench/results/``; ``record.py`` then gathers them.
The series runs on a fresh state folder of its own and writes its executed notebooks there, not
over the committed ones. The MovieLens scripts need the data file that the ``recbole`` wheel
ships (``make bench`` installs it with ``--no-deps``); see ``bench/README.md`` for what each
measures.

Environment: ``BENCH_QUICK=1`` runs everything small (the first notebooks, a few hundred calls,
1× only, no storefront) into ``build/bench-quick/`` (``BENCH_RESULTS`` elsewhere), to check that
the whole chain works in a few minutes; ``BENCH_LARGE=1`` adds the large run of Recommended for
you (1,000,000 users, 100,000 items, 20,000,000 interactions).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
QUICK = os.environ.get("BENCH_QUICK") == "1"
LARGE = os.environ.get("BENCH_LARGE") == "1"
RFY = "recommended-for-you"
LARGE_SIZE = ("1000000", "100000", "20000000")


def rfy(scale: int, calls: int) -> list[str]:
    """backend.py training Recommended for you alone at ``scale``× (the Scale section)."""
    return [
        "backend.py", "--scale", str(scale), "--only", RFY, "--calls", str(calls),
        "--output", f"backend_rfy_{scale}x.json",
    ]  # fmt: skip


def plan(results: Path) -> list[list[str]]:
    """The scripts to run, in order, each as ``[script, *arguments]``."""
    series = ["-m", "helpers.series", "--times", str(results / "series.json")]
    if QUICK:
        return [
            [*series, "--upto", "02"],
            ["serving.py", "--calls", "300"],
            rfy(1, 100),
            ["synthetic.py", "--users", "600", "--items", "250", "--events", "20000"],
            ["public_dataset.py", "--seeds", "1"],
            ["quality.py", "--protocols", "global_time"],
            ["scale.py", "--scales", "1", "--models", "popularity", "co_purchase"],
            ["probe_refusals.py"],
        ]
    scripts = [
        series,
        ["serving.py"],
        ["storefront.py"],
        ["backend.py"],
        *(rfy(scale, 200) for scale in (1, 4, 16)),
        ["synthetic.py"],
        ["public_dataset.py"],
        ["public_dataset_boto3.py"],
        ["quality.py"],
        ["scale.py", "--scales", "1", "4", "16"],
        ["probe_refusals.py"],
    ]
    if LARGE:
        scripts.append(
            [
                "backend.py",
                "--size",
                *LARGE_SIZE,
                "--only",
                RFY,
                "--calls",
                "100",
                "--output",
                "backend_rfy_large.json",
            ]
        )
    return scripts


def main() -> int:
    if QUICK:
        os.environ.setdefault("BENCH_RESULTS", str(ROOT / "build" / "bench-quick" / "results"))
    results = Path(os.environ.get("BENCH_RESULTS") or HERE / "results")
    results.mkdir(parents=True, exist_ok=True)
    failed = []
    with tempfile.TemporaryDirectory(prefix="bench-series-") as tmp:
        env = {
            **os.environ,
            "RECSYS_STATE_DIR": str(Path(tmp) / "state"),
            "RECSYS_DATA_DIR": str(Path(tmp) / "data"),
            "RECSYS_BACKEND": "local",
        }
        for args in plan(results):
            start = time.perf_counter()
            print(f"== {' '.join(args)}", flush=True)
            if args[0] == "-m":  # the series: its own state and a folder for the executed notebooks
                (Path(tmp) / "notebooks").mkdir(exist_ok=True)
                command = [sys.executable, *args, "--into", str(Path(tmp) / "notebooks")]
                code = subprocess.call(command, cwd=ROOT, env=env)
            else:
                code = subprocess.call([sys.executable, str(HERE / args[0]), *args[1:]], cwd=ROOT)
            print(f"== {args[0]}: exit {code} after {time.perf_counter() - start:.0f} s", flush=True)
            if code:
                failed.append(args[0])
    code = subprocess.call([sys.executable, str(HERE / "record.py")], cwd=ROOT)
    if failed or code:
        print(f"failed: {', '.join(failed + (['record.py'] if code else []))}", file=sys.stderr)
    return 1 if failed or code else 0


if __name__ == "__main__":
    sys.exit(main())

"""Run every benchmark in turn and write its JSON under ``bench/results/`` (``make bench``).

Each script runs in its own process, so one's peak memory does not colour the next. The
MovieLens ones need the data file that the ``recbole`` wheel ships (``make bench`` installs it
with ``--no-deps``); see ``bench/README.md`` for what each measures.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = (
    ["backend.py"],
    ["backend.py", "--scale", "10", "--calls", "500"],
    ["synthetic.py"],
    ["public_dataset.py"],
    ["public_dataset_boto3.py"],
    ["scale.py", "--ease-10x"],
    ["storefront.py"],
    ["probe_refusals.py"],
)


def main() -> int:
    failed = []
    for args in SCRIPTS:
        start = time.perf_counter()
        print(f"== {' '.join(args)}", flush=True)
        code = subprocess.call([sys.executable, str(HERE / args[0]), *args[1:]], cwd=HERE.parent)
        print(f"== {args[0]}: exit {code} after {time.perf_counter() - start:.0f} s", flush=True)
        if code:
            failed.append(args[0])
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Serve the storefront with uvicorn: ``python -m helpers.storefront`` (``make storefront``).

Environment: ``PORT`` (default 8000); ``HOST`` (default 127.0.0.1, so only this machine sees
it); ``WEB_CONCURRENCY`` worker processes (default 2, one per core); the backend variables of
``helpers.config`` (``RECSYS_BACKEND``, ``RECSYS_STATE_DIR`` …). Each worker uses one BLAS thread.
Requests are read by httptools with a bounded head (``limits``: 431 past 16 KiB).
"""

from __future__ import annotations

import os

import uvicorn

BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
"""One BLAS thread per worker: requests already run in parallel in the worker processes, and BLAS
threads that wait for busy cores made one Recommended-for-you answer take 20 ms instead of 1 ms."""


def main() -> None:
    """Run the server until interrupted."""
    for name in BLAS_THREADS:  # inherited by the worker processes, before they import numpy
        os.environ.setdefault(name, "1")
    uvicorn.run(
        "helpers.storefront.app:app",
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        workers=int(os.environ.get("WEB_CONCURRENCY", "2")),
        http="helpers.storefront.limits:BoundedHeadProtocol",
        access_log=False,
        log_level=os.environ.get("LOG_LEVEL", "warning"),
    )


if __name__ == "__main__":
    main()

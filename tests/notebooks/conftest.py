"""One fresh state folder for the whole notebook series in a test run."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def series_env(tmp_path_factory):
    """Point the local backend and generated data at one fresh folder, for every notebook.

    Every call the notebooks make is logged to ``calls.jsonl`` there (``RECSYS_CALL_LOG``), for
    ``test_series_calls`` to check against the service models.
    """
    root = tmp_path_factory.mktemp("series")
    names = ("RECSYS_STATE_DIR", "RECSYS_DATA_DIR", "RECSYS_BACKEND", "RECSYS_CALL_LOG")
    saved = {k: os.environ.get(k) for k in names}
    os.environ.update(
        RECSYS_STATE_DIR=str(root / "state"),
        RECSYS_DATA_DIR=str(root / "data"),
        RECSYS_BACKEND="local",
        RECSYS_CALL_LOG=str(root / "calls.jsonl"),
    )
    yield root
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value

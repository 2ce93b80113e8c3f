"""Settings for the whole series: backend, region, names, sizes, seed and paths.

Every value can be read by a notebook; the few that a facilitator may change come from
environment variables, so that the notebooks themselves stay the same on both backends.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The project's root folder."""

BACKEND = os.environ.get("RECSYS_BACKEND", "local").strip().lower()
"""``local`` (the embedded backend, the default) or ``aws`` (a real AWS account)."""

DATA_DIR = Path(os.environ.get("RECSYS_DATA_DIR", ROOT / "data"))
"""Where the notebooks write generated CSVs and the ground truth."""

OWNER_ONLY_DIR, OWNER_ONLY_FILE = 0o700, 0o600
"""Modes of what the series writes about shoppers: readable by its owner only."""


def data_path(*parts: str) -> Path:
    """A file under ``DATA_DIR`` that only its owner can read: folders 0700, the file 0600.

    The file is created empty (or its mode narrowed) before anything is written to it; writing
    to the path afterwards (pandas' ``to_csv``, ``to_parquet``) truncates it and keeps the mode.

    Args:
        parts: the path inside ``DATA_DIR``, e.g. ``("truth", "users.parquet")``.

    Returns:
        The file's path.

    Raises:
        ValueError: the parts lead outside ``DATA_DIR``.
    """
    root = DATA_DIR.resolve()
    path = root.joinpath(*parts).resolve()
    if root not in path.parents:
        raise ValueError(f"parts must name a file inside {DATA_DIR}, not {path}")
    folder = path.parent
    folder.mkdir(mode=OWNER_ONLY_DIR, parents=True, exist_ok=True)
    for step in [folder, *folder.parents]:
        os.chmod(step, OWNER_ONLY_DIR)  # whatever the umask made them
        if step == root:
            break
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, OWNER_ONLY_FILE))
    os.chmod(path, OWNER_ONLY_FILE)
    return path


STATE_DIR = Path(os.environ.get("RECSYS_STATE_DIR", DATA_DIR / "localaws"))
"""Where the local backend keeps its state (metadata, S3 objects, models)."""

REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
"""The AWS region for every client."""

SEED = 42
"""The one seed of the series: data generation, splits and sampling derive from it."""

NOW = datetime(2026, 6, 30, tzinfo=UTC)
""""Now" for the synthetic shop: interactions end here, so outputs never depend on the clock."""

PROJECT = "retail-demo"
"""Prefix of every resource name (dataset group, role, bucket, SSM parameters)."""

TAG = ("project", PROJECT)
"""``(key, value)`` of the tag AWS mode puts on every resource the series creates."""

BUCKET = os.environ.get("RECSYS_BUCKET", "")
"""S3 bucket for the CSVs; empty means ``aws.default_bucket()`` derives one from the account."""

# Default scale of the synthetic shop (notebooks 01-03).
N_USERS = 6_000
N_ITEMS = 2_465
N_INTERACTIONS = 675_000
N_DAYS = 90

SMALL_SCALE = {"N_USERS": 600, "N_ITEMS": 400, "N_INTERACTIONS": 100_000, "N_DAYS": 30}
"""Parameters papermill injects in the test runs (only those a notebook's parameters cell has).

100,000 interactions give 1,119 ``Purchase`` and 93,284 ``View`` events (the funnel fixes the
counts): Best sellers and Frequently bought together need at minimum 1,000 ``Purchase`` events."""

SSM_PREFIX = f"/{PROJECT}/personalize"
"""SSM Parameter Store path under which the series keeps ARNs for later notebooks and the storefront."""

DATASET_GROUP_NAME = f"{PROJECT}-ecommerce"
"""The ECOMMERCE dataset group that holds the shop's three datasets and its recommenders."""

PERSONALIZE_ROLE_NAME = f"{PROJECT}-personalize"
"""The IAM role Amazon Personalize assumes to read the CSVs from S3."""

EVENT_TRACKER_NAME = f"{PROJECT}-events"
"""The event tracker through which the storefront and notebook 08 stream shoppers' events."""

SSM_TRACKING_ID = f"{SSM_PREFIX}/event-tracker-tracking-id"
"""SSM parameter holding the event tracker's ``trackingId`` (its ARN is ``ssm_name("event-tracker")``)."""

USE_CASES = {
    "most-viewed": "aws-ecomm-popular-items-by-views",
    "best-sellers": "aws-ecomm-popular-items-by-purchases",
    "recommended-for-you": "aws-ecomm-recommended-for-you",
    "customers-who-viewed-x": "aws-ecomm-customers-who-viewed-x-also-viewed",
    "frequently-bought-together": "aws-ecomm-frequently-bought-together",
}
"""The five ECOMMERCE use cases of the series: our short name → Personalize's recipe name."""


def ssm_name(what: str) -> str:
    """Return the SSM parameter name under which the ARN of ``what`` is kept.

    Args:
        what: ``dataset-group``, ``role``, ``event-tracker`` or a key of ``USE_CASES`` such as
            ``most-viewed``.
    """
    return f"{SSM_PREFIX}/{what}-arn"


def validate_backend(name: str = BACKEND) -> str:
    """Return the backend name, or raise if it is neither ``local`` nor ``aws``.

    Raises:
        ValueError: ``RECSYS_BACKEND`` holds something else.
    """
    if name not in ("local", "aws"):
        raise ValueError(f"RECSYS_BACKEND must be 'local' or 'aws', not {name!r}")
    return name

"""AWS plumbing for the notebooks: pick the backend, make clients, wait for resources.

The calls the notebooks teach are plain boto3. This module only decides *where* they go:
``activate()`` routes every boto3 client to the embedded local backend (the default) or
leaves them pointed at a real AWS account (``RECSYS_BACKEND=aws``).
"""

from __future__ import annotations

import os
from pathlib import Path

import boto3

from helpers import config

_active: str | None = None


def activate(backend: str | None = None, state_dir: str | Path | None = None) -> str:
    """Route boto3 to the chosen backend for the rest of this process.

    Local mode sets a region, dummy credentials and ``AWS_EC2_METADATA_DISABLED=true``, then
    installs the local backend's botocore hooks, so that every client made afterwards for
    s3, ssm, iam, sts, personalize, personalize-runtime and personalize-events is answered
    from the state folder. Calling it again is harmless.

    Args:
        backend: ``local`` or ``aws``; defaults to ``RECSYS_BACKEND`` (``local``).
        state_dir: the local state folder; defaults to ``RECSYS_STATE_DIR`` (``data/localaws``).

    Returns:
        The backend now in use.

    Raises:
        ValueError: the backend is neither ``local`` nor ``aws``.
    """
    global _active
    backend = config.validate_backend((backend or config.BACKEND).strip().lower())
    os.environ.setdefault("AWS_DEFAULT_REGION", config.REGION)
    if backend == "local":
        from helpers import localaws

        os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        localaws.install(Path(state_dir or os.environ.get("RECSYS_STATE_DIR") or config.STATE_DIR))
    boto3.setup_default_session(region_name=os.environ["AWS_DEFAULT_REGION"])
    _active = backend
    return backend


def backend() -> str:
    """Return the active backend, activating the default one if needed."""
    return _active or activate()

"""AWS plumbing for the notebooks: pick the backend, make clients, wait for resources.

The calls the notebooks teach are plain boto3. This module only decides *where* they go:
``activate()`` routes every boto3 client to the embedded local backend (the default) or
leaves them pointed at a real AWS account (``RECSYS_BACKEND=aws``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def client(name: str, **kwargs: Any) -> Any:
    """Return a boto3 client for ``name`` in the configured region, on the active backend.

    Args:
        name: a boto3 service name (``s3``, ``personalize``, ``personalize-runtime`` …).
        **kwargs: passed on to ``boto3.client``.
    """
    backend()
    kwargs.setdefault("region_name", os.environ.get("AWS_DEFAULT_REGION", config.REGION))
    return boto3.client(name, **kwargs)


_DONE = ("ACTIVE",)
_FAILED = ("CREATE FAILED", "DELETE FAILED", "FAILED")


def wait_until_active(
    describe_fn: Callable[..., dict],
    key: str | None = None,
    *,
    until: tuple[str, ...] = _DONE,
    timeout: float = 3600.0,
    poll: float | None = None,
    desc: str | None = None,
    **describe_kwargs: Any,
) -> dict:
    """Poll a Personalize ``describe_*`` call until the resource is ACTIVE, with a progress bar.

    Locally resources become ACTIVE in seconds and we poll every 0.2 s; on AWS it takes
    minutes to an hour, and we poll every 15 s (quotas limit describe calls).

    Args:
        describe_fn: e.g. ``personalize.describe_dataset_group``.
        key: the member holding the resource (``datasetGroup``); by default the answer's only
            member besides ``ResponseMetadata``.
        until: the statuses that end the wait; ``("INACTIVE",)`` waits for a stopped recommender.
        timeout: give up after this many seconds.
        poll: seconds between calls; by default 0.2 locally and 15 on AWS.
        desc: the progress bar's label; by default the key.
        **describe_kwargs: the describe call's arguments (``datasetGroupArn=…``).

    Returns:
        The resource's description (the ``key`` member of the answer).

    Raises:
        RuntimeError: the resource ended CREATE FAILED; the message holds its failureReason.
        TimeoutError: it was not ACTIVE within ``timeout`` seconds.
    """
    from tqdm.auto import tqdm

    poll = poll if poll is not None else (0.2 if backend() == "local" else 15.0)
    start = time.monotonic()
    disable = os.environ.get("TQDM_DISABLE", "").lower() in ("1", "true", "yes")  # make / papermill set it
    bar = None
    try:
        while True:
            answer = describe_fn(**describe_kwargs)
            name = key or next(k for k in answer if k != "ResponseMetadata")
            resource = answer[name]
            status = resource.get("status") or resource.get("latestDatasetUpdate", {}).get("status", "")
            if status in until:
                return resource
            if status in _FAILED:
                reason = resource.get("failureReason", "no reason given")
                raise RuntimeError(f"{name} ended {status}: {reason}")
            if time.monotonic() - start > timeout:
                raise TimeoutError(f"{name} is still {status} after {timeout:.0f} s")
            if bar is None:
                label = desc or f"{name} {resource.get('name') or resource.get('jobName') or ''}".strip()
                bar = tqdm(desc=label, unit="poll", disable=disable, leave=False)
            bar.set_postfix_str(status, refresh=False)
            bar.update(1)
            time.sleep(poll)
    finally:
        if bar is not None:
            bar.close()


def wait_until_updated(personalize: Any, recommender_arn: str, **kwargs: Any) -> dict:
    """Wait until a recommender's latest UpdateRecommender has finished; return the update.

    The recommender stays ``ACTIVE`` during an update; its ``latestRecommenderUpdate`` goes
    ``CREATE PENDING`` → ``CREATE IN_PROGRESS`` → ``ACTIVE``. A recommender never updated
    counts as up to date.

    Args:
        personalize: a ``personalize`` client.
        recommender_arn: the recommender.
        **kwargs: passed on to ``wait_until_active`` (``timeout``, ``poll``).

    Raises:
        RuntimeError: the update ended CREATE FAILED (the recommender keeps its previous model).
    """

    def describe() -> dict:
        recommender = personalize.describe_recommender(recommenderArn=recommender_arn)["recommender"]
        return {"update": recommender.get("latestRecommenderUpdate") or {"status": "ACTIVE"}}

    kwargs.setdefault("desc", f"update of {recommender_arn.rsplit('/', 1)[-1]}")
    return wait_until_active(describe, "update", **kwargs)


def account_id() -> str:
    """Return the account id of the active backend (``123456789012`` locally)."""
    return client("sts").get_caller_identity()["Account"]


def default_bucket() -> str:
    """Return the series' S3 bucket: ``config.BUCKET``, or one derived from the account id.

    Bucket names are global on AWS, so the derived name carries the account id and region:
    ``retail-demo-<account>-<region>``.
    """
    if config.BUCKET:
        return config.BUCKET
    region = os.environ.get("AWS_DEFAULT_REGION", config.REGION)
    return f"{config.PROJECT}-{account_id()}-{region}"


def put_parameter(name: str, value: str, *, overwrite: bool = True) -> int:
    """Keep a value (an ARN, usually) in SSM Parameter Store, for other processes to read.

    Args:
        name: the parameter's path, e.g. ``/retail-demo/personalize/recommended-for-you``.
        value: the value, a non-empty string.
        overwrite: replace an existing value (True) or fail with ParameterAlreadyExists.

    Returns:
        The parameter's new version (1 for a new one).
    """
    if not isinstance(value, str) or not value:
        raise ValueError(f"value must be a non-empty string, not {value!r}")
    answer = client("ssm").put_parameter(Name=name, Value=value, Type="String", Overwrite=overwrite)
    return answer["Version"]


def get_parameter(name: str, default: str | None = None) -> str | None:
    """Return an SSM parameter's value, or ``default`` if there is none."""
    ssm = client("ssm")
    try:
        return ssm.get_parameter(Name=name)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        return default

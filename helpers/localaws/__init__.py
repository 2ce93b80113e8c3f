"""The local backend: boto3 answered offline through botocore's event hooks, state on disk.

``install(state_dir)`` makes every boto3 client or resource created afterwards in this process
(``boto3.client``, ``boto3.resource``, ``boto3.Session().client``) for s3, ssm, iam, sts,
cloudwatch, personalize, personalize-runtime and personalize-events answer from ``state_dir``. Notebooks
never import this package: ``helpers.aws.activate()`` does. For example::

    import boto3
    from helpers import localaws

    localaws.install("data/localaws")
    personalize = boto3.client("personalize")
    group = personalize.create_dataset_group(name="shop")["datasetGroupArn"]

Rooms by concern, imports running one way (``personalize`` → ``aws`` → ``engine``):
``personalize`` (one module per resource kind over the resource layer ``resources``; the
``control_plane``, ``runtime`` and ``events`` endpoints; ``training`` onto ``helpers.recsys``),
``aws`` (S3, SSM, IAM, STS, CloudWatch metrics) and ``engine`` (``hooks`` route each call to one function per
operation ``(store, params) -> dict``; ``store``, ``jobs``, validation, errors).
"""

from __future__ import annotations

from pathlib import Path

from helpers.localaws.engine.errors import AWSError, NotEmulatedError
from helpers.localaws.engine.store import Store

__all__ = ["AWSError", "NotEmulatedError", "Store", "install", "recommender_tuning", "store"]


def install(state_dir: Path | str) -> Store:
    """Answer boto3 locally from ``state_dir`` for the rest of this process.

    Idempotent; calling it with another folder switches to that one.

    Args:
        state_dir: the state folder (created if missing).

    Returns:
        The store now answering.
    """
    import boto3

    from helpers.localaws.engine import hooks

    store = hooks.use_state(Path(state_dir).resolve())
    hooks.patch_sessions()
    if boto3.DEFAULT_SESSION is not None:  # the default session existed before the patch
        hooks.register(boto3.DEFAULT_SESSION._session.get_component("event_emitter"))
    return store


def store() -> Store:
    """Return the store answering now (after ``install``)."""
    from helpers.localaws.engine import hooks

    return hooks.current_store()


def recommender_tuning(recommender_arn: str) -> dict | None:
    """The settings training chose for a local recommender (``recommenders.model_tuning``)."""
    from helpers.localaws.personalize import recommenders

    return recommenders.model_tuning(store(), recommender_arn)

"""AWS plumbing for the notebooks: pick the backend, make clients, wait for resources.

The calls the notebooks teach are plain boto3. This module only decides *where* they go:
``activate()`` routes every boto3 client to the embedded local backend (the default) or
leaves them pointed at a real AWS account (``RECSYS_BACKEND=aws``).

AWS mode costs money, so it needs a second, explicit opt-in (``RECSYS_AWS_CONFIRM=yes``), prints
an estimate of the bill before the first billable call of the process, and tags every resource
the series creates with ``config.TAG`` (botocore ``provide-client-params`` handlers on the
default session), so that the notebooks stay plain boto3 and cleanup finds exactly those.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions

from helpers import config, costs

_active: str | None = None
CONFIRM_VARIABLE = "RECSYS_AWS_CONFIRM"
"""The environment variable that must be ``yes`` before AWS mode creates anything."""


def activate(backend: str | None = None, state_dir: str | Path | None = None) -> str:
    """Route boto3 to the chosen backend for the rest of this process.

    Local mode sets a region, dummy credentials and ``AWS_EC2_METADATA_DISABLED=true``, then
    installs the local backend's botocore hooks, so that every client made afterwards for
    s3, ssm, iam, sts, cloudwatch (the metrics Personalize publishes), personalize,
    personalize-runtime and personalize-events is answered from the state folder. Calling it
    again is harmless.

    Args:
        backend: ``local`` or ``aws``; defaults to ``RECSYS_BACKEND`` (``local``).
        state_dir: the local state folder; defaults to ``RECSYS_STATE_DIR`` (``data/localaws``).

    Returns:
        The backend now in use.

    Raises:
        ValueError: the backend is neither ``local`` nor ``aws``.
        PermissionError: AWS mode without ``RECSYS_AWS_CONFIRM=yes``.
    """
    global _active
    backend = config.validate_backend((backend or config.BACKEND).strip().lower())
    if backend == "aws":
        confirm_aws()
    os.environ.setdefault("AWS_DEFAULT_REGION", config.REGION)
    if backend == "local":
        from helpers import localaws

        os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        localaws.install(Path(state_dir or os.environ.get("RECSYS_STATE_DIR") or config.STATE_DIR))
    boto3.setup_default_session(region_name=os.environ["AWS_DEFAULT_REGION"])
    if backend == "aws":
        register_safeguards(boto3.DEFAULT_SESSION.events)
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


def poll_seconds() -> float:
    """Seconds between describe calls: 0.2 locally, 15 on AWS (quotas limit describe calls)."""
    return 0.2 if backend() == "local" else 15.0


def _status(resource: dict) -> str:
    return resource.get("status") or resource.get("latestDatasetUpdate", {}).get("status", "")


def _poll(check: Callable[[], tuple[bool, Any, str, str]], *, timeout: float, poll: float | None) -> Any:
    """Call ``check`` until it reports done, with a progress bar; return its result.

    ``check()`` returns ``(done, result, status, label)``: the label names the resource in the
    progress bar and in the TimeoutError.
    """
    from tqdm.auto import tqdm

    poll = poll if poll is not None else poll_seconds()
    start = time.monotonic()
    disable = os.environ.get("TQDM_DISABLE", "").lower() in ("1", "true", "yes")  # make / papermill set it
    bar = None
    try:
        while True:
            done, result, status, label = check()
            if done:
                return result
            if time.monotonic() - start > timeout:
                raise TimeoutError(f"{label} is still {status} after {timeout:.0f} s")
            if bar is None:
                bar = tqdm(desc=label, unit="poll", disable=disable, leave=False)
            bar.set_postfix_str(status, refresh=False)
            bar.update(1)
            time.sleep(poll)
    finally:
        if bar is not None:
            bar.close()


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

    Locally the first describe already answers with the outcome (the local backend lets the
    work finish first, in seconds) and we would poll every 0.2 s; on AWS it takes minutes to
    an hour, and we poll every 15 s (quotas limit describe calls).

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

    def check() -> tuple[bool, Any, str, str]:
        answer = describe_fn(**describe_kwargs)
        name = key or next(k for k in answer if k != "ResponseMetadata")
        resource = answer[name]
        status = _status(resource)
        if status in until:
            return True, resource, status, name
        if status in _FAILED:
            raise RuntimeError(f"{name} ended {status}: {resource.get('failureReason', 'no reason given')}")
        return (
            False,
            None,
            status,
            desc or f"{name} {resource.get('name') or resource.get('jobName') or ''}".strip(),
        )

    return _poll(check, timeout=timeout, poll=poll)


def wait_until_deleted(
    describe_fn: Callable[..., dict],
    *,
    timeout: float = 3600.0,
    poll: float | None = None,
    desc: str | None = None,
    **describe_kwargs: Any,
) -> None:
    """Poll a Personalize ``describe_*`` call until the resource is gone, with a progress bar.

    Deletion is asynchronous: the resource goes DELETE PENDING, DELETE IN_PROGRESS, then its
    describe call answers ResourceNotFoundException. A resource that is already gone returns at
    once.

    Args:
        describe_fn: e.g. ``personalize.describe_recommender``.
        timeout: give up after this many seconds.
        poll: seconds between calls; by default 0.2 locally and 15 on AWS.
        desc: the progress bar's label; by default the resource's kind and name.
        **describe_kwargs: the describe call's arguments (``recommenderArn=…``).

    Raises:
        RuntimeError: the deletion ended DELETE FAILED; the message holds its failureReason.
        TimeoutError: the resource still exists after ``timeout`` seconds.
        botocore.exceptions.ClientError: any other error of the describe call.
    """

    def check() -> tuple[bool, Any, str, str]:
        try:
            answer = describe_fn(**describe_kwargs)
        except botocore.exceptions.ClientError as err:
            if err.response["Error"]["Code"] == "ResourceNotFoundException":
                return True, None, "gone", ""
            raise
        name = next(k for k in answer if k != "ResponseMetadata")
        resource = answer[name]
        status = _status(resource)
        if status == "DELETE FAILED":
            raise RuntimeError(f"{name} ended {status}: {resource.get('failureReason', 'no reason given')}")
        return False, None, status, desc or f"{name} {resource.get('name') or ''}".strip()

    _poll(check, timeout=timeout, poll=poll)


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


# --- AWS mode: opt-in, cost estimate, tags ----------------------------------------------------
BILLABLE = {
    "personalize": (
        "CreateDatasetImportJob", "CreateRecommender", "StartRecommender", "UpdateRecommender",
        "CreateSolution", "UpdateSolution", "CreateSolutionVersion", "CreateCampaign", "UpdateCampaign",
        "CreateBatchInferenceJob", "CreateBatchSegmentJob",
    ),
    "personalize-events": ("PutEvents", "PutItems", "PutUsers"),
    "s3": ("PutObject", "CreateMultipartUpload"),
}  # fmt: skip
"""Operations that start billing on AWS; the first of them in a process prints the estimate."""

_estimate_shown = False


def confirm_aws() -> None:
    """Check the explicit opt-in to AWS mode.

    Raises:
        PermissionError: ``RECSYS_AWS_CONFIRM`` is not ``yes``; the message says what it costs.
    """
    if os.environ.get(CONFIRM_VARIABLE, "").strip().lower() != "yes":
        raise PermissionError(
            "RECSYS_BACKEND=aws runs the series on your AWS account, which bills for data, training, "
            f"every ACTIVE recommender and campaign ({cost_estimate()}). "
            f"Set {CONFIRM_VARIABLE}=yes to confirm, or unset RECSYS_BACKEND to use the free local backend."
        )


def cost_estimate(footprint: costs.Footprint | None = None) -> str:
    """Return one line estimating what the series can leave billing on AWS, from the pricing model.

    Args:
        footprint: what is left running; by default everything the series can leave
            (``costs.series_footprint``): the five recommenders, notebook 11's six campaigns at
            their minimum throughput, its training (HPO included) and the data in S3.

    Returns:
        ``"about USD <n> a month if … stay ACTIVE (…), plus USD <m> of training once; …"``.
    """
    footprint = footprint or costs.series_footprint(len(config.USE_CASES))
    bill = costs.footprint_month(footprint)
    monthly = bill["total"] - bill["training"]
    auto = (
        f"automatic training USD {bill['automatic training']:,.0f}"
        if footprint.auto_training
        else "no automatic training (the notebooks set performAutoTraining=False)"
    )
    return (
        f"about USD {monthly:,.0f} a month if its {len(footprint.recommenders)} recommenders "
        f"(USD {bill['recommenders']:,.0f}) and {len(footprint.campaigns)} campaigns "
        f"(USD {bill['campaigns']:,.0f}) stay ACTIVE at their minimum throughput, {auto}, storage and "
        f"ingestion USD {bill['storage'] + bill['ingestion']:,.2f}; plus up to USD {bill['training']:,.0f} "
        f"of training once (HPO included), at list prices not checked against today's "
        f"(see {costs.CALCULATOR}); "
        "run 99_cleanup when done"
    )


def show_cost_estimate(model: Any, **_: Any) -> None:
    """``before-parameter-build`` handler: print the estimate once, before the first billable call.

    Registered on ``before-parameter-build`` (every handler runs) rather than ``before-call``
    (the first answer wins), so that it runs whoever answers the call.
    """
    global _estimate_shown
    service = model.service_model.service_name
    if _estimate_shown or model.name not in BILLABLE.get(service, ()):
        return
    _estimate_shown = True
    print(f"On AWS, the series costs money: {cost_estimate()}.", flush=True)


def tag_request(params: dict, model: Any, **_: Any) -> dict | None:
    """``provide-client-params`` handler: add ``config.TAG`` to the create calls of the series.

    Personalize ``Create*`` calls get ``tags``, IAM ``CreateRole``/``CreatePolicy`` and SSM
    ``PutParameter`` (without ``Overwrite``, which AWS refuses with tags) get ``Tags``, S3
    ``CreateBucket`` gets ``CreateBucketConfiguration.Tags``. Tags the caller gave are kept.

    Returns:
        The parameters with the tag added, or None to leave them as they are.
    """
    service, name = model.service_model.service_name, model.name
    key, value = config.TAG
    if service == "personalize" and name.startswith("Create") and "tags" in model.input_shape.members:
        return _with_tag(params, "tags", {"tagKey": key, "tagValue": value}, "tagKey")
    if service == "iam" and name in ("CreateRole", "CreatePolicy"):
        return _with_tag(params, "Tags", {"Key": key, "Value": value}, "Key")
    if service == "ssm" and name == "PutParameter" and not params.get("Overwrite"):
        return _with_tag(params, "Tags", {"Key": key, "Value": value}, "Key")
    if service == "s3" and name == "CreateBucket":
        where = dict(params.get("CreateBucketConfiguration") or {})
        where = _with_tag(where, "Tags", {"Key": key, "Value": value}, "Key")
        return {**params, "CreateBucketConfiguration": where}
    return None


def _with_tag(params: dict, member: str, tag: dict, key_name: str) -> dict:
    tags = list(params.get(member) or [])
    if all(t.get(key_name) != tag[key_name] for t in tags):
        tags.append(tag)
    return {**params, member: tags}


def register_safeguards(events: Any) -> None:
    """Register the cost estimate and the tagging on an event emitter (AWS mode only)."""
    for service in ("personalize", "personalize-events", "iam", "ssm", "s3"):
        events.register(f"provide-client-params.{service}", tag_request, unique_id=f"recsys-tag-{service}")
        events.register(
            f"before-parameter-build.{service}", show_cost_estimate, unique_id=f"recsys-cost-{service}"
        )


def find_by_name(list_fn: Callable[..., dict], name: str, **list_kwargs: Any) -> dict:
    """Return the resource called ``name`` from a Personalize ``list_*`` call, paging through it.

    The notebooks create a resource and, when Personalize answers
    ``ResourceAlreadyExistsException`` because an earlier run made it, reuse it through this.

    Args:
        list_fn: e.g. ``personalize.list_schemas`` or ``personalize.list_recommenders``.
        name: the resource's ``name`` (``jobName`` for import jobs).
        **list_kwargs: the list call's filter, e.g. ``datasetGroupArn=…``.

    Returns:
        The resource's summary as the list call gives it, ARN included.

    Raises:
        LookupError: no listed resource has that name.
    """
    token: dict[str, str] = {}
    while True:
        answer = list_fn(**list_kwargs, **token)
        summaries = next(v for k, v in answer.items() if isinstance(v, list))
        for summary in summaries:
            if name in (summary.get("name"), summary.get("jobName")):
                return summary
        if not answer.get("nextToken"):
            raise LookupError(f"{list_fn.__name__} lists no resource named {name!r}")
        token = {"nextToken": answer["nextToken"]}


_TRAINING = ("CREATE PENDING", "CREATE IN_PROGRESS")


def find_or_train_version(personalize: Any, solution_arn: str, **create_kwargs: Any) -> str:
    """Return the ARN of the solution version to use, training one only if there is none to reuse.

    The newest ACTIVE version wins; else the newest one still training (an earlier run's, or
    automatic training's), which the caller then waits for; else ``create_solution_version``
    trains a new one. So a re-run never pays for a second training of the same data.

    Args:
        personalize: a ``personalize`` client.
        solution_arn: the solution.
        **create_kwargs: passed on to ``create_solution_version`` (``trainingMode`` …).
    """
    versions: list[dict] = []
    token: dict[str, str] = {}
    while True:
        answer = personalize.list_solution_versions(solutionArn=solution_arn, **token)
        versions += answer["solutionVersions"]
        if not answer.get("nextToken"):
            break
        token = {"nextToken": answer["nextToken"]}
    newest_first = sorted(versions, key=lambda v: v["creationDateTime"], reverse=True)
    for wanted in (("ACTIVE",), _TRAINING):
        for version in newest_first:
            if version["status"] in wanted:
                return version["solutionVersionArn"]
    return personalize.create_solution_version(solutionArn=solution_arn, **create_kwargs)[
        "solutionVersionArn"
    ]


def local_model_tuning(recommender_arn: str) -> dict | None:
    """The settings the local backend's training chose for a recommender, with their validation score.

    Amazon Personalize tunes a recommender's hyperparameters itself and does not publish them:
    DescribeRecommender has no member for them. The local backend keeps them in the trained
    model, and this reads them there; against AWS it returns None.

    Args:
        recommender_arn: the recommender's ARN.

    Returns:
        ``{"settings": {...}, "validation_ndcg_at_10": ..., "trials": [...],
        "n_validation_users": ...}`` (see ``helpers.recsys.tuning.Tuning``) for Recommended for
        you on the local backend; None on AWS or for use cases without tuned settings.
    """
    if backend() != "local":
        return None
    from helpers import localaws

    return localaws.recommender_tuning(recommender_arn)

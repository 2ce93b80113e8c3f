"""Fixtures for the contract tests: real boto3 clients on a fresh local state folder."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.validate import ParamValidator

from helpers import aws, localaws
from helpers.localaws.engine import jobs


@pytest.fixture
def state(tmp_path, monkeypatch):
    """Activate the local backend on an empty state folder; return its Store."""
    monkeypatch.setenv("TQDM_DISABLE", "1")
    aws.activate("local", tmp_path / "state")
    yield localaws.store()
    jobs.wait_idle(30)


def _client(name: str) -> Any:
    """A boto3 client that keeps each answer as parsed, before botocore's after-call handlers."""
    client = boto3.client(name)
    client.raw = {}

    def keep(parsed, model, **_):
        client.raw[model.name] = copy.deepcopy(
            {k: v for k, v in parsed.items() if k not in ("ResponseMetadata", "Body")}
        )

    client.meta.events.register_first(f"after-call.{client.meta.service_model.service_id.hyphenize()}", keep)
    return client


@pytest.fixture
def s3(state):
    return _client("s3")


@pytest.fixture
def ssm(state):
    return _client("ssm")


@pytest.fixture
def iam(state):
    return _client("iam")


@pytest.fixture
def sts(state):
    return _client("sts")


@pytest.fixture
def personalize(state):
    return _client("personalize")


@pytest.fixture
def personalize_runtime(state):
    return _client("personalize-runtime")


def assert_valid(client: Any, operation: str) -> dict:
    """Assert the last answer of ``operation`` matches its output shape; return it."""
    shape = client.meta.service_model.operation_model(operation).output_shape
    body = client.raw[operation]
    if shape is not None:
        report = ParamValidator().validate(body, shape)
        assert not report.has_errors(), report.generate_report()
    return body


def assert_error(call: Callable[[], Any], code: str, status: int, message: str = "") -> dict:
    """Assert ``call`` fails with this error code, HTTP status and a message containing ``message``."""
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    response = info.value.response
    assert response["Error"]["Code"] == code
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert message in response["Error"]["Message"]
    return response


def wait_for(
    describe: Callable[..., dict], key: str, done=("ACTIVE", "CREATE FAILED"), timeout=30, **kw
) -> dict:
    """Poll a describe call until the resource's status is in ``done``; return the resource."""
    end = time.monotonic() + timeout
    while True:
        resource = describe(**kw)[key]
        if resource["status"] in done:
            return resource
        assert time.monotonic() < end, f"{key} still {resource['status']} after {timeout} s"
        time.sleep(0.02)


def snapshot(store: localaws.Store) -> tuple:
    """Everything a call could change: every document, every pending job, every streamed record,
    every file (but temp ones)."""
    import sqlite3

    with sqlite3.connect(store.db_path) as conn:
        docs = sorted(conn.execute("SELECT ns, key, parent, data FROM docs"))
        pending = sorted(conn.execute("SELECT arn, kind FROM jobs"))
        streamed = conn.execute("SELECT count(*), max(rowid) FROM records").fetchone()
    files = sorted(
        (str(p.relative_to(store.root)), p.stat().st_size)
        for p in store.root.rglob("*")
        if p.is_file() and p.parent.name != "tmp" and not p.name.startswith("state.sqlite")
    )
    return docs, pending, streamed, files


@pytest.fixture
def personalize_events(state):
    return _client("personalize-events")


@pytest.fixture
def arns(shop_state):
    """Names → ARNs of a module's shared shop, with the backend answering from its state.

    The module defines ``shop_state``: ``(state folder, names → ARNs)``, built once for it.
    """
    root, arns = shop_state
    aws.activate("local", root)
    return arns


@pytest.fixture
def client(arns):
    """A Personalize client on the module's shared shop."""
    return _client("personalize")


@pytest.fixture
def runtime(arns):
    """A Personalize runtime client on the module's shared shop."""
    return _client("personalize-runtime")

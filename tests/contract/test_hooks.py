"""Contract tests of the hooks themselves: install, switching state folders, errors."""

from __future__ import annotations

import boto3
import pytest

from helpers import localaws
from helpers.localaws.engine.errors import NotEmulatedError


def test_install_is_idempotent(state):
    assert localaws.install(state.root) is state
    assert localaws.install(state.root) is state


def test_install_switches_state_folder(state, tmp_path):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="first-state")
    other = localaws.install(tmp_path / "other")
    try:
        assert other.root != state.root
        assert s3.list_buckets()["Buckets"] == []  # the same client now answers from the new folder
        boto3.Session().client("s3").create_bucket(Bucket="second-state")
    finally:
        localaws.install(state.root)
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["first-state"]


@pytest.mark.parametrize(
    ("service", "call", "name"),
    [
        ("sqs", lambda c: c.list_queues(), "ListQueues"),
        ("cloudwatch", lambda c: c.list_dashboards(), "ListDashboards"),  # only its metrics are emulated
    ],
)
def test_not_emulated_names_service_and_operation(state, service, call, name):
    with pytest.raises(NotEmulatedError, match=f"{service}:{name}"):
        call(boto3.client(service))

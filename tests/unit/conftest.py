"""Fixtures of the unit tests: AWS-mode clients answered by botocore's Stubber (no network)."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from helpers import aws


def _aws_client(name: str):
    """A client as AWS mode makes it: no local backend hooks, the safeguards registered."""
    client = boto3.session.Session().client(
        name, region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret"
    )
    client.meta.events.unregister("before-call", unique_id="localaws-answer")
    client.meta.events.unregister("before-parameter-build", unique_id="localaws-params")
    aws.register_safeguards(client.meta.events)
    return client


@pytest.fixture
def stubbed(monkeypatch):
    """``stubbed(name)`` returns ``(client, stubber)``; ``aws.client(name)`` returns that client."""
    made = {}
    monkeypatch.setattr(aws, "_estimate_shown", False)
    monkeypatch.setattr(aws, "client", lambda name, **_: made[name][0])

    def make(name: str):
        client = _aws_client(name)
        stubber = Stubber(client)
        stubber.activate()
        made[name] = (client, stubber)
        return client, stubber

    yield make
    for _client, stubber in made.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()

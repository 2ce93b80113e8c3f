"""aws.wait_until_active and wait_until_updated poll a describe call until the resource is done."""

from __future__ import annotations

import pytest

from helpers import aws


def _describe(*statuses: str, reason: str = "bad data"):
    """Return a fake describe call that answers the given statuses, then repeats the last."""
    calls = []

    def describe(**kwargs):
        calls.append(kwargs)
        status = statuses[min(len(calls), len(statuses)) - 1]
        recommender = {"name": "r", "status": status, "failureReason": reason}
        return {"recommender": recommender, "ResponseMetadata": {}}

    return describe, calls


def test_wait_until_active():
    describe, calls = _describe("CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE")
    got = aws.wait_until_active(describe, poll=0, recommenderArn="arn")
    assert got["status"] == "ACTIVE"
    assert calls == [{"recommenderArn": "arn"}] * 3


def test_wait_until_active__until_inactive():
    describe, calls = _describe("ACTIVE", "STOP PENDING", "STOP IN_PROGRESS", "INACTIVE")
    got = aws.wait_until_active(describe, until=("INACTIVE",), poll=0, recommenderArn="arn")
    assert got["status"] == "INACTIVE"
    assert len(calls) == 4


def test_wait_until_active__create_failed():
    describe, _ = _describe("CREATE PENDING", "CREATE FAILED", reason="too few Purchase events")
    with pytest.raises(RuntimeError, match="recommender ended CREATE FAILED: too few Purchase events"):
        aws.wait_until_active(describe, poll=0)


def test_wait_until_active__timeout():
    describe, _ = _describe("CREATE PENDING")
    with pytest.raises(TimeoutError, match="still CREATE PENDING"):
        aws.wait_until_active(describe, poll=0, timeout=0)


class _Personalize:
    """A fake personalize client whose recommender's latest update goes through ``statuses``."""

    def __init__(self, *statuses: str | None) -> None:
        self.statuses, self.calls = statuses, 0

    def describe_recommender(self, recommenderArn):
        self.calls += 1
        status = self.statuses[min(self.calls, len(self.statuses)) - 1]
        update = {"status": status, "failureReason": "too few events"} if status else None
        return {"recommender": {"name": "r", "status": "ACTIVE", "latestRecommenderUpdate": update}}


def test_wait_until_updated():
    personalize = _Personalize("CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE")
    assert aws.wait_until_updated(personalize, "arn:r", poll=0)["status"] == "ACTIVE"
    assert personalize.calls == 3


def test_wait_until_updated__never_updated_or_failed():
    assert aws.wait_until_updated(_Personalize(None), "arn:r", poll=0) == {"status": "ACTIVE"}
    with pytest.raises(RuntimeError, match="update ended CREATE FAILED: too few events"):
        aws.wait_until_updated(_Personalize("CREATE PENDING", "CREATE FAILED"), "arn:r", poll=0)

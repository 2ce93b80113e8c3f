"""aws.wait_until_active, wait_until_deleted and wait_until_updated poll a describe call until done."""

from __future__ import annotations

import botocore.exceptions
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


def _gone_after(*statuses: str, code: str = "ResourceNotFoundException"):
    """A fake describe call that answers the statuses, then fails with ``code``."""
    calls = []

    def describe(**kwargs):
        calls.append(kwargs)
        if len(calls) > len(statuses):
            error = {"Error": {"Code": code, "Message": "no such recommender: arn"}}
            raise botocore.exceptions.ClientError(error, "DescribeRecommender")
        recommender = {"name": "r", "status": statuses[len(calls) - 1], "failureReason": "in use"}
        return {"recommender": recommender, "ResponseMetadata": {}}

    return describe, calls


def test_wait_until_deleted():
    describe, calls = _gone_after("DELETE PENDING", "DELETE IN_PROGRESS")
    assert aws.wait_until_deleted(describe, poll=0, recommenderArn="arn") is None
    assert calls == [{"recommenderArn": "arn"}] * 3


def test_wait_until_deleted__already_gone():
    describe, calls = _gone_after()
    aws.wait_until_deleted(describe, poll=0)
    assert len(calls) == 1


def test_wait_until_deleted__delete_failed():
    describe, _ = _gone_after("DELETE PENDING", "DELETE FAILED")
    with pytest.raises(RuntimeError, match="recommender ended DELETE FAILED: in use"):
        aws.wait_until_deleted(describe, poll=0)


def test_wait_until_deleted__other_errors_are_raised():
    describe, _ = _gone_after(code="AccessDeniedException")
    with pytest.raises(botocore.exceptions.ClientError, match="AccessDenied"):
        aws.wait_until_deleted(describe, poll=0)


def test_wait_until_deleted__timeout():
    describe, _ = _gone_after(*["DELETE PENDING"] * 5)
    with pytest.raises(TimeoutError, match="recommender r is still DELETE PENDING"):
        aws.wait_until_deleted(describe, poll=0, timeout=0)


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


def _pages(*pages: list[dict]):
    """Return a fake list call that answers one page per call, with a nextToken between them."""

    def list_things(nextToken: str | None = None, **kwargs):
        page = int(nextToken or 0)
        answer = {"things": pages[page], "ResponseMetadata": {}}
        if page + 1 < len(pages):
            answer["nextToken"] = str(page + 1)
        return answer

    return list_things


def test_find_by_name():
    list_things = _pages([{"name": "a", "arn": "1"}], [{"jobName": "b", "arn": "2"}])
    assert aws.find_by_name(list_things, "a")["arn"] == "1"
    assert aws.find_by_name(list_things, "b")["arn"] == "2"  # on the second page, as an import job's name


def test_find_by_name__missing():
    with pytest.raises(LookupError, match="lists no resource named 'c'"):
        aws.find_by_name(_pages([{"name": "a"}]), "c")

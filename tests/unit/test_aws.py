"""aws.wait_until_active polls a describe call until the resource reaches a wanted status."""

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

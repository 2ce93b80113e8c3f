"""Contract tests of the local STS."""

from __future__ import annotations

from tests.contract.conftest import assert_valid


def test_get_caller_identity(sts):
    answer = sts.get_caller_identity()
    assert_valid(sts, "GetCallerIdentity")
    assert answer["Account"] == "123456789012"
    assert answer["Arn"].startswith("arn:aws:iam::123456789012:")

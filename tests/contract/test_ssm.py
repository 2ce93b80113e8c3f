"""Contract tests of the local SSM Parameter Store."""

from __future__ import annotations

from helpers import aws
from helpers.localaws.engine import calllog
from tests.contract.conftest import assert_error, assert_valid


def test_put_parameter(ssm):
    assert ssm.put_parameter(Name="/a/b", Value="1", Type="String")["Version"] == 1
    assert_valid(ssm, "PutParameter")
    assert ssm.put_parameter(Name="/a/b", Value="2", Overwrite=True)["Version"] == 2
    assert ssm.get_parameter(Name="/a/b")["Parameter"]["Value"] == "2"


def test_put_parameter__already_exists(ssm):
    ssm.put_parameter(Name="/a/b", Value="1", Type="String")
    with_error = lambda: ssm.put_parameter(Name="/a/b", Value="2", Type="String")  # noqa: E731
    assert_error(with_error, "ParameterAlreadyExists", 400, "/a/b")
    assert ssm.get_parameter(Name="/a/b")["Parameter"]["Value"] == "1"


def test_get_parameter(ssm):
    ssm.put_parameter(Name="/a/b", Value="v", Type="String")
    answer = ssm.get_parameter(Name="/a/b")
    assert_valid(ssm, "GetParameter")
    assert answer["Parameter"]["Version"] == 1 and answer["Parameter"]["ARN"].endswith(":parameter/a/b")


def test_get_parameter__version_selector(ssm):
    """GetParameter's API reference: 'To query by parameter version, use "Name": "name:version".'"""
    ssm.put_parameter(Name="/a/b", Value="first", Type="SecureString")
    ssm.put_parameter(Name="/a/b", Value="second", Overwrite=True)
    answer = ssm.get_parameter(Name="/a/b:1", WithDecryption=True)["Parameter"]
    assert_valid(ssm, "GetParameter")
    assert (answer["Name"], answer["Value"], answer["Version"], answer["Selector"]) == (
        "/a/b",
        "first",
        1,
        ":1",
    )
    assert ssm.get_parameter(Name="/a/b:2", WithDecryption=True)["Parameter"]["Value"] == "second"
    found = ssm.get_parameters(Names=["/a/b:1", "/a/b:3"], WithDecryption=True)
    assert [p["Value"] for p in found["Parameters"]] == ["first"] and found["InvalidParameters"] == ["/a/b:3"]


def test_get_parameter__not_found(ssm):
    with __import__("pytest").raises(ssm.exceptions.ParameterNotFound):
        ssm.get_parameter(Name="/nope")
    assert_error(lambda: ssm.get_parameter(Name="/nope"), "ParameterNotFound", 400, "/nope")


def test_get_parameters(ssm):
    ssm.put_parameter(Name="/a/1", Value="x", Type="String")
    answer = ssm.get_parameters(Names=["/a/1", "/a/2"])
    assert_valid(ssm, "GetParameters")
    assert [p["Name"] for p in answer["Parameters"]] == ["/a/1"] and answer["InvalidParameters"] == ["/a/2"]


def test_get_parameters_by_path(ssm):
    for name in ("/app/x", "/app/y", "/app/deep/z", "/other/w"):
        ssm.put_parameter(Name=name, Value="v", Type="String")
    flat = ssm.get_parameters_by_path(Path="/app")
    assert_valid(ssm, "GetParametersByPath")
    assert sorted(p["Name"] for p in flat["Parameters"]) == ["/app/x", "/app/y"]
    pages = ssm.get_paginator("get_parameters_by_path").paginate(Path="/app", Recursive=True, MaxResults=1)
    assert sorted(p["Name"] for page in pages for p in page["Parameters"]) == [
        "/app/deep/z",
        "/app/x",
        "/app/y",
    ]


def test_delete_parameter(ssm):
    ssm.put_parameter(Name="/a", Value="v", Type="String")
    ssm.delete_parameter(Name="/a")
    assert_error(lambda: ssm.get_parameter(Name="/a"), "ParameterNotFound", 400)


def test_delete_parameter__not_found(ssm):
    assert_error(lambda: ssm.delete_parameter(Name="/a"), "ParameterNotFound", 400, "/a")


def test_delete_parameters(ssm):
    ssm.put_parameter(Name="/a", Value="v", Type="String")
    answer = ssm.delete_parameters(Names=["/a", "/b"])
    assert_valid(ssm, "DeleteParameters")
    assert answer["DeletedParameters"] == ["/a"] and answer["InvalidParameters"] == ["/b"]


def test_delete_parameters__all_found(ssm):
    for name in ("/a", "/b"):
        ssm.put_parameter(Name=name, Value="v", Type="String")
    answer = ssm.delete_parameters(Names=["/a", "/b"])
    assert_valid(ssm, "DeleteParameters")
    assert answer["DeletedParameters"] == ["/a", "/b"] and "InvalidParameters" not in answer
    assert ssm.get_parameters_by_path(Path="/", Recursive=True)["Parameters"] == []


def test_aws_parameter_helpers(state):
    assert aws.get_parameter("/x/y", default="none") == "none"
    assert aws.put_parameter("/x/y", "arn:1") == 1
    assert aws.put_parameter("/x/y", "arn:2") == 2
    assert aws.get_parameter("/x/y") == "arn:2"


def test_put_parameter__secure_string_is_encrypted_at_rest(ssm, state):
    secret = "hunter2-very-secret"
    ssm.put_parameter(Name="/app/password", Value=secret, Type="SecureString")
    # every file of the state folder: the database, its WAL, objects
    on_disk = b"".join(p.read_bytes() for p in state.root.rglob("*") if p.is_file())
    assert secret.encode() not in on_disk
    plain = ssm.get_parameter(Name="/app/password", WithDecryption=True)["Parameter"]
    assert plain["Value"] == secret and plain["Type"] == "SecureString"


def test_get_parameter__secure_string_without_decryption(ssm):
    ssm.put_parameter(Name="/app/password", Value="s3cret", Type="SecureString")
    cipher = ssm.get_parameter(Name="/app/password")["Parameter"]["Value"]
    by_path = ssm.get_parameters_by_path(Path="/app")["Parameters"][0]["Value"]
    many = ssm.get_parameters(Names=["/app/password"])["Parameters"][0]["Value"]
    assert cipher != "s3cret" and "s3cret" not in cipher
    assert by_path == many == cipher
    assert ssm.get_parameters_by_path(Path="/app", WithDecryption=True)["Parameters"][0]["Value"] == "s3cret"


def test_state_folder__owner_only(ssm, state):
    ssm.put_parameter(Name="/app/password", Value="s3cret", Type="SecureString")
    assert state.root.stat().st_mode & 0o777 == 0o700
    for name in ("secret.key", "state.sqlite"):
        assert (state.root / name).stat().st_mode & 0o777 == 0o600, name


def test_put_parameter__intelligent_tiering(ssm):
    small = ssm.put_parameter(Name="/t/small", Value="v", Type="String", Tier="Intelligent-Tiering")
    large = ssm.put_parameter(Name="/t/large", Value="v" * 5000, Type="String", Tier="Intelligent-Tiering")
    assert (small["Tier"], large["Tier"]) == ("Standard", "Advanced")


def test_put_parameter__advanced_cannot_be_downgraded(ssm):
    ssm.put_parameter(Name="/t/adv", Value="v", Type="String", Tier="Advanced")
    call = lambda: ssm.put_parameter(Name="/t/adv", Value="w", Tier="Standard", Overwrite=True)  # noqa: E731
    assert_error(call, "ValidationException", 400, "cannot be downgraded")
    assert ssm.get_parameter(Name="/t/adv")["Parameter"]["Value"] == "v"


def test_call_log__holds_no_secret(ssm, tmp_path, monkeypatch):
    """The call log redacts what the SSM model marks sensitive: a SecureString's value never
    reaches that plain file, whether sent or answered."""
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv(calllog.VARIABLE, str(log))
    ssm.put_parameter(Name="/shop/api-key", Value="hunter2-secret", Type="SecureString")
    ssm.get_parameter(Name="/shop/api-key", WithDecryption=True)
    ssm.get_parameters_by_path(Path="/shop", WithDecryption=True)
    assert "hunter2-secret" not in log.read_text()
    calls = calllog.read(log)
    assert [c["operation"] for c in calls] == ["PutParameter", "GetParameter", "GetParametersByPath"]
    assert calls[0]["params"]["Value"] == calls[1]["answer"]["Parameter"]["Value"] == calllog.REDACTED

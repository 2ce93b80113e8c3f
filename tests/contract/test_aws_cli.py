"""The AWS CLI's ``aws s3`` commands on the local backend (``helpers.localaws.aws.cli``).

AWS's sample notebooks create and empty buckets with shell lines (``!aws s3 mb s3://…``,
``!aws s3 rm --recursive s3://…``); those run in another process, which gets this command as
``aws`` and the same state folder.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from helpers.localaws.aws import cli


@pytest.fixture
def run(state, monkeypatch):
    monkeypatch.setenv("RECSYS_STATE_DIR", str(state.root))

    def call(*argv: str) -> tuple[int, str]:
        out = io.StringIO()
        return cli.run(list(argv), out=out), out.getvalue()

    return call


def test_mb_cp_ls_rm_rb(run, s3, tmp_path):
    assert run("s3", "mb", "s3://samples-bucket") == (0, "make_bucket: samples-bucket\n")
    local = tmp_path / "DEMO-sims.csv"
    local.write_text("USER_ID,ITEM_ID,TIMESTAMP\n1,2,3\n")
    status, text = run("s3", "cp", str(local), "s3://samples-bucket/in/")
    assert status == 0 and text.endswith("to s3://samples-bucket/in/DEMO-sims.csv\n")
    assert s3.get_object(Bucket="samples-bucket", Key="in/DEMO-sims.csv")["Body"].read() == local.read_bytes()
    status, text = run("s3", "ls", "s3://samples-bucket/in/")
    assert status == 0 and text.rstrip().endswith(" in/DEMO-sims.csv")
    status, text = run("s3", "cp", "s3://samples-bucket/in/DEMO-sims.csv", str(tmp_path / "back.csv"))
    assert status == 0 and (tmp_path / "back.csv").read_bytes() == local.read_bytes()
    assert run("s3", "rm", "--recursive", "s3://samples-bucket") == (
        0,
        "delete: s3://samples-bucket/in/DEMO-sims.csv\n",
    )
    assert run("s3", "rb", "s3://samples-bucket") == (0, "remove_bucket: samples-bucket\n")
    assert s3.list_buckets()["Buckets"] == []


def test_errors_name_the_aws_code(run, s3, capsys):
    run("s3", "mb", "s3://full")
    s3.put_object(Bucket="full", Key="a", Body=b"1")
    assert run("s3", "rb", "s3://full")[0] == 1
    assert "(BucketNotEmpty) when calling the DeleteBucket operation" in capsys.readouterr().err
    assert run("s3", "rb", "--force", "s3://full") == (0, "delete: s3://full/a\nremove_bucket: full\n")
    assert run("s3", "rm", "s3://missing/key")[0] == 1
    assert "(NoSuchBucket)" in capsys.readouterr().err
    assert run("s3", "mb", "bucket-without-scheme")[0] == cli.USAGE
    assert run("s3", "sync", ".", "s3://full")[0] == cli.USAGE
    assert "not emulated by the local backend" in capsys.readouterr().err
    assert run("sagemaker", "list-notebook-instances")[0] == cli.USAGE


def test_a_shell_line_reaches_the_same_state(state, s3):
    env = {**os.environ, "RECSYS_STATE_DIR": str(state.root)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "helpers.localaws.aws.cli",
            "s3",
            "mb",
            "s3://from-a-shell",
            "--region",
            "us-east-1",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["from-a-shell"]

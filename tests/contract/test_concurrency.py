"""Several processes on one state folder at once, as kernels and the storefront use it.

Bounded in time: a few hundred writes per process. The figures (writes, reads, seconds) are
printed with ``-s`` and asserted exactly where they can be: no write is lost, no read is torn.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import boto3

PROCESSES = 4
WRITES = 100
"""Each process writes WRITES parameters of its own and overwrites a shared one WRITES times."""
OVERWRITES = 200


def _run_all(root, code: str, *args: str, timeout: float = 120) -> list[str]:
    """Run ``code`` in PROCESSES processes at once on the state folder; return their outputs."""
    script = "import sys\nfrom helpers import aws\naws.activate('local', sys.argv[1])\n" + textwrap.dedent(
        code
    )
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(root), str(n), *args], stdout=subprocess.PIPE, text=True
        )
        for n in range(PROCESSES)
    ]
    outputs = [child.communicate(timeout=timeout)[0] for child in children]
    assert [child.returncode for child in children] == [0] * PROCESSES, outputs
    return outputs


def test_concurrent_writers__lose_nothing(state):
    code = f"""
    import boto3
    ssm, s3 = boto3.client("ssm"), boto3.client("s3")
    n = sys.argv[2]
    ssm.put_parameter(Name=f"/s/{{n}}", Value=f"secret-{{n}}", Type="SecureString")  # all race for the key
    for i in range({WRITES}):
        ssm.put_parameter(Name=f"/w/{{n}}/{{i}}", Value=str(i), Type="String")
        ssm.put_parameter(Name="/w/shared", Value=n, Type="String", Overwrite=True)
        s3.put_object(Bucket="writers", Key=f"{{n}}/{{i}}", Body=f"{{n}}:{{i}}".encode())
    """
    boto3.client("s3").create_bucket(Bucket="writers")
    start = time.monotonic()
    _run_all(state.root, code)
    seconds = time.monotonic() - start
    ssm, s3 = boto3.client("ssm"), boto3.client("s3")
    writes = PROCESSES * WRITES * 3
    print(f"\n{writes:,} writes by {PROCESSES} processes in {seconds:.1f} s")
    assert ssm.get_parameter(Name="/w/shared")["Parameter"]["Version"] == PROCESSES * WRITES
    pages = ssm.get_paginator("get_parameters_by_path").paginate(Path="/w", Recursive=True)
    assert sum(len(page["Parameters"]) for page in pages) == PROCESSES * WRITES + 1
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket="writers")
    assert sum(len(page["Contents"]) for page in pages) == PROCESSES * WRITES
    assert s3.get_object(Bucket="writers", Key=f"3/{WRITES - 1}")["Body"].read() == f"3:{WRITES - 1}".encode()
    secrets = [
        ssm.get_parameter(Name=f"/s/{n}", WithDecryption=True)["Parameter"]["Value"] for n in range(PROCESSES)
    ]
    assert secrets == [f"secret-{n}" for n in range(PROCESSES)], "the processes made different keys"


def test_concurrent_reader__never_sees_a_torn_object(state):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="torn")
    size = 256 * 1024
    s3.put_object(Bucket="torn", Key="obj", Body=b"a" * size)
    code = (
        "import sys, boto3\nfrom helpers import aws\naws.activate('local', sys.argv[1])\n"
        "s3 = boto3.client('s3')\n"
        f"for i in range({OVERWRITES}):\n"
        f"    s3.put_object(Bucket='torn', Key='obj', Body=bytes([98 + i % 20]) * {size})\n"
    )
    writer = subprocess.Popen([sys.executable, "-c", code, str(state.root)])
    reads = 0
    while writer.poll() is None:
        body = s3.get_object(Bucket="torn", Key="obj")["Body"].read()
        assert len(body) == size and body == body[:1] * size, "a read mixed two writes"
        reads += 1
    assert writer.returncode == 0
    print(f"\n{reads} whole reads during {OVERWRITES} overwrites")
    assert reads > 0

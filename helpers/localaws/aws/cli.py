"""The AWS CLI's ``aws s3`` commands, answered by the local backend.

Notebooks (AWS's own samples among them) run shell lines such as ``!aws s3 mb s3://bucket`` or
``!aws s3 rm --recursive s3://bucket``. The shell runs another process, which the in-process
botocore hooks never see; this module is the command to put on that process's ``PATH`` as ``aws``
(``python -m helpers.localaws.aws.cli``), with ``RECSYS_STATE_DIR`` naming the same state folder
(default ``data/localaws``, as ``helpers.aws.activate``).
It makes plain boto3 S3 calls on the local backend and prints what the AWS CLI prints.

High-level ``s3`` commands emulated: ``mb``, ``rb [--force]``, ``ls [s3://bucket[/prefix]]
[--recursive]``, ``rm s3://bucket/key [--recursive]``, ``cp`` between a local file and S3 (either
way, one object). Anything else exits with status 252 and names the command, as the CLI does for
an unknown command; nothing ever reaches AWS.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

USAGE = 252
"""The AWS CLI's exit status for a command line it cannot parse."""


def _split(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise ValueError(f"{uri!r} is not an S3 URI (s3://bucket/key)")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def _keys(s3, bucket: str, prefix: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [obj["Key"] for page in pages for obj in page.get("Contents", [])]


def run(argv: list[str], out=sys.stdout) -> int:
    """Run one ``aws`` command line (without the leading ``aws``); return its exit status."""
    import boto3
    import botocore.exceptions

    from helpers import localaws

    flags = {a for a in argv if a.startswith("--")}
    args = [a for a in argv if not a.startswith("--")]
    for option in ("--region", "--profile", "--endpoint-url"):  # options with a value: drop both
        if option in argv:
            value = argv[argv.index(option) + 1]
            args.remove(value)
            flags.discard(option)
    if len(args) < 2 or args[0] != "s3" or args[1] not in ("mb", "rb", "ls", "rm", "cp"):
        print(
            f"aws {' '.join(argv)}: not emulated by the local backend (aws s3 mb|rb|ls|rm|cp)",
            file=sys.stderr,
        )
        return USAGE
    for name, value in (
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ):
        os.environ.setdefault(name, value)
    localaws.install(os.environ.get("RECSYS_STATE_DIR") or "data/localaws")
    s3 = boto3.client("s3")
    command, rest = args[1], args[2:]
    try:
        if command == "mb":
            bucket, _ = _split(rest[0])
            s3.create_bucket(Bucket=bucket)
            print(f"make_bucket: {bucket}", file=out)
        elif command == "rb":
            bucket, _ = _split(rest[0])
            if "--force" in flags:
                for key in _keys(s3, bucket, ""):
                    s3.delete_object(Bucket=bucket, Key=key)
                    print(f"delete: s3://{bucket}/{key}", file=out)
            s3.delete_bucket(Bucket=bucket)
            print(f"remove_bucket: {bucket}", file=out)
        elif command == "ls":
            if not rest:
                for b in s3.list_buckets()["Buckets"]:
                    print(f"{b['CreationDate']:%Y-%m-%d %H:%M:%S} {b['Name']}", file=out)
            else:
                bucket, prefix = _split(rest[0])
                for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                    for obj in page.get("Contents", []):
                        print(
                            f"{obj['LastModified']:%Y-%m-%d %H:%M:%S} {obj['Size']:>10} {obj['Key']}",
                            file=out,
                        )
        elif command == "rm":
            bucket, key = _split(rest[0])
            for k in _keys(s3, bucket, key) if "--recursive" in flags else [key]:
                s3.delete_object(Bucket=bucket, Key=k)
                print(f"delete: s3://{bucket}/{k}", file=out)
        else:  # cp
            source, target = rest[0], rest[1]
            if source.startswith("s3://") and not target.startswith("s3://"):
                bucket, key = _split(source)
                path = Path(target) / key.rsplit("/", 1)[-1] if Path(target).is_dir() else Path(target)
                s3.download_file(bucket, key, str(path))
                print(f"download: {source} to {target}", file=out)
            elif target.startswith("s3://") and not source.startswith("s3://"):
                bucket, key = _split(target)
                key = key + Path(source).name if key == "" or key.endswith("/") else key
                s3.upload_file(source, bucket, key)
                print(f"upload: {source} to s3://{bucket}/{key}", file=out)
            else:
                print("aws s3 cp: only a local file to S3 or S3 to a local file is emulated", file=sys.stderr)
                return USAGE
    except botocore.exceptions.ClientError as error:
        operation = error.operation_name
        code, message = error.response["Error"]["Code"], error.response["Error"].get("Message", "")
        print(
            f"{command}_failed: An error occurred ({code}) when calling the {operation} operation: {message}",
            file=sys.stderr,
        )
        return 1
    except (ValueError, IndexError) as error:
        print(f"aws s3 {command}: {error or 'missing argument'}", file=sys.stderr)
        return USAGE
    return 0


def main() -> None:
    """Entry point: ``python -m helpers.localaws.aws.cli s3 mb s3://bucket``."""
    os.environ.setdefault("RECSYS_BACKEND", "local")
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()

"""Processes killed mid-work, as a learner's kernel is: no garbage, no half state, nothing stuck.

- SIGKILL in the middle of writing an S3 object: the object does not exist, and the next store
  to open the folder removes the dead writer's temp file.
- SIGKILL after an S3 object's body is in place but before its document is committed: the next
  store to open the folder removes the orphaned body.
- SIGKILL while a recommender's trained model is being written: the next Describe resumes the
  training, sweeps the dead trainer's temp file, and the recommender ends ACTIVE.
- A process that dies right after starting an import, and stays an unreaped zombie: a List
  call (not only Describe) recognises the dead owner, resumes the import and finishes it.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import boto3
import numpy as np
import pandas as pd

from helpers import localaws
from tests.contract import shop
from tests.contract.conftest import assert_error, wait_for

BUCKET = "crash-bucket"
ROLE = "arn:aws:iam::123456789012:role/personalize"
TIMEOUT = 60


def _child(code: str, root) -> subprocess.Popen:
    script = "import sys, time, boto3\nfrom helpers import aws\naws.activate('local', sys.argv[1])\n" + code
    return subprocess.Popen([sys.executable, "-c", script, str(root)], stdout=subprocess.PIPE, text=True)


def _poll(condition, what: str, timeout: float = TIMEOUT) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, f"{what} within {timeout} s"
        time.sleep(0.01)


def test_kill_mid_put_object__leaves_no_object_and_no_temp_file(state):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    code = (
        "class Slow:\n"
        "    def __init__(self): self.sent = 0\n"
        "    def read(self, n=-1):\n"
        "        self.sent += 1\n"
        "        print('writing', flush=True) if self.sent == 2 else None\n"
        "        time.sleep(0.05)\n"
        "        return b'x' * 65536\n"
        f"boto3.client('s3').put_object(Bucket='{BUCKET}', Key='big', Body=Slow())\n"
    )
    child = _child(code, state.root)
    try:
        assert child.stdout.readline().strip() == "writing"
        _poll(lambda: any((state.root / "tmp").iterdir()), "the child's temp file appears")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=TIMEOUT)
    left = [p.name for p in (state.root / "tmp").iterdir()]
    assert left and left[0].startswith(f"{child.pid}-")
    reopened = localaws.Store(state.root)  # what the next kernel does
    assert sorted(reopened.sweep_temp_files() + [p.name for p in (state.root / "tmp").iterdir()]) == []
    assert not any((state.root / "tmp").iterdir())
    assert_error(lambda: s3.head_object(Bucket=BUCKET, Key="big"), "404", 404)
    print(f"\nkilled writer {child.pid}: temp file {left[0][:20]}… removed, no object")


def test_kill_between_body_and_commit__the_orphaned_body_is_swept(state):
    """SIGKILL after PutObject renamed the body into objects/ but before the document naming it
    was committed: the next store to open the folder removes that body, and no other."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="kept", Body=b"committed")
    code = (
        "from helpers.localaws.aws import s3\n"
        "def stall(*args, **kwargs):\n"
        "    print('body written', flush=True)\n"
        "    time.sleep(TIMEOUT)\n"
        "s3._save_object = stall\n"
        f"boto3.client('s3').put_object(Bucket='{BUCKET}', Key='lost', Body=b'orphan')\n"
    ).replace("TIMEOUT", str(TIMEOUT))
    child = _child(code, state.root)
    try:
        assert child.stdout.readline().strip() == "body written"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=TIMEOUT)
    bodies = sorted(p.name for p in (state.root / "objects").glob("*/*"))
    orphans = [name for name in bodies if name.startswith(f"{child.pid}-")]
    assert len(bodies) == 2 and len(orphans) == 1
    reopened = localaws.Store(state.root)  # what the next kernel does
    assert [p.name for p in (state.root / "objects").glob("*/*")] == [n for n in bodies if n not in orphans]
    assert reopened.sweep_orphan_objects() == []
    assert s3.get_object(Bucket=BUCKET, Key="kept")["Body"].read() == b"committed"
    assert_error(lambda: s3.head_object(Bucket=BUCKET, Key="lost"), "404", 404)


def test_kill_mid_training__describe_resumes_it_and_sweeps_the_temp_file(state):
    personalize, s3 = boto3.client("personalize"), boto3.client("s3")
    group, _ = shop.make_group(personalize, s3, shop.rows())
    code = (
        "from helpers.localaws.personalize.training import usecases\n"
        "whole = usecases.to_bytes\n"
        "def slowly(model):\n"
        "    data = whole(model)\n"
        "    yield data[:100]\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(60)\n"
        "    yield data[100:]\n"
        "usecases.to_bytes = slowly\n"
        "print(boto3.client('personalize').create_recommender(name='killed', "
        f"datasetGroupArn='{group}', recipeArn='{shop.FOR_YOU}')['recommenderArn'], flush=True)\n"
        "time.sleep(60)\n"
    )
    child = _child(code, state.root)
    try:
        arn = child.stdout.readline().strip()
        assert child.stdout.readline().strip() == "writing"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=TIMEOUT)
    assert [p.name.split("-")[0] for p in (state.root / "tmp").iterdir()] == [str(child.pid)]
    assert state.get("recommender", arn)["status"] == "CREATE IN_PROGRESS"
    start = time.monotonic()
    recommender = wait_for(
        personalize.describe_recommender, "recommender", recommenderArn=arn, timeout=TIMEOUT
    )
    assert recommender["status"] == "ACTIVE", recommender.get("failureReason")
    assert not any((state.root / "tmp").iterdir())
    assert boto3.client("personalize-runtime").get_recommendations(recommenderArn=arn, userId="u1")[
        "itemList"
    ]
    print(f"\nkilled trainer {child.pid}: Describe resumed the training in {time.monotonic() - start:.1f} s")


def test_zombie_owner__list_resumes_the_import(state):
    personalize, s3 = boto3.client("personalize"), boto3.client("s3")
    group = personalize.create_dataset_group(name="crash", domain="ECOMMERCE")["datasetGroupArn"]
    wait_for(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    fields = [
        {"name": n, "type": t}
        for n, t in (
            ("USER_ID", "string"),
            ("ITEM_ID", "string"),
            ("TIMESTAMP", "long"),
            ("EVENT_TYPE", "string"),
        )
    ]
    schema = personalize.create_schema(
        name="crash",
        domain="ECOMMERCE",
        schema=json.dumps({"type": "record", "name": "Interactions", "fields": fields}),
    )["schemaArn"]
    dataset = personalize.create_dataset(
        name="crash", datasetType="Interactions", datasetGroupArn=group, schemaArn=schema
    )["datasetArn"]
    wait_for(personalize.describe_dataset, "dataset", datasetArn=dataset)
    n = 100_000
    frame = pd.DataFrame(
        {
            "USER_ID": [f"u{u}" for u in np.arange(n) % 1000],
            "ITEM_ID": [f"i{i}" for i in np.arange(n) % 300],
            "TIMESTAMP": 1_700_000_000 + np.arange(n),
            "EVENT_TYPE": "View",
        }
    )
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="events.csv", Body=frame.to_csv(index=False).encode())
    code = (
        "import os\n"
        "arn = boto3.client('personalize').create_dataset_import_job(jobName='orphan', "
        f"datasetArn='{dataset}', dataSource={{'dataLocation': 's3://{BUCKET}/events.csv'}}, "
        f"roleArn='{ROLE}')['datasetImportJobArn']\n"
        "print(arn, flush=True)\n"
        "os._exit(0)\n"  # dies with its import thread mid-way; the test does not reap it yet
    )
    child = _child(code, state.root)
    try:
        arn = child.stdout.readline().strip()
        _poll(lambda: _state_of(child.pid) in ("Z", None), "the child exits")
        assert _state_of(child.pid) == "Z", "the child should be an unreaped zombie"
        assert state.job_get(arn) is not None, "the import finished before its owner died"
        start = time.monotonic()

        def listed_active() -> bool:
            jobs = personalize.list_dataset_import_jobs(datasetArn=dataset)["datasetImportJobs"]
            return jobs[0]["status"] in ("ACTIVE", "CREATE FAILED")

        _poll(listed_active, "List resumes the orphaned import")  # never a Describe call
        seconds = time.monotonic() - start
    finally:
        child.wait(timeout=TIMEOUT)
    job = personalize.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"]
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert len(state.read_dataset(group, "Interactions")) == n
    assert state.job_get(arn) is None
    assert not any((state.root / "tmp").iterdir())
    print(f"\nzombie owner {child.pid}: List resumed the import of {n:,} rows in {seconds:.1f} s")


def _state_of(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return None

"""A small shop on a fresh local state, and the storefront served on it, for the HTTP and browser tests.

``build`` does through boto3 what notebooks 01-05 do, at a tenth of their size: 300 shoppers,
200 products and 100,000 events (1,119 purchases: every use case's minimum of 1,000 is met),
imported into an ECOMMERCE dataset group, the five recommenders trained and their ARNs in SSM,
and the event tracker the storefront sends to. It takes a few seconds.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from helpers import aws, config, datagen
from helpers.datagen import schemas
from helpers.storefront import server
from tests.contract.conftest import wait_for

N_USERS, N_ITEMS, N_INTERACTIONS = 300, 200, 100_000
ROLE = "arn:aws:iam::123456789012:role/storefront-tests"


def build(root: Path) -> Path:
    """Make the shop's state under ``root`` (``root/state``); return the state folder."""
    state = root / "state"
    aws.activate("local", state)
    rng = np.random.default_rng([config.SEED, 9])
    users = datagen.make_users(rng, N_USERS)
    items = datagen.make_items(rng, N_ITEMS, now=config.NOW, n_days=30)
    events = datagen.make_interactions(
        rng, users, items, now=config.NOW, n_interactions=N_INTERACTIONS, n_days=30
    )
    s3, personalize = aws.client("s3"), aws.client("personalize")
    bucket = aws.default_bucket()
    s3.create_bucket(Bucket=bucket)
    group = personalize.create_dataset_group(name=config.DATASET_GROUP_NAME, domain="ECOMMERCE")[
        "datasetGroupArn"
    ]
    wait_for(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    jobs = []
    for name, frame in (("INTERACTIONS", events), ("ITEMS", items), ("USERS", users)):
        key = f"{name.lower()}.csv"
        s3.put_object(
            Bucket=bucket, Key=key, Body=schemas.personalize_view(frame, name).to_csv(index=False).encode()
        )
        schema = personalize.create_schema(name=f"t-{name}", schema=schemas.as_json(name), domain="ECOMMERCE")
        dataset = personalize.create_dataset(
            name=f"t-{name}",
            datasetGroupArn=group,
            datasetType=name.capitalize(),
            schemaArn=schema["schemaArn"],
        )["datasetArn"]
        wait_for(personalize.describe_dataset, "dataset", datasetArn=dataset)
        jobs.append(
            personalize.create_dataset_import_job(
                jobName=f"t-{name}",
                datasetArn=dataset,
                dataSource={"dataLocation": f"s3://{bucket}/{key}"},
                roleArn=ROLE,
            )["datasetImportJobArn"]
        )
    for job in jobs:
        done = wait_for(personalize.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=job)
        assert done["status"] == "ACTIVE", done.get("failureReason")
    arns = {
        short: personalize.create_recommender(
            name=f"{config.PROJECT}-{short}",
            datasetGroupArn=group,
            recipeArn=f"arn:aws:personalize:::recipe/{recipe}",
        )["recommenderArn"]
        for short, recipe in config.USE_CASES.items()
    }
    for short, arn in arns.items():
        done = wait_for(personalize.describe_recommender, "recommender", recommenderArn=arn, timeout=120)
        assert done["status"] == "ACTIVE", done.get("failureReason")
        aws.put_parameter(config.ssm_name(short), arn)
    tracker = personalize.create_event_tracker(name=config.EVENT_TRACKER_NAME, datasetGroupArn=group)
    wait_for(personalize.describe_event_tracker, "eventTracker", eventTrackerArn=tracker["eventTrackerArn"])
    aws.put_parameter(config.ssm_name("event-tracker"), tracker["eventTrackerArn"])
    aws.put_parameter(config.SSM_TRACKING_ID, tracker["trackingId"])
    return state


@contextmanager
def serving(root: Path, state: Path):
    """Run the storefront on the shop of ``root`` on a free port of 127.0.0.1; yield its base URL."""
    env = {
        "RECSYS_STATE_DIR": str(state),
        "RECSYS_DATA_DIR": str(root / "data"),
        "RECSYS_BACKEND": "local",
        "WEB_CONCURRENCY": "1",
    }
    with server.running(env, timeout=60) as base:
        yield base


def as_json(text: str) -> dict:
    """Parse a JSON answer (a helper so that failures show the text)."""
    try:
        return json.loads(text)
    except ValueError as err:
        raise AssertionError(f"not JSON: {text[:300]}") from err

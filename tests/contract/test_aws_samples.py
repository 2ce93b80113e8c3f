"""The call sequences of AWS's own sample notebooks, replayed on small data.

``aws-samples/amazon-personalize-samples`` is how many users meet Personalize; its notebooks must
run on the local backend with nothing changed but their data. These tests replay (in our own
code, on the tiny shop of ``shop``) what three of them do that the series does not:

- the ECOMMERCE getting-started notebook writes its interactions with ``DataFrame.to_csv`` and its
  index (an unnamed first column), then creates two recommenders;
- the VIDEO_ON_DEMAND getting-started notebook creates a VIDEO_ON_DEMAND dataset group with users,
  items and ``watch`` interactions, lists the domain's recipes, and asks More like X and Top picks
  for you;
- the samples on measuring impact, user segmentation and updating datasets give their role a
  customer managed policy (CreatePolicy, AttachRolePolicy) and delete it at the end; their item
  files write ``creation_timestamp`` in lower case, and older samples send PutEvents with
  ``itemId`` in ``properties``.
"""

from __future__ import annotations

import io
import json

import pandas as pd

from tests.contract import shop
from tests.contract.conftest import wait_for

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "personalize.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def _frame(rename_events: dict | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(shop.rows(), columns=["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"])
    return frame.replace({"EVENT_TYPE": rename_events}) if rename_events else frame


def _put(s3, key: str, frame: pd.DataFrame, index: bool) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=index)
    s3.put_object(Bucket=shop.BUCKET, Key=key, Body=buffer.getvalue().encode())
    return f"s3://{shop.BUCKET}/{key}"


def _dataset(personalize, group: str, kind: str, fields: list[dict], domain: str | None) -> str:
    body = json.dumps({"type": "record", "name": kind, "namespace": "com.amazonaws.personalize.schema",
                       "fields": fields, "version": "1.0"})  # fmt: skip
    extra = {"domain": domain} if domain else {}
    schema = personalize.create_schema(name=f"{group[-6:]}-{kind}", schema=body, **extra)["schemaArn"]
    arn = personalize.create_dataset(name=kind, datasetType=kind, datasetGroupArn=group, schemaArn=schema)[
        "datasetArn"
    ]
    wait_for(personalize.describe_dataset, "dataset", datasetArn=arn)
    return arn


def _import(personalize, dataset: str, location: str, role: str) -> dict:
    arn = personalize.create_dataset_import_job(
        jobName=location.rsplit("/", 1)[-1].replace(".", "-"),
        datasetArn=dataset,
        dataSource={"dataLocation": location},
        roleArn=role,
    )["datasetImportJobArn"]
    return wait_for(personalize.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=arn)


def _group(personalize, name: str, domain: str | None) -> str:
    arn = personalize.create_dataset_group(name=name, **({"domain": domain} if domain else {}))[
        "datasetGroupArn"
    ]
    wait_for(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=arn)
    return arn


INTERACTION_FIELDS = [
    {"name": "USER_ID", "type": "string"},
    {"name": "ITEM_ID", "type": "string"},
    {"name": "TIMESTAMP", "type": "long"},
    {"name": "EVENT_TYPE", "type": "string"},
]


def test_ecommerce_getting_started(personalize, s3, iam):
    s3.create_bucket(Bucket=shop.BUCKET)
    role = iam.create_role(RoleName="PersonalizeRole", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"][
        "Arn"
    ]
    iam.attach_role_policy(RoleName="PersonalizeRole", PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    group = _group(personalize, "ecommerce-sample", "ECOMMERCE")
    dataset = _dataset(personalize, group, "Interactions", INTERACTION_FIELDS, "ECOMMERCE")
    job = _import(personalize, dataset, _put(s3, "cleaned_training_data.csv", _frame(), index=True), role)
    assert job["status"] == "ACTIVE", job.get("failureReason")  # the unnamed index column is ignored
    for name, recipe in (("viewed", shop.ALSO_VIEWED), ("for-you", shop.FOR_YOU)):
        found = shop.create_recommender(personalize, group, recipe, name)
        assert found["status"] == "ACTIVE", found.get("failureReason")


def test_video_on_demand_getting_started(personalize, personalize_runtime, s3, iam):
    s3.create_bucket(Bucket=shop.BUCKET)
    role = iam.create_role(RoleName="PersonalizeRole", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"][
        "Arn"
    ]
    group = _group(personalize, "vod-sample", "VIDEO_ON_DEMAND")
    watches = _frame({"View": "watch", "Purchase": "watch"})
    items = pd.DataFrame({"ITEM_ID": sorted(set(watches.ITEM_ID))})
    items["GENRES"] = items.ITEM_ID.map(shop.category)
    users = pd.DataFrame({"USER_ID": sorted(set(watches.USER_ID)), "GENDER": "F"})
    for kind, fields, frame in (
        ("Interactions", INTERACTION_FIELDS, watches),
        (
            "Items",
            [
                {"name": "ITEM_ID", "type": "string"},
                {"name": "GENRES", "type": "string", "categorical": True},
            ],
            items,
        ),
        (
            "Users",
            [
                {"name": "USER_ID", "type": "string"},
                {"name": "GENDER", "type": "string", "categorical": True},
            ],
            users,
        ),
    ):
        dataset = _dataset(personalize, group, kind, fields, "VIDEO_ON_DEMAND")
        job = _import(personalize, dataset, _put(s3, f"{kind}.csv", frame, index=False), role)
        assert job["status"] == "ACTIVE", job.get("failureReason")
    recipes = personalize.list_recipes(domain="VIDEO_ON_DEMAND")["recipes"]
    assert {"aws-vod-more-like-x", "aws-vod-top-picks"} <= {r["name"] for r in recipes}
    arns = {}
    for name in ("more-like-x", "top-picks"):
        found = shop.create_recommender(
            personalize, group, f"arn:aws:personalize:::recipe/aws-vod-{name}", name
        )
        assert found["status"] == "ACTIVE", found.get("failureReason")
        arns[name] = found["recommenderArn"]
    like = personalize_runtime.get_recommendations(
        recommenderArn=arns["more-like-x"], userId="u1", itemId="a1"
    )
    picks = personalize_runtime.get_recommendations(recommenderArn=arns["top-picks"], userId="u1")
    assert like["itemList"] and picks["itemList"]


def test_customer_policy_lower_case_header_and_older_events(personalize, personalize_events, s3, iam):
    s3.create_bucket(Bucket=shop.BUCKET)
    bucket = f"arn:aws:s3:::{shop.BUCKET}"
    statement = {
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": [bucket, bucket + "/*"],
    }
    document = {"Version": "2012-10-17", "Statement": [statement]}
    policy = iam.create_policy(PolicyName="PersonalizeS3", PolicyDocument=json.dumps(document))["Policy"][
        "Arn"
    ]
    role = iam.create_role(RoleName="PersonalizeRole", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"][
        "Arn"
    ]
    iam.attach_role_policy(RoleName="PersonalizeRole", PolicyArn=policy)
    group = _group(personalize, "custom-sample", None)
    interactions = _dataset(personalize, group, "Interactions", INTERACTION_FIELDS, None)
    items_fields = [{"name": "ITEM_ID", "type": "string"}, {"name": "CREATION_TIMESTAMP", "type": "long"}]
    items = _dataset(personalize, group, "Items", items_fields, None)
    assert (
        _import(personalize, interactions, _put(s3, "i.csv", _frame(), index=False), role)["status"]
        == "ACTIVE"
    )
    catalogue = pd.DataFrame({"ITEM_ID": sorted(set(_frame().ITEM_ID)), "creation_timestamp": shop.T0})
    job = _import(personalize, items, _put(s3, "items.csv", catalogue, index=False), role)
    assert job["status"] == "ACTIVE", job.get("failureReason")
    tracker = personalize.create_event_tracker(name="t", datasetGroupArn=group)
    wait_for(personalize.describe_event_tracker, "eventTracker", eventTrackerArn=tracker["eventTrackerArn"])
    personalize_events.put_events(trackingId=tracker["trackingId"], userId="u1", sessionId="s1", eventList=[
        {"eventType": "View", "sentAt": shop.T0, "properties": json.dumps({"itemId": "a1"})}
    ])  # fmt: skip
    iam.detach_role_policy(RoleName="PersonalizeRole", PolicyArn=policy)
    iam.delete_policy(PolicyArn=policy)
    iam.delete_role(RoleName="PersonalizeRole")
    assert iam.list_policies(Scope="Local")["Policies"] == []

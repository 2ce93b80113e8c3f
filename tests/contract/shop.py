"""A tiny hand-made shop for the recommender and runtime contract tests, where the answers are known.

- 40 shoppers: ``u0``–``u19`` view only category A items (``a0``–``a19``), ``u20``–``u39`` only
  category B items (``b0``–``b19``), 25 views each in one visit;
- in a later visit every shopper views ``x`` then ``y`` (so they are each other's co-view);
- then ``u0``–``u29`` buy ``p1``, ``u0``–``u19`` buy ``p2``, ``u0``–``u9`` buy ``p3``, each
  ``REORDERS`` times: ``p1`` sells best and is most often bought with ``p2``;
- ``x`` and ``y`` are the most viewed items (40 views each, every other item 25).

That is 1,080 ``View`` and 1,020 ``Purchase`` events: every use case's minimum of 1,000 events of
its type is met (``with_count`` trims the shop to a given count, to test the minimums).
"""

from __future__ import annotations

import json

from tests.contract.conftest import wait_for

BUCKET = "shop-bucket"
ROLE = "arn:aws:iam::123456789012:role/personalize"
RECIPE = "arn:aws:personalize:::recipe/aws-ecomm-"
MOST_VIEWED = RECIPE + "popular-items-by-views"
BEST_SELLERS = RECIPE + "popular-items-by-purchases"
ALSO_VIEWED = RECIPE + "customers-who-viewed-x-also-viewed"
BOUGHT_TOGETHER = RECIPE + "frequently-bought-together"
FOR_YOU = RECIPE + "recommended-for-you"
T0 = 1_700_000_000
REORDERS = 17
"""Times a shopper buys each of its items: (30 + 20 + 10) × 17 = 1,020 ``Purchase`` events."""
N_VIEWS = 40 * 27
N_PURCHASES = 60 * REORDERS
MINIMUM = 1_000
"""Events of its type each ECOMMERCE use case needs at minimum."""


def schema() -> str:
    """The Interactions schema (EVENT_TYPE is required in the ECOMMERCE domain)."""
    fields = [
        {"name": "USER_ID", "type": "string"},
        {"name": "ITEM_ID", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
        {"name": "EVENT_TYPE", "type": "string"},
    ]
    return json.dumps({"type": "record", "name": "Interactions", "fields": fields, "version": "1.0"})


def rows(purchases: bool = True) -> list[tuple[str, str, int, str]]:
    """The shop's interactions as ``(user, item, timestamp, event type)``."""
    out = []
    for u in range(40):
        base, cat = T0 + u * 7_200, "a" if u < 20 else "b"
        out += [(f"u{u}", f"{cat}{(u + k) % 20}", base + k * 60, "View") for k in range(25)]
        out += [(f"u{u}", "x", base + 3_600, "View"), (f"u{u}", "y", base + 3_660, "View")]
        bought = [item for item, last in (("p1", 30), ("p2", 20), ("p3", 10)) if u < last]
        if purchases:
            out += [
                (f"u{u}", item, base + 6_000 + (r * 3 + i) * 10, "Purchase")
                for r in range(REORDERS)
                for i, item in enumerate(bought)
            ]
    return out


def buy(item: str, times: int = REORDERS) -> list[tuple[str, str, int, str]]:
    """Every shopper buys ``item`` ``times`` times, after all its other events."""
    return [
        (f"u{u}", item, T0 + u * 7_200 + 7_000 + r * 10, "Purchase") for u in range(40) for r in range(times)
    ]


def with_count(
    data: list[tuple[str, str, int, str]], event_type: str, n: int
) -> list[tuple[str, str, int, str]]:
    """``data`` keeping only its first ``n`` events of ``event_type`` (and every other event)."""
    kept, out = 0, []
    for row in data:
        if row[3] == event_type:
            if kept == n:
                continue
            kept += 1
        out.append(row)
    assert kept == n, f"the data has only {kept} {event_type} events"
    return out


def to_csv(data: list[tuple[str, str, int, str]]) -> bytes:
    """CSV bytes with the schema's header."""
    lines = ["USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE"] + [",".join(map(str, r)) for r in data]
    return "\n".join(lines).encode()


def import_csv(
    personalize,
    s3,
    dataset_arn: str,
    body: bytes,
    name: str,
    *,
    mode: str = "FULL",
    key: str | None = None,
    bucket: str = BUCKET,
) -> dict:
    """Upload a CSV to local S3 (``<name>.csv`` by default), import it, and return the finished job."""
    key = key or f"{name}.csv"
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    arn = personalize.create_dataset_import_job(
        jobName=name,
        datasetArn=dataset_arn,
        dataSource={"dataLocation": f"s3://{bucket}/{key}"},
        roleArn=ROLE,
        importMode=mode,
    )["datasetImportJobArn"]
    return wait_for(personalize.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=arn)


def import_interactions(
    personalize, s3, dataset_arn: str, data, name: str = "shop", mode: str = "FULL"
) -> None:
    """Import ``data`` into the dataset; it must end ACTIVE."""
    job = import_csv(personalize, s3, dataset_arn, to_csv(data), name, mode=mode)
    assert job["status"] == "ACTIVE", job.get("failureReason")


def make_group(
    personalize, s3, data=None, name: str = "shop", domain: str | None = "ECOMMERCE"
) -> tuple[str, str]:
    """An ACTIVE dataset group with an Interactions dataset holding ``data`` (none if empty).

    Returns:
        ``(dataset group ARN, Interactions dataset ARN)``.
    """
    kwargs = {"domain": domain} if domain else {}
    group = personalize.create_dataset_group(name=name, **kwargs)["datasetGroupArn"]
    wait_for(personalize.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    schema_arn = personalize.create_schema(name=f"{name}-interactions", schema=schema(), **kwargs)[
        "schemaArn"
    ]
    dataset = personalize.create_dataset(
        name=f"{name}-interactions", datasetType="Interactions", datasetGroupArn=group, schemaArn=schema_arn
    )["datasetArn"]
    wait_for(personalize.describe_dataset, "dataset", datasetArn=dataset)
    if data:
        if BUCKET not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
            s3.create_bucket(Bucket=BUCKET)
        import_interactions(personalize, s3, dataset, data, name=f"{name}-import")
    return group, dataset


def create_recommender(personalize, group: str, recipe: str, name: str, **kwargs) -> dict:
    """Create a recommender and wait until it is ACTIVE or CREATE FAILED; return its description."""
    arn = personalize.create_recommender(name=name, datasetGroupArn=group, recipeArn=recipe, **kwargs)[
        "recommenderArn"
    ]
    return wait_for(personalize.describe_recommender, "recommender", recommenderArn=arn)


def create_active_recommenders(personalize, group: str, recipes: dict[str, str]) -> dict[str, str]:
    """Create one recommender per ``name → recipe`` and wait for each; return ``name → ARN``."""
    arns = {}
    for name, recipe in recipes.items():
        rec = create_recommender(personalize, group, recipe, name)
        assert rec["status"] == "ACTIVE", rec.get("failureReason")
        arns[name] = rec["recommenderArn"]
    return arns


def items_schema() -> str:
    """A custom Items schema: ``ITEM_ID`` and a categorical ``CATEGORY``."""
    fields = [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "CATEGORY", "type": "string", "categorical": True},
    ]
    return json.dumps({"type": "record", "name": "Items", "fields": fields, "version": "1.0"})


def category(item: str) -> str:
    """An item's category: ``A`` for ``a0``–``a19``, ``B`` for ``b0``–``b19``, ``X`` for ``x``
    and ``y``, ``P`` for ``p1``–``p3``."""
    return {"a": "A", "b": "B", "x": "X", "y": "X", "p": "P"}[item[0]]


def add_items(personalize, s3, group: str, name: str = "shop") -> str:
    """Give a custom dataset group an Items dataset with every shop item's category; return its ARN."""
    schema_arn = personalize.create_schema(name=f"{name}-items", schema=items_schema())["schemaArn"]
    dataset = personalize.create_dataset(
        name=f"{name}-items", datasetType="Items", datasetGroupArn=group, schemaArn=schema_arn
    )["datasetArn"]
    wait_for(personalize.describe_dataset, "dataset", datasetArn=dataset)
    items = sorted({r[1] for r in rows()})
    body = "\n".join(["ITEM_ID,CATEGORY"] + [f"{i},{category(i)}" for i in items]).encode()
    job = import_csv(personalize, s3, dataset, body, f"{name}-items-import")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    return dataset

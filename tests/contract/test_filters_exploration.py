"""Filters on Recommended for you while it explores new items, those streamed with PutItems included.

Uses the synthetic shop of ``tests.contract.test_realtime`` (15 % new products, exploration on).
"""

from __future__ import annotations

import json

from tests.contract.conftest import _client, wait_for
from tests.contract.test_realtime import NOW, shop_, synthetic  # noqa: F401 (fixtures)


def _filter(name: str, expression: str, group: str) -> str:
    personalize = _client("personalize")
    arn = personalize.create_filter(name=name, datasetGroupArn=group, filterExpression=expression)[
        "filterArn"
    ]
    return wait_for(personalize.describe_filter, "filter", filterArn=arn)["filterArn"]


def test_explored_items_pass_the_filter(shop_):  # noqa: F811
    """A launched product (PutItems) is explored only while the filter lets it through."""
    personalize, runtime = _client("personalize"), _client("personalize-runtime")
    group = personalize.describe_recommender(recommenderArn=shop_["you"])["recommender"]["datasetGroupArn"]
    items = shop_["items"]
    target = items[~items.IS_NEW].CATEGORY_L1.value_counts().index[0]
    props = {"price": 20.99, "categoryL1": target, "categoryL2": None, "productName": "Gadget",
             "productDescription": f"A brand-new {target} product.", "gender": "U", "promoted": "N",
             "creationTimestamp": NOW}  # fmt: skip
    _client("personalize-events").put_items(
        datasetArn=shop_["items_arn"], items=[{"itemId": "launch-2", "properties": json.dumps(props)}]
    )
    seen = items[(items.CATEGORY_L1 == target) & ~items.IS_NEW].ITEM_ID[:5]
    views = [{"eventType": "View", "itemId": i, "sentAt": NOW + k} for k, i in enumerate(seen)]
    _client("personalize-events").put_events(
        trackingId=shop_["trackingId"], userId="filtered-browser", sessionId="fb", eventList=views
    )
    category = dict(zip(items.ITEM_ID, items.CATEGORY_L1, strict=True)) | {"launch-2": target}

    def ids(**kw) -> list[str]:
        answer = runtime.get_recommendations(
            recommenderArn=shop_["you"], userId="filtered-browser", numResults=25, **kw
        )
        return [i["itemId"] for i in answer["itemList"]]

    assert "launch-2" in ids()
    only = _filter("only-target", "INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ($CAT)", group)
    kept = ids(filterArn=only, filterValues={"CAT": json.dumps(target)})
    assert "launch-2" in kept and {category[i] for i in kept} == {target}
    assert len(kept) == min(25, int((items.CATEGORY_L1 == target).sum()) + 1)  # all of them, if fewer
    dear = _filter("not-cheap", "EXCLUDE ItemID WHERE Items.PRICE < 25", group)
    price = dict(zip(items.ITEM_ID, items.PRICE, strict=True))
    got = ids(filterArn=dear)
    assert "launch-2" not in got and len(got) == 25 and min(price[i] for i in got) >= 25

"""Contract tests of local Personalize filters: Create/Describe/List/DeleteFilter, filtered recommendations.

The shop (``tests.contract.shop``) gets an Items dataset (category ``A`` for ``a0``–``a19``,
``B`` for ``b0``–``b19``, ``C`` for ``x``/``y``, ``D`` for ``p1``–``p3``; prices below) and a
Users dataset (``u0``–``u19`` are 45, the others 25).
"""

from __future__ import annotations

import json
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import aws, localaws
from helpers.localaws.engine import jobs
from tests.contract import shop
from tests.contract.conftest import _client, assert_error, assert_valid, wait_for

ITEM_FIELDS = [
    {"name": "ITEM_ID", "type": "string"},
    {"name": "PRICE", "type": "float"},
    {"name": "CATEGORY_L1", "type": "string", "categorical": True},
    {"name": "ON_SALE", "type": "boolean"},
    {"name": "DESCRIPTION", "type": "string", "textual": True},
]
USER_FIELDS = [{"name": "USER_ID", "type": "string"}, {"name": "AGE", "type": "int"}]


def _price(item: str) -> float:
    """``a<i>`` costs 10 + i, ``b<i>`` 50 + i, ``x``/``y`` 5, ``p<i>`` 100 × i."""
    if item[0] in "ab":
        return (10 if item[0] == "a" else 50) + int(item[1:])
    return 5.0 if item in ("x", "y") else 100.0 * int(item[1:])


CATEGORY = {**{f"a{i}": "A" for i in range(20)}, **{f"b{i}": "B" for i in range(20)}}
CATEGORY.update(x="C", y="C", p1="D", p2="D", p3="D")


def _dataset(personalize, s3, group: str, kind: str, fields: list[dict], lines: list[str]) -> None:
    schema = json.dumps({"type": "record", "name": kind, "fields": fields, "version": "1.0"})
    schema_arn = personalize.create_schema(name=f"shop-{kind.lower()}", schema=schema, domain="ECOMMERCE")[
        "schemaArn"
    ]
    ds = personalize.create_dataset(
        name=f"shop-{kind.lower()}", datasetType=kind, datasetGroupArn=group, schemaArn=schema_arn
    )["datasetArn"]
    wait_for(personalize.describe_dataset, "dataset", datasetArn=ds)
    header = ",".join(f["name"] for f in fields)
    job = shop.import_csv(personalize, s3, ds, "\n".join([header, *lines]).encode(), f"shop-{kind.lower()}")
    assert job["status"] == "ACTIVE", job.get("failureReason")


def add_items(personalize, s3, group: str) -> None:
    """Import the shop's Items (``CATEGORY``, prices, a flag and a description) into the group."""
    items = [
        f"{i},{_price(i)},{c},{str(i.startswith('a')).lower()},nice {c} thing" for i, c in CATEGORY.items()
    ]
    _dataset(personalize, s3, group, "Items", ITEM_FIELDS, items)


@pytest.fixture(scope="module")
def shop_state(tmp_path_factory):
    """The shop with Items and Users, three recommenders; built once for the module."""
    root = tmp_path_factory.mktemp("filters") / "state"
    aws.activate("local", root)
    personalize, s3 = _client("personalize"), _client("s3")
    group, _ = shop.make_group(personalize, s3, shop.rows())
    add_items(personalize, s3, group)
    _dataset(
        personalize, s3, group, "Users", USER_FIELDS, [f"u{u},{45 if u < 20 else 25}" for u in range(40)]
    )
    recipes = {"you": shop.FOR_YOU, "cwv": shop.ALSO_VIEWED, "best": shop.BEST_SELLERS}
    yield root, {"group": group, **shop.create_active_recommenders(personalize, group, recipes)}
    jobs.wait_idle(30)


def _filter(client, arns, expression: str, name: str | None = None) -> str:
    """An ACTIVE filter of the shop's group with this expression (created once per name)."""
    name = name or f"f{zlib.crc32(expression.encode())}"
    arn = next((f["filterArn"] for f in client.list_filters()["Filters"] if f["name"] == name), None)
    if arn is None:
        arn = client.create_filter(name=name, datasetGroupArn=arns["group"], filterExpression=expression)[
            "filterArn"
        ]
    assert wait_for(client.describe_filter, "filter", filterArn=arn)["status"] == "ACTIVE"
    return arn


def _ids(runtime, arn: str, **kw) -> list[str]:
    answer = runtime.get_recommendations(recommenderArn=arn, **kw)
    assert_valid(runtime, "GetRecommendations")
    return [i["itemId"] for i in answer["itemList"]]


# --- CreateFilter, DescribeFilter ---------------------------------------------------------------
def test_create_filter(client, arns):
    expression = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Purchase")'
    arn = client.create_filter(name="no-repeats", datasetGroupArn=arns["group"], filterExpression=expression)[
        "filterArn"
    ]
    assert arn.endswith(":filter/no-repeats")
    assert_valid(client, "CreateFilter")
    first = client.describe_filter(filterArn=arn)["filter"]
    assert first["status"] in ("CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE")
    done = wait_for(client.describe_filter, "filter", filterArn=arn)
    assert_valid(client, "DescribeFilter")
    assert done["status"] == "ACTIVE" and done["filterExpression"] == expression
    assert done["datasetGroupArn"] == arns["group"] and done["name"] == "no-repeats"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ('EXCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("x"', "character 47: expected ',' or ')'"),
        ("INCLUDE ItemID WHERE Items.COLOUR IN ($C)", "Items has no field COLOUR"),
        ('INCLUDE ItemID WHERE Items.ON_SALE IN ("true")', "boolean fields cannot be filtered"),
        ('INCLUDE ItemID WHERE Items.DESCRIPTION IN ("nice")', "textual fields"),
        ("INCLUDE ItemID WHERE Items.CATEGORY_L1 < 3", "compares numbers; Items.CATEGORY_L1 is a string"),
        ('INCLUDE ItemID WHERE Items.PRICE IN ("3")', "IN matches strings; Items.PRICE is a number"),
        ("INCLUDE ItemID WHERE Interactions.ITEM_ID IN ($X)", "character 22: Interactions filters use only"),
        ('INCLUDE ItemID WHERE Items.PRICE < 3 IF CurrentUser.TIER IN ("x")', "Users has no field TIER"),
    ],
)
def test_create_filter__invalid_expression(client, arns, expression, message):
    before = client.list_filters()["Filters"]

    def call():
        client.create_filter(name="bad", datasetGroupArn=arns["group"], filterExpression=expression)

    response = assert_error(call, "InvalidInputException", 400, message)
    assert expression in response["Error"]["Message"]
    assert client.list_filters()["Filters"] == before


def test_create_filter__already_exists(client, arns):
    _filter(client, arns, 'INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("A")', name="only-a")
    call = lambda: client.create_filter(  # noqa: E731
        name="only-a", datasetGroupArn=arns["group"], filterExpression="INCLUDE ItemID WHERE Items.PRICE < 3"
    )
    assert_error(call, "ResourceAlreadyExistsException", 400, "only-a")
    found = [f for f in client.list_filters()["Filters"] if f["name"] == "only-a"]
    assert len(found) == 1
    described = client.describe_filter(filterArn=found[0]["filterArn"])["filter"]
    assert "CATEGORY_L1" in described["filterExpression"]


def test_create_filter__needs_the_dataset(personalize, s3):
    group, _ = shop.make_group(personalize, s3, name="bare")
    call = lambda: personalize.create_filter(  # noqa: E731
        name="f", datasetGroupArn=group, filterExpression='INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("A")'
    )
    assert_error(call, "InvalidInputException", 400, "needs a Items dataset")
    assert personalize.list_filters(datasetGroupArn=group)["Filters"] == []


def test_create_filter__twenty_fields_per_group(personalize, s3):
    """Amazon Personalize endpoints and quotas: 10 distinct dataset fields per filter, 20 across the
    filters of a dataset group; a new field past 20 is refused, fields already used are not."""
    group, _ = shop.make_group(personalize, s3, name="wide", domain=None)
    fields = [{"name": "ITEM_ID", "type": "string"}] + [{"name": f"F{i}", "type": "float"} for i in range(21)]
    schema = json.dumps({"type": "record", "name": "Items", "fields": fields, "version": "1.0"})
    schema_arn = personalize.create_schema(name="wide-items", schema=schema)["schemaArn"]
    personalize.create_dataset(
        name="wide-items", datasetType="Items", datasetGroupArn=group, schemaArn=schema_arn
    )

    def create(name: str, numbers: range) -> dict:
        expression = "INCLUDE ItemID WHERE " + " AND ".join(f"Items.F{i} != 1" for i in numbers)
        return personalize.create_filter(name=name, datasetGroupArn=group, filterExpression=expression)

    create("first-ten", range(10))
    create("next-ten", range(10, 20))
    assert_error(lambda: create("one-more", range(20, 21)), "InvalidInputException", 400, "21 distinct")
    create("reuses-old-fields", range(5, 15))
    names = sorted(f["name"] for f in personalize.list_filters(datasetGroupArn=group)["Filters"])
    assert names == ["first-ten", "next-ten", "reuses-old-fields"]


def test_create_filter__group_not_found(client, arns):
    missing = arns["group"] + "-nope"
    call = lambda: client.create_filter(  # noqa: E731
        name="f", datasetGroupArn=missing, filterExpression="INCLUDE ItemID WHERE Items.PRICE < 3"
    )
    assert_error(call, "ResourceNotFoundException", 400, missing)


def test_create_filter__bad_name_and_tags(client, arns):
    expression = "INCLUDE ItemID WHERE Items.PRICE < 3"
    call = lambda **kw: client.create_filter(datasetGroupArn=arns["group"], filterExpression=expression, **kw)  # noqa: E731
    assert_error(lambda: call(name="-bad"), "InvalidInputException", 400, "name")
    tags = [{"tagKey": f"k{i}", "tagValue": "v"} for i in range(51)]
    assert_error(lambda: call(name="tagged", tags=tags), "TooManyTagsException", 400, "51")
    assert not [f for f in client.list_filters()["Filters"] if f["name"] in ("-bad", "tagged")]


def test_describe_filter__not_found(client, arns):
    missing = arns["group"].replace("dataset-group", "filter") + "-nope"
    assert_error(lambda: client.describe_filter(filterArn=missing), "ResourceNotFoundException", 400, missing)


# --- ListFilters, DeleteFilter ------------------------------------------------------------------
def test_list_filters(personalize, s3):
    group, _ = shop.make_group(personalize, s3, name="listed")
    other, _ = shop.make_group(personalize, s3, name="other")
    for g, names in ((group, ("f1", "f2", "f3")), (other, ("g1",))):
        for name in names:
            personalize.create_filter(
                name=name,
                datasetGroupArn=g,
                filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")',
            )
    page = personalize.list_filters(datasetGroupArn=group, maxResults=2)
    assert_valid(personalize, "ListFilters")
    assert [f["name"] for f in page["Filters"]] == ["f3", "f2"] and "filterExpression" not in page["Filters"][
        0
    ]
    rest = personalize.list_filters(datasetGroupArn=group, maxResults=2, nextToken=page["nextToken"])
    assert [f["name"] for f in rest["Filters"]] == ["f1"] and "nextToken" not in rest
    assert {f["name"] for f in personalize.list_filters()["Filters"]} == {"f1", "f2", "f3", "g1"}
    assert_error(lambda: personalize.list_filters(nextToken="nope"), "InvalidNextTokenException", 400, "nope")


def test_delete_filter(personalize, s3):
    group, dataset = shop.make_group(personalize, s3, name="deleting")
    expression = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("View")'
    arn = personalize.create_filter(name="gone", datasetGroupArn=group, filterExpression=expression)[
        "filterArn"
    ]
    wait_for(personalize.describe_filter, "filter", filterArn=arn)
    personalize.delete_dataset(datasetArn=dataset)
    jobs.wait_idle(10)
    in_use = lambda: personalize.delete_dataset_group(datasetGroupArn=group)  # noqa: E731
    assert_error(in_use, "ResourceInUseException", 400, "still has filters")
    personalize.delete_filter(filterArn=arn)
    assert_valid(personalize, "DeleteFilter")
    jobs.wait_idle(10)
    assert personalize.list_filters(datasetGroupArn=group)["Filters"] == []
    assert_error(lambda: personalize.describe_filter(filterArn=arn), "ResourceNotFoundException", 400, arn)
    assert_error(lambda: personalize.delete_filter(filterArn=arn), "ResourceNotFoundException", 400, arn)


def test_delete_filter__in_progress(personalize, s3, state):
    group, _ = shop.make_group(personalize, s3, name="busy")
    expression = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("View")'
    arn = personalize.create_filter(name="busy", datasetGroupArn=group, filterExpression=expression)[
        "filterArn"
    ]
    wait_for(personalize.describe_filter, "filter", filterArn=arn)
    state.update("filter", arn, {"status": "CREATE IN_PROGRESS"})  # as while its creation runs
    assert_error(
        lambda: personalize.delete_filter(filterArn=arn), "ResourceInUseException", 400, "CREATE IN_PROGRESS"
    )
    assert personalize.describe_filter(filterArn=arn)["filter"]["status"] == "CREATE IN_PROGRESS"


# --- GetRecommendations with a filter -----------------------------------------------------------
def test_include_a_category_chosen_at_request_time(client, runtime, arns):
    f = _filter(client, arns, "INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ($CAT)")
    for category in ("A", "B"):
        got = _ids(
            runtime,
            arns["you"],
            userId="u0",
            numResults=15,
            filterArn=f,
            filterValues={"CAT": json.dumps(category)},
        )
        assert len(got) == 15 and {CATEGORY[i] for i in got} == {category}
    both = _ids(
        runtime, arns["you"], userId="u0", numResults=500, filterArn=f, filterValues={"CAT": '"A","C"'}
    )
    assert {CATEGORY[i] for i in both} == {"A", "C"} and len(both) == 22


def test_exclude_what_the_shopper_bought(client, runtime, arns):
    f = _filter(client, arns, 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")')  # any case
    assert _ids(runtime, arns["best"], userId="u0", numResults=3) == ["p1", "p2", "p3"]
    got = _ids(runtime, arns["best"], userId="u0", numResults=5, filterArn=f)
    assert len(got) == 5 and not {"p1", "p2", "p3"} & set(got)
    assert _ids(runtime, arns["best"], userId="u35", numResults=1, filterArn=f) == ["p1"]  # u35 bought none


def test_keep_items_under_a_price(client, runtime, arns):
    f = _filter(
        client,
        arns,
        'INCLUDE ItemID WHERE Items.PRICE < $MAX | EXCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("C")',
    )
    got = _ids(runtime, arns["you"], userId="u25", numResults=500, filterArn=f, filterValues={"MAX": "15"})
    assert sorted(got) == ["a0", "a1", "a2", "a3", "a4"]  # x and y (5.0) are category C


def test_not_equal(client, runtime, arns):
    """``!=`` compares numbers, as the guide's "Filter expression structure and elements" lists."""
    f = _filter(client, arns, 'INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("C", "A") AND Items.PRICE != 5')
    got = _ids(runtime, arns["you"], userId="u25", numResults=500, filterArn=f)
    assert got and set(got) <= {f"a{i}" for i in range(20)}  # x and y cost 5


def test_current_item(client, runtime, arns):
    f = _filter(
        client,
        arns,
        "INCLUDE ItemID WHERE Items.CATEGORY_L1 IN CurrentItem.CATEGORY_L1 "
        "AND Items.PRICE > CurrentItem.PRICE",
    )
    got = _ids(runtime, arns["cwv"], itemId="a10", numResults=500, filterArn=f)
    assert sorted(got) == sorted(f"a{i}" for i in range(11, 20))
    assert_error(
        lambda: runtime.get_recommendations(recommenderArn=arns["you"], userId="u0", filterArn=f),
        "InvalidInputException",
        400,
        "CurrentItem",
    )


def test_current_user_condition(client, runtime, arns):
    f = _filter(
        client, arns, 'EXCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("A", "B") IF CurrentUser.AGE >= $AGE'
    )
    old = _ids(runtime, arns["you"], userId="u1", numResults=500, filterArn=f, filterValues={"AGE": "40"})
    assert {CATEGORY[i] for i in old} == {"C"}  # u1 is 45 (and bought every D item)
    young = _ids(runtime, arns["you"], userId="u30", numResults=500, filterArn=f, filterValues={"AGE": "40"})
    assert young == _ids(runtime, arns["you"], userId="u30", numResults=500)
    unset = _ids(runtime, arns["you"], userId="u1", numResults=500, filterArn=f)  # EXCLUDE: values optional
    assert unset == _ids(runtime, arns["you"], userId="u1", numResults=500)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (None, "filterValues must give CAT"),
        ({"CAT": "A"}, "must be JSON values separated by commas"),
        ({"CAT": ",".join(['"A"'] * 101)}, "101 values; at most 100"),
        ({"CAT": '"A"', "OTHER": '"B"'}, "OTHER, which is not a parameter"),
        ({"CAT": "[1]"}, "values are strings or numbers"),
    ],
)
def test_filter_values__invalid(client, runtime, arns, values, message):
    f = _filter(client, arns, "INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ($CAT)")
    kwargs = {"filterValues": values} if values is not None else {}
    call = lambda: runtime.get_recommendations(recommenderArn=arns["you"], userId="u0", filterArn=f, **kwargs)  # noqa: E731
    assert_error(call, "InvalidInputException", 400, message)


def test_filter_values__not_a_number(client, runtime, arns):
    f = _filter(client, arns, "INCLUDE ItemID WHERE Items.PRICE < $MAX")
    call = lambda: runtime.get_recommendations(  # noqa: E731
        recommenderArn=arns["you"], userId="u0", filterArn=f, filterValues={"MAX": '"cheap"'}
    )
    assert_error(call, "InvalidInputException", 400, "needs a number")


def test_filter__invalid_requests(client, runtime, arns):
    get = runtime.get_recommendations
    missing = arns["group"].replace("dataset-group", "filter") + "-nope"
    assert_error(
        lambda: get(recommenderArn=arns["you"], userId="u0", filterArn=missing),
        "ResourceNotFoundException",
        404,
        missing,
    )
    only_values = lambda: get(recommenderArn=arns["you"], userId="u0", filterValues={"CAT": '"A"'})  # noqa: E731
    assert_error(only_values, "InvalidInputException", 400, "give filterArn")
    segment = _filter(client, arns, "INCLUDE UserID WHERE Users.AGE > 30")
    assert_error(
        lambda: get(recommenderArn=arns["you"], userId="u0", filterArn=segment),
        "InvalidInputException",
        400,
        "user segments",
    )


def test_filter__of_another_group_or_not_active(client, runtime, arns):
    other, _ = shop.make_group(client, _client("s3"), name="other-shop")
    expression = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("View")'
    foreign = _filter(client, {"group": other}, expression, name="foreign")
    get = runtime.get_recommendations
    call = lambda: get(recommenderArn=arns["you"], userId="u0", filterArn=foreign)  # noqa: E731
    assert_error(call, "InvalidInputException", 400, "belongs to dataset group")
    mine = _filter(client, arns, expression, name="busy-filter")
    localaws.store().update("filter", mine, {"status": "CREATE IN_PROGRESS"})  # as while it is created
    call = lambda: get(recommenderArn=arns["you"], userId="u0", filterArn=mine)  # noqa: E731
    assert_error(call, "InvalidInputException", 400, "CREATE IN_PROGRESS, not ACTIVE")


def test_create_filter__group_not_active(personalize, s3, state):
    group, _ = shop.make_group(personalize, s3, name="pending")
    state.update("dataset-group", group, {"status": "CREATE IN_PROGRESS"})  # as while it is created
    call = lambda: personalize.create_filter(  # noqa: E731
        name="early",
        datasetGroupArn=group,
        filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")',
    )
    assert_error(call, "InvalidInputException", 400, "not ACTIVE")
    assert personalize.list_filters()["Filters"] == []


def test_streamed_events_and_users_count_at_once(client, runtime, arns):
    """A purchase sent with PutEvents, and a user sent with PutUsers, change the next filtered list."""
    personalize, events = _client("personalize"), _client("personalize-events")
    tracker = personalize.create_event_tracker(name="filters-tracker", datasetGroupArn=arns["group"])
    wait_for(personalize.describe_event_tracker, "eventTracker", eventTrackerArn=tracker["eventTrackerArn"])
    bought = _filter(client, arns, 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Purchase")')
    assert _ids(runtime, arns["best"], userId="u35", numResults=1, filterArn=bought) == ["p1"]
    sent = {"eventType": "Purchase", "itemId": "p1", "sentAt": shop.T0 + 40 * 7_200}
    events.put_events(trackingId=tracker["trackingId"], userId="u35", sessionId="s-35", eventList=[sent])
    assert _ids(runtime, arns["best"], userId="u35", numResults=1, filterArn=bought) == ["p2"]
    adults = _filter(client, arns, 'INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("C") IF CurrentUser.AGE > 60')
    assert len(_ids(runtime, arns["you"], userId="newcomer", numResults=500, filterArn=adults)) > 2
    users_ds = arns["group"].replace(":dataset-group/", ":dataset/") + "/USERS"
    events.put_users(
        datasetArn=users_ds, users=[{"userId": "newcomer", "properties": json.dumps({"AGE": 70})}]
    )
    assert sorted(_ids(runtime, arns["you"], userId="newcomer", numResults=500, filterArn=adults)) == [
        "x",
        "y",
    ]


def test_put_items_changes_the_next_filtered_list(client, runtime, arns):
    """An item whose metadata PutItems changes is filtered by its new metadata at the next
    request of the same recommender (what serving keeps is rebuilt when the data changes)."""
    only_c = _filter(client, arns, 'INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("C")')
    assert sorted(_ids(runtime, arns["best"], userId="u0", numResults=500, filterArn=only_c)) == ["x", "y"]
    items_ds = arns["group"].replace(":dataset-group/", ":dataset/") + "/ITEMS"

    def put_a1(category: str) -> None:
        properties = {"PRICE": _price("a1"), "CATEGORY_L1": category, "ON_SALE": True, "DESCRIPTION": "nice"}
        _client("personalize-events").put_items(
            datasetArn=items_ds, items=[{"itemId": "a1", "properties": json.dumps(properties)}]
        )

    put_a1("C")
    try:
        got = _ids(runtime, arns["best"], userId="u0", numResults=500, filterArn=only_c)
        assert sorted(got) == ["a1", "x", "y"]
    finally:
        put_a1(CATEGORY["a1"])  # the newest row wins: a1 is back in its category
    assert sorted(_ids(runtime, arns["best"], userId="u0", numResults=500, filterArn=only_c)) == ["x", "y"]


def test_a_filter_recreated_under_its_name_filters_by_its_new_expression(client, runtime, arns):
    """Deleting a filter and creating one of the same name (and so ARN) changes what it keeps."""
    first = _filter(client, arns, 'INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("C")', name="reused")
    assert sorted(_ids(runtime, arns["best"], userId="u0", numResults=500, filterArn=first)) == ["x", "y"]
    client.delete_filter(filterArn=first)
    jobs.wait_idle(10)
    call = lambda: runtime.get_recommendations(recommenderArn=arns["best"], userId="u0", filterArn=first)  # noqa: E731
    assert_error(call, "ResourceNotFoundException", 404, first)
    second = _filter(client, arns, 'INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("D")', name="reused")
    assert second == first
    got = _ids(runtime, arns["best"], userId="u0", numResults=500, filterArn=second)
    assert sorted(got) == ["p1", "p2", "p3"]


# --- property: a filter never returns an excluded item ------------------------------------------
_CONDITIONS = st.one_of(
    st.tuples(
        st.just("CATEGORY_L1"),
        st.sampled_from(["IN", "NOT IN"]),
        st.sets(st.sampled_from("ABCD"), min_size=1),
    ),
    st.tuples(st.just("PRICE"), st.sampled_from(["<", "<=", ">", ">=", "="]), st.integers(0, 320)),
)
_EXPRESSIONS = st.tuples(
    st.sampled_from(["INCLUDE", "EXCLUDE"]), st.lists(_CONDITIONS, min_size=1, max_size=3)
)


def _text(expressions) -> str:
    def condition(field, op, value):
        if field == "PRICE":
            return f"Items.PRICE {op} {value}"
        return f"Items.CATEGORY_L1 {op} ({', '.join(json.dumps(v) for v in sorted(value))})"

    return " | ".join(
        f"{action} ItemID WHERE " + " AND ".join(condition(*c) for c in conditions)
        for action, conditions in expressions
    )


def _passes(expressions, item: str) -> bool:
    ops = {"<": float.__lt__, "<=": float.__le__, ">": float.__gt__, ">=": float.__ge__, "=": float.__eq__}

    def holds(field, op, value):
        if field == "PRICE":
            return ops[op](float(_price(item)), float(value))
        return (CATEGORY[item] in value) == (op == "IN")

    matched = [(action, all(holds(*c) for c in conditions)) for action, conditions in expressions]
    includes = [m for action, m in matched if action == "INCLUDE"]
    return (not includes or any(includes)) and not any(m for action, m in matched if action == "EXCLUDE")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    expressions=st.lists(_EXPRESSIONS, min_size=1, max_size=3),
    user=st.sampled_from(["u0", "u25", "u39", "new"]),
)
def test_property__recommendations_pass_the_filter(client, runtime, arns, expressions, user):
    """Whatever the filter, every recommended item passes it, and every passing item is recommended."""
    f = _filter(client, arns, _text(expressions))
    got = _ids(runtime, arns["you"], userId=user, numResults=500, filterArn=f)
    bought = {f"p{i}" for i, last in ((1, 30), (2, 20), (3, 10)) if user != "new" and int(user[1:]) < last}
    assert sorted(got) == sorted(i for i in CATEGORY if _passes(expressions, i) and i not in bought)

"""Unit and property tests of the filter expression language (tokenizer, parser, checks, evaluator)."""

from __future__ import annotations

import json
import operator

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.localaws.personalize import filter_expressions as fx

SCHEMAS = {
    "Items": {
        "ITEM_ID": fx.STRING,
        "CATEGORY": fx.STRING,
        "GENRES": fx.STRING,
        "PRICE": fx.NUMBER,
        "STOCK": fx.NUMBER,
        "ON_SALE": fx.BOOLEAN,
        "DESCRIPTION": fx.TEXTUAL,
    },
    "Users": {"USER_ID": fx.STRING, "AGE": fx.NUMBER, "TIER": fx.STRING},
    "Interactions": {"USER_ID": fx.STRING, "ITEM_ID": fx.STRING, "EVENT_TYPE": fx.STRING},
}
ITEMS = pd.DataFrame(
    {
        "CATEGORY": ["shoe", "shoe", "hat", None, "hat"],
        "GENRES": ["a|b", "b", "c", "a", None],
        "PRICE": [10.0, 25.0, 5.0, np.nan, 99.0],
        "STOCK": [0, 3, 7, 1, 2],
    },
    index=pd.Index(["i0", "i1", "i2", "i3", "i4"]),
)
EVENTS = pd.DataFrame({"ID": ["i0", "i1", "i1"], "EVENT_TYPE": ["View", "View", "Purchase"]})


def _compiled(text: str) -> fx.Filter:
    return fx.check_fields(fx.parse(text), SCHEMAS)


def _passing(text: str, values: dict | None = None, **context) -> list[str]:
    parsed = _compiled(text)
    ctx = fx.Context(ITEMS, EVENTS, categorical={"GENRES"}, **context)
    mask = fx.evaluate(parsed, fx.bind(parsed, values), ctx)
    return ITEMS.index[mask].tolist()


# --- tokenizer ------------------------------------------------------------------------------
def test_tokenize_keeps_positions_and_values():
    tokens = fx.tokenize('Items.PRICE <= -2.5 IN ("a \\"b\\"", $P_1) | x')
    assert [(t.kind, t.position) for t in tokens] == [
        ("WORD", 0), (".", 5), ("WORD", 6), ("OP", 12), ("NUMBER", 15), ("WORD", 20), ("(", 23),
        ("STRING", 24), (",", 33), ("PARAM", 35), (")", 39), ("|", 41), ("WORD", 43), ("END", 44),
    ]  # fmt: skip
    assert tokens[4].value == -2.5 and tokens[7].value == 'a "b"' and tokens[9].value == "P_1"


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ('Items.A IN ("open', 12, "not closed"),
        ("Items.A ! 3", 8, "'!' (use != or NOT IN)"),
        ("Items.A IN ('x')", 12, "double quotes"),
        ("Items.A < $", 10, "parameter name"),
        ("Items.A < 1.2.3", 10, "not a number"),
        ("Items.A < 12abc", 10, "run into letters"),
    ],
)
def test_tokenize__errors(text, position, reason):
    with pytest.raises(fx.FilterExpressionError) as info:
        fx.tokenize(text)
    assert info.value.position == position and reason in info.value.reason
    assert f"character {position + 1}" in str(info.value)


# --- parser ---------------------------------------------------------------------------------
def test_parse_in_not_in_and_precedence():
    parsed = fx.parse(
        'exclude itemid where ITEMS.category IN ("a", $C) OR Items.X NOT IN ("b") AND Items.Y = 3'
    )
    (e,) = parsed.expressions
    assert (e.action, e.target) == ("EXCLUDE", "ItemID")
    first, second = e.where  # AND binds tighter than OR
    assert [(c.field.dataset, c.field.name, c.operator) for c in first] == [("Items", "category", "IN")]
    assert first[0].values == (fx.Literal("a", 40), fx.Param("C", 45))
    assert [c.operator for c in second] == ["NOT IN", "="] and second[1].values == (fx.Literal(3.0, 87),)


@pytest.mark.parametrize("op", ["<", "<=", ">", ">=", "="])
def test_parse_comparisons(op):
    (c,) = fx.parse(f"INCLUDE ItemID WHERE Items.PRICE {op} ($MAX)").expressions[0].where[0]
    assert c.operator == op and c.values == (fx.Param("MAX", 35 + len(op)),)


def test_parse_interactions_current_item_current_user_and_chains():
    parsed = fx.parse(
        "INCLUDE ItemID WHERE Items.PRICE < CurrentItem.PRICE AND Items.GENRES IN CurrentItem.GENRES "
        "IF CurrentUser.AGE > 18 AND CurrentUser.TIER = $TIER "
        '| EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")'
    )
    include, exclude = parsed.expressions
    assert [v for c in include.where[0] for v in c.values] == [
        fx.Field("CurrentItem", "PRICE", 35),
        fx.Field("CurrentItem", "GENRES", 73),
    ]
    assert [(c.field.name, c.operator) for c in include.condition] == [("AGE", ">"), ("TIER", "=")]
    assert exclude.where[0][0].field == fx.Field("Interactions", "EVENT_TYPE", 168)
    assert parsed.parameters() == {"TIER": "INCLUDE"} and parsed.uses("CurrentItem")
    assert parsed.target == "ItemID"


def test_parse_user_segments():
    parsed = fx.parse(
        'INCLUDE UserID WHERE Users.TIER IN ($T) | EXCLUDE UserID WHERE Interactions.EVENT_TYPE IN ("x")'
    )
    assert parsed.target == "UserID" and [e.action for e in parsed.expressions] == ["INCLUDE", "EXCLUDE"]


def test_parameters_of_include_and_exclude():
    parsed = fx.parse("EXCLUDE ItemID WHERE Items.A IN ($X, $Y) | INCLUDE ItemID WHERE Items.B IN ($Y)")
    assert parsed.parameters() == {"X": "EXCLUDE", "Y": "INCLUDE"}


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ("", 0, "expected INCLUDE or EXCLUDE, found the end"),
        ("KEEP ItemID WHERE Items.A IN ($A)", 0, "expected INCLUDE or EXCLUDE, found 'KEEP'"),
        ("INCLUDE ActionID WHERE Items.A IN ($A)", 8, "expected ItemID or UserID"),
        ("INCLUDE ItemID Items.A IN ($A)", 15, "expected WHERE"),
        ("INCLUDE ItemID WHERE A IN ($A)", 21, "expected a dataset field"),
        ("INCLUDE ItemID WHERE Items A", 27, "expected '.'"),
        ("INCLUDE ItemID WHERE Items.A", 28, "expected IN, NOT IN or one of"),
        ("INCLUDE ItemID WHERE Items.A NOT ($A)", 33, "expected IN after NOT"),
        ('INCLUDE ItemID WHERE Items.A IN "a"', 32, "expected '('"),
        ('INCLUDE ItemID WHERE Items.A IN ("a" "b")', 37, "expected ',' or ')'"),
        ("INCLUDE ItemID WHERE Items.A IN (3)", 33, "IN matches strings"),
        ("INCLUDE ItemID WHERE Items.A IN ()", 33, "expected a double-quoted string"),
        ("INCLUDE ItemID WHERE Items.A < ", 31, "expected a number, a $PARAMETER"),
        ('INCLUDE ItemID WHERE Items.A < "3"', 31, "compares numbers"),
        ("INCLUDE ItemID WHERE Items.A NOT IN ($A)", 37, "NOT IN takes no parameters"),
        ('INCLUDE ItemID WHERE Items.A IN ("a") Items.B', 38, "expected AND, OR, IF"),
        ('INCLUDE ItemID WHERE Items.A IN ("a") |', 39, "expected INCLUDE or EXCLUDE"),
        ("INCLUDE ItemID WHERE Users.A IN ($A)", 21, "ItemID expressions filter by Items or Interactions"),
        ("INCLUDE UserID WHERE Items.A IN ($A)", 21, "UserID expressions filter by Users or Interactions"),
        ("INCLUDE ItemID WHERE CurrentUser.A IN ($A)", 21, "only in an IF condition"),
        ("INCLUDE ItemID WHERE CurrentItem.A IN ($A)", 21, "only as the value of an Items condition"),
        (
            'INCLUDE ItemID WHERE Items.A IN ("a") AND Interactions.EVENT_TYPE IN ("x")',
            42,
            "dataset of the first",
        ),
        ("INCLUDE ItemID WHERE Interactions.ITEM_ID IN ($A)", 21, "only EVENT_TYPE"),
        ("INCLUDE ItemID WHERE Interactions.EVENT_TYPE = 3", 45, "takes IN or NOT IN"),
        ('INCLUDE ItemID WHERE Items.A IN ("*")', 33, '"*" (any event type)'),
        ("INCLUDE ItemID WHERE Items.A < 3 IF Items.B > 2", 36, "CurrentUser fields only"),
        ("INCLUDE ItemID WHERE Items.A < 3 IF CurrentUser.B > 2 OR CurrentUser.C > 1", 54, "AND only"),
        ('INCLUDE ItemID WHERE Items.A < 3 IF CurrentUser.B > "x"', 52, "compares numbers"),
        ("INCLUDE UserID WHERE Users.A < 3 IF CurrentUser.B > 2", 33, "item (ItemID) expressions only"),
        ("INCLUDE UserID WHERE Users.A < CurrentItem.A", 29, "CurrentItem values compare Items fields only"),
        ("INCLUDE ItemID WHERE Items.A < 3 | INCLUDE UserID WHERE Users.A < 3", 35, "filter the same thing"),
        (  # Amazon Personalize endpoints and quotas: at most 10 distinct dataset fields per filter
            "INCLUDE ItemID WHERE " + " AND ".join(f"Items.F{i} < 1" for i in range(11)),
            191,
            "at most 10 distinct dataset fields; Items.F10 is the 11th",
        ),
    ],
)
def test_parse__errors(text, position, reason):
    with pytest.raises(fx.FilterExpressionError) as info:
        fx.parse(text)
    assert info.value.position == position, info.value
    assert reason in info.value.reason


def test_five_fields_counting_current_item_as_items():
    fx.parse(
        "INCLUDE ItemID WHERE Items.A < CurrentItem.A AND Items.B < 1 | EXCLUDE ItemID WHERE Items.a < 2"
    )


# --- schema checks --------------------------------------------------------------------------
def test_check_fields_spells_fields_as_the_schema():
    parsed = _compiled('INCLUDE ItemID WHERE items.category IN ("hat") IF currentuser.age > 3')
    assert parsed.expressions[0].where[0][0].field.name == "CATEGORY"
    assert parsed.expressions[0].condition[0].field.name == "AGE"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("INCLUDE ItemID WHERE Items.COLOR IN ($C)", "Items has no field COLOR (its schema has"),
        ('INCLUDE ItemID WHERE Items.ON_SALE IN ("1")', "boolean fields cannot be filtered"),
        ('INCLUDE ItemID WHERE Items.DESCRIPTION IN ("x")', "textual fields"),
        ('INCLUDE ItemID WHERE Items.PRICE IN ("3")', "IN matches strings; Items.PRICE is a number"),
        ("INCLUDE ItemID WHERE Items.CATEGORY > 3", "> compares numbers; Items.CATEGORY is a string"),
        ("INCLUDE ItemID WHERE Items.PRICE < CurrentItem.CATEGORY", "number field but CurrentItem.CATEGORY"),
        ('INCLUDE ItemID WHERE Items.PRICE < 3 IF CurrentUser.AGE = "x"', "compare it with a number"),
    ],
)
def test_check_fields__errors(text, reason):
    with pytest.raises(fx.FilterExpressionError, match="Invalid filter expression") as info:
        _compiled(text)
    assert reason in info.value.reason


def test_check_fields__missing_dataset():
    with pytest.raises(fx.FilterExpressionError) as info:
        fx.check_fields(
            fx.parse("INCLUDE ItemID WHERE Items.PRICE < 3 IF CurrentUser.AGE > 1"),
            {"Items": SCHEMAS["Items"]},
        )
    assert info.value.position == 40 and "needs a Users dataset" in info.value.reason


def test_string_equality_in_if():
    _compiled('INCLUDE ItemID WHERE Items.PRICE < 3 IF CurrentUser.TIER = "gold"')


# --- filterValues ---------------------------------------------------------------------------
def test_bind():
    parsed = fx.parse("INCLUDE ItemID WHERE Items.A IN ($A) AND Items.P < $P")
    assert fx.bind(parsed, {"A": '"x", "y\\"z"', "P": "25"}) == {"A": ("x", 'y"z'), "P": (25.0,)}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "filterValues must give A"),
        ({"A": "x"}, "must be JSON values separated by commas"),
        ({"A": ""}, "is empty"),
        ({"A": ",".join(['"x"'] * 101)}, "101 values; at most 100"),
        ({"A": "true"}, "values are strings or numbers"),
        ({"A": '"x"', "B": '"y"'}, "B, which is not a parameter of the filter (its parameters: A)"),
    ],
)
def test_bind__errors(values, message):
    with pytest.raises(fx.FilterValuesError, match=message.replace("(", r"\(").replace(")", r"\)")):
        fx.bind(fx.parse("INCLUDE ItemID WHERE Items.A IN ($A)"), values)


def test_bind__exclude_parameters_are_optional():
    assert fx.bind(fx.parse("EXCLUDE ItemID WHERE Items.A IN ($A)"), None) == {}


# --- evaluation -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "values", "passing"),
    [
        ('INCLUDE ItemID WHERE Items.CATEGORY IN ("shoe")', None, ["i0", "i1"]),
        ('EXCLUDE ItemID WHERE Items.CATEGORY IN ("shoe")', None, ["i2", "i3", "i4"]),
        ('INCLUDE ItemID WHERE Items.CATEGORY NOT IN ("shoe")', None, ["i2", "i3", "i4"]),  # missing: not in
        ("INCLUDE ItemID WHERE Items.CATEGORY IN ($C)", {"C": '"hat","shoe"'}, ["i0", "i1", "i2", "i4"]),
        ('INCLUDE ItemID WHERE Items.GENRES IN ("a")', None, ["i0", "i3"]),  # categorical: a|b holds a
        ("INCLUDE ItemID WHERE Items.PRICE < 25", None, ["i0", "i2"]),  # NaN price never compares
        ("INCLUDE ItemID WHERE Items.PRICE <= 25", None, ["i0", "i1", "i2"]),
        ("INCLUDE ItemID WHERE Items.PRICE > $P", {"P": "25"}, ["i4"]),
        ("INCLUDE ItemID WHERE Items.PRICE >= $P", {"P": '"25"'}, ["i1", "i4"]),  # a quoted number
        ("INCLUDE ItemID WHERE Items.STOCK = 0", None, ["i0"]),
        ("INCLUDE ItemID WHERE Items.PRICE != 25", None, ["i0", "i2", "i4"]),  # NaN price: not even !=
        (
            'INCLUDE ItemID WHERE Items.CATEGORY IN ("hat") AND Items.PRICE < 50 OR Items.STOCK = 3',
            None,
            ["i1", "i2"],
        ),
        ('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")', None, ["i0", "i2", "i3", "i4"]),
        ('INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")', None, ["i0", "i1"]),
        ('INCLUDE ItemID WHERE Interactions.EVENT_TYPE NOT IN ("View")', None, ["i2", "i3", "i4"]),
        (
            'INCLUDE ItemID WHERE Items.CATEGORY IN ("shoe") | INCLUDE ItemID WHERE Items.PRICE > 90 '
            '| EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Purchase")',
            None,
            ["i0", "i4"],
        ),
        ("EXCLUDE ItemID WHERE Items.CATEGORY IN ($C)", None, ["i0", "i1", "i2", "i3", "i4"]),  # not used
    ],
)
def test_evaluate(text, values, passing):
    assert _passing(text, values) == passing


def test_evaluate_current_item_and_user():
    text = "INCLUDE ItemID WHERE Items.CATEGORY IN CurrentItem.CATEGORY AND Items.PRICE > CurrentItem.PRICE"
    assert _passing(text, current_item={"CATEGORY": "shoe", "PRICE": 10.0}) == ["i1"]
    assert _passing(text, current_item={"CATEGORY": None, "PRICE": 10.0}) == []
    genres = "INCLUDE ItemID WHERE Items.GENRES IN CurrentItem.GENRES"
    assert _passing(genres, current_item={"GENRES": "b|c"}) == ["i0", "i1", "i2"]
    old = (
        'EXCLUDE ItemID WHERE Items.CATEGORY IN ("shoe") '
        'IF CurrentUser.AGE > $AGE AND CurrentUser.TIER = "gold"'
    )
    assert _passing(old, {"AGE": "30"}, current_user={"AGE": 40, "TIER": "gold"}) == ["i2", "i3", "i4"]
    everything = ["i0", "i1", "i2", "i3", "i4"]
    assert _passing(old, {"AGE": "30"}, current_user={"AGE": 20, "TIER": "gold"}) == everything
    assert _passing(old, {"AGE": "30"}, current_user=None) == everything
    include = 'INCLUDE ItemID WHERE Items.CATEGORY IN ("hat") IF CurrentUser.TIER IN ("gold")'
    assert _passing(include, current_user={"TIER": "silver"}) == everything  # the IF fails: not applied


def test_evaluate__not_a_number():
    with pytest.raises(fx.FilterValuesError, match="needs a number"):
        _passing("INCLUDE ItemID WHERE Items.PRICE < $P", {"P": '"cheap"'})


def test_evaluate_user_segments():
    users = pd.DataFrame({"AGE": [20, 40, 60]}, index=pd.Index(["u0", "u1", "u2"]))
    events = pd.DataFrame({"ID": ["u2"], "EVENT_TYPE": ["click"]})
    parsed = _compiled(
        'INCLUDE UserID WHERE Users.AGE > 30 | EXCLUDE UserID WHERE Interactions.EVENT_TYPE IN ("click")'
    )
    assert fx.evaluate(parsed, {}, fx.Context(users, events)).tolist() == [False, True, False]


@pytest.mark.parametrize(
    "ids",
    [["i0", "i1", "i2", "i3"], ["i0", "i1", "i0", "i2"], [], [1, 2, 3]],
    ids=["unique", "repeated", "empty", "ints"],
)
def test_interaction_conditions_match_as_isin_does(ids):
    """The lookup of interacted items agrees with ``Index.isin``, on a unique index or not."""
    index = pd.Index(ids, dtype=object)
    for chosen in (["i1", "i1", "x"], [], ["2", 3]):
        values = np.asarray(chosen, dtype=object)
        assert fx._among(index, values).tolist() == index.isin(values).tolist()


# --- properties -----------------------------------------------------------------------------
WORDS = ["shoe", "hat", "a", "b", "c", "x y", 'q"uote']
EVENT_TYPES = ["View", "Purchase", "click"]
STRING_FIELDS = ["CATEGORY", "GENRES"]
NUMBER_FIELDS = ["PRICE", "STOCK"]
PARAMS = ["P1", "P2", "P3"]


def _quote(word: str) -> str:
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _case(draw, word: str) -> str:
    return draw(st.sampled_from([word, word.lower(), word.upper()]))


@st.composite
def _items_condition(draw) -> str:
    if draw(st.booleans()):
        field = draw(st.sampled_from(STRING_FIELDS))
        negate = draw(st.booleans())
        pool = [_quote(w) for w in WORDS] + ([] if negate else [f"${p}" for p in PARAMS])
        values = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))
        return f"{_case(draw, 'Items')}.{field} {'NOT IN' if negate else 'IN'} ({', '.join(values)})"
    field = draw(st.sampled_from(NUMBER_FIELDS))
    op = draw(st.sampled_from(fx.COMPARISONS))
    value = draw(st.one_of(st.integers(-5, 120).map(str), st.sampled_from([f"${p}" for p in PARAMS])))
    return f"Items.{field} {op} {value}"


@st.composite
def _expression(draw) -> str:
    action = _case(draw, draw(st.sampled_from(["INCLUDE", "EXCLUDE"])))
    head = f"{action} {_case(draw, 'ItemID')} {_case(draw, 'WHERE')} "
    if draw(st.integers(0, 3)) == 0:
        negate = draw(st.booleans())
        types = draw(st.lists(st.sampled_from([*EVENT_TYPES, "*"]), min_size=1, max_size=3))
        values = ", ".join(_quote(t) for t in types)
        return head + f"Interactions.EVENT_TYPE {'NOT IN' if negate else 'IN'} ({values})"
    parts = [draw(_items_condition())]
    for _ in range(draw(st.integers(0, 3))):
        parts += [draw(st.sampled_from(["AND", "OR", "and"])), draw(_items_condition())]
    return head + " ".join(parts)


@st.composite
def _filter(draw) -> str:
    return " | ".join(draw(st.lists(_expression(), min_size=1, max_size=3)))


@st.composite
def _catalogue(draw) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = draw(st.integers(1, 12))
    maybe_word = st.one_of(st.none(), st.sampled_from(WORDS))
    genres = st.one_of(st.none(), st.lists(st.sampled_from(WORDS[:5]), min_size=1, max_size=3).map("|".join))
    items = pd.DataFrame(
        {
            "CATEGORY": draw(st.lists(maybe_word, min_size=n, max_size=n)),
            "GENRES": draw(st.lists(genres, min_size=n, max_size=n)),
            "PRICE": draw(st.lists(st.one_of(st.none(), st.floats(0, 100)), min_size=n, max_size=n)),
            "STOCK": draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)),
        },
        index=pd.Index([f"i{k}" for k in range(n)]),
    )
    items["PRICE"] = items["PRICE"].astype(float)
    rows = draw(st.lists(st.tuples(st.integers(0, n - 1), st.sampled_from(EVENT_TYPES)), max_size=8))
    events = pd.DataFrame({"ID": [f"i{k}" for k, _ in rows], "EVENT_TYPE": [t.lower() for _, t in rows]})
    return items, events


_OPS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
    "!=": operator.ne,
}


def _holds(c: fx.Condition, row: pd.Series, item: str, events: pd.DataFrame, values: dict) -> bool:
    """The meaning of one condition for one item, row by row: the oracle of the property tests."""
    wanted = [x for v in c.values for x in ([v.value] if isinstance(v, fx.Literal) else values[v.name])]
    if c.field.dataset == "Interactions":
        mine = {t.casefold() for t in events.loc[events["ID"] == item, "EVENT_TYPE"]}
        hit = bool(mine) and ("*" in wanted or bool(mine & {str(w).casefold() for w in wanted}))
    elif c.operator in ("IN", "NOT IN"):
        have = row[c.field.name]
        parts = [] if have is None else (have.split("|") if c.field.name == "GENRES" else [have])
        hit = any(str(w) in parts for w in wanted)
    else:
        have = row[c.field.name]
        hit = not pd.isna(have) and any(_OPS[c.operator](float(have), float(w)) for w in wanted)
    return not hit if c.operator == "NOT IN" else hit


def _matches(e: fx.Expression, row, item, events, values) -> bool:
    return any(all(_holds(c, row, item, events, values) for c in conj) for conj in e.where)


def _params(e: fx.Expression) -> set[str]:
    return {v.name for c in e.conditions() for v in c.values if isinstance(v, fx.Param)}


def _numeric_params(parsed: fx.Filter) -> set[str]:
    return {
        v.name
        for e in parsed.expressions
        for c in e.conditions()
        if c.operator in fx.COMPARISONS
        for v in c.values
        if isinstance(v, fx.Param)
    }


@settings(max_examples=300, deadline=None)
@given(
    text=_filter(),
    data=_catalogue(),
    words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=3),
    numbers=st.lists(st.integers(-5, 120), min_size=1, max_size=3),
    omitted=st.sets(st.sampled_from(PARAMS)),
)
def test_property__valid_filters_match_the_row_by_row_meaning(text, data, words, numbers, omitted):
    """Random valid filters parse and evaluate, and agree item by item with the language's meaning.

    So a filter never lets through an item that one of its EXCLUDE expressions matches, nor one
    that none of its INCLUDE expressions matches. EXCLUDE parameters are sometimes left out.
    """
    items, events = data
    parsed = _compiled(text)
    numeric = _numeric_params(parsed)
    raw = {
        name: ", ".join(json.dumps(v) for v in (numbers if name in numeric else words))
        for name, action in parsed.parameters().items()
        if action == "INCLUDE" or name not in omitted
    }
    values = fx.bind(parsed, raw)
    mask = fx.evaluate(parsed, values, fx.Context(items, events, categorical={"GENRES"}))
    assert mask.dtype == bool and mask.shape == (len(items),)
    used = [e for e in parsed.expressions if _params(e) <= set(values)]
    for k, item in enumerate(items.index):
        row = items.loc[item]
        excluded = any(_matches(e, row, item, events, values) for e in used if e.action == "EXCLUDE")
        includes = [e for e in used if e.action == "INCLUDE"]
        included = not includes or any(_matches(e, row, item, events, values) for e in includes)
        assert mask[k] == (included and not excluded), (text, item, values)
        if excluded:
            assert not mask[k]


_SOUP = st.sampled_from(
    ["INCLUDE", "EXCLUDE", "ItemID", "UserID", "WHERE", "AND", "OR", "IF", "IN", "NOT", "Items", "Users",
     "Interactions", "CurrentItem", "CurrentUser", ".", "(", ")", ",", "|", "<", "<=", "=", ">", '"x"', "3",
     "$P", "EVENT_TYPE", "PRICE", '"', "$", "!", "'", "-", "1.2.3"]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(st.text(max_size=80), st.lists(_SOUP, max_size=25).map(" ".join)))
def test_property__garbage_never_crashes_the_parser(text):
    """Any text either parses or raises FilterExpressionError pointing inside it."""
    try:
        parsed = fx.parse(text)
    except fx.FilterExpressionError as exc:
        assert 0 <= exc.position <= len(text) and exc.reason
        return
    assert parsed.expressions

"""helpers.explain on a worked example: visits, their cosine similarity, and the lines it writes.

Three shoppers, times in minutes:

- s1 views a and b in one visit, then (hours later) c;
- s2 views a and b in one visit;
- s3 views b and c in one visit.

Visits: {a, b}, {c}, {a, b}, {b, c}. a is in 2 visits, b in 3, c in 2; a and b share 2, b and c
share 1, a and c none. Cosine: a~b = 2 / sqrt(2 * 3) = 0.816, b~c = 1 / sqrt(3 * 2) = 0.408.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers import explain

MIN = 60


@pytest.fixture
def co():
    rows = [
        ("s1", "a", 0),
        ("s1", "b", 5 * MIN),
        ("s1", "c", 300 * MIN),
        ("s2", "a", 0),
        ("s2", "b", 10 * MIN),
        ("s3", "c", 0),
        ("s3", "b", 20 * MIN),
    ]
    return explain.co_occurrence(pd.DataFrame(rows, columns=["USER_ID", "ITEM_ID", "TIMESTAMP"]))


def _sim(co, x, y) -> float:
    return float(co.matrix[co.index[x], co.index[y]])


def test_co_occurrence__cosine_of_shared_visits(co):
    assert list(co.item_ids) == ["a", "b", "c"]
    assert _sim(co, "a", "b") == pytest.approx(2 / math.sqrt(6), abs=1e-6)
    assert _sim(co, "b", "c") == pytest.approx(1 / math.sqrt(6), abs=1e-6)
    assert _sim(co, "a", "c") == 0
    assert _sim(co, "a", "a") == 0  # no item explains itself
    assert (co.matrix != co.matrix.T).nnz == 0


def test_co_occurrence__a_long_pause_starts_a_new_visit(co):
    # s1's c came 295 minutes after b: with a 6-hour visit gap it joins the visit, and a~c appears
    rows = [("s1", "a", 0), ("s1", "b", 5 * MIN), ("s1", "c", 300 * MIN)]
    long = explain.co_occurrence(pd.DataFrame(rows, columns=["USER_ID", "ITEM_ID", "TIMESTAMP"]), 6 * 3600)
    assert _sim(long, "a", "c") > 0 and _sim(co, "a", "c") == 0


def test_strongest_events__one_per_item_strongest_then_latest():
    past = explain.strongest_events(
        [
            ("a", "View", 10),
            ("b", "View", 30),
            ("a", "Purchase", 5),
            ("c", "AddToCart", 20),
            ("b", "View", 40),
        ]
    )
    assert [(p.item_id, p.event_type, p.last) for p in past] == [
        ("a", "Purchase", 10.0),
        ("c", "AddToCart", 20.0),
        ("b", "View", 40.0),
    ]


def test_because__names_the_most_similar_history_item(co):
    history = explain.strongest_events([("a", "Purchase", 1), ("c", "View", 2)])
    names = {"a": "Trail runners", "b": "Sleek boots", "c": "Wool socks"}
    reasons = explain.because(history, ["b"], co, names, {"a": "footwear", "b": "footwear", "c": "apparel"})
    reason = reasons["b"]
    assert reason.text == "Because you bought Trail runners"  # a~b 0.82 beats c~b 0.41 (< 0.8 of it)
    assert (reason.item_id, reason.event_type, reason.more) == ("a", "Purchase", 0)
    assert reason.similarity == pytest.approx(0.816, abs=1e-3)


def test_because__counts_the_others_nearly_as_close(co):
    history = explain.strongest_events([("a", "View", 1), ("c", "AddToCart", 2)])
    names = {"a": "A", "c": "C"}
    with_b = explain.because(history, ["b"], co, names, {})["b"]
    assert with_b.text == "Because you viewed A"
    # make c as close to b as a is: both explain b, and the stronger event (the cart) is named
    co.matrix[co.index["c"], co.index["b"]] = co.matrix[co.index["b"], co.index["c"]] = _sim(co, "a", "b")
    tied = explain.because(history, ["b"], co, names, {})["b"]
    assert tied.text == "Because you added C to your cart and 1 more"


def test_because__falls_back_on_category_then_on_novelty(co):
    history = explain.strongest_events([("a", "View", 1)])
    categories = {"a": "footwear", "c": "footwear", "z": "toys"}
    reasons = explain.because(history, ["c", "z"], co, {}, categories)
    assert reasons["c"].text == "Because you like footwear"  # a~c = 0, same category
    assert reasons["z"].text == "Because you might like something new"  # z is not in the data
    assert reasons["z"].item_id is None


def test_because__empty_history(co):
    reasons = explain.because([], ["a", "b"], co, {}, {})
    assert {r.text for r in reasons.values()} == {"Because you might like something new"}

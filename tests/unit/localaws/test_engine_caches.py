"""The serving path's shortcuts agree with what they replace: output checks and read caches."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from botocore.validate import ParamValidator

from helpers.localaws.engine import service_models as models
from helpers.localaws.engine.store import Store
from helpers.localaws.personalize import filters

RECOMMENDATIONS = models.operation("personalize-runtime", "GetRecommendations").output_shape
DESCRIBE_GROUP = models.operation("personalize", "DescribeDatasetGroup").output_shape
GOOD_GROUP = {
    "datasetGroup": {"name": "g", "status": "ACTIVE", "creationDateTime": datetime(2026, 1, 1, tzinfo=UTC)}
}


@pytest.mark.parametrize(
    ("shape", "answer"),
    [
        (RECOMMENDATIONS, {"itemList": [{"itemId": "i1", "score": 0.5}], "recommendationId": "RID-1"}),
        (RECOMMENDATIONS, {"itemList": [{"itemId": "i1", "score": "high"}]}),  # wrong type
        (RECOMMENDATIONS, {"itemList": [{"itemId": "i1", "colour": "red"}]}),  # unknown member
        (RECOMMENDATIONS, {"itemList": {"itemId": "i1"}}),  # a dict for a list
        (RECOMMENDATIONS, {"itemList": [{"itemId": "i1", "metadata": {"k": 1}}]}),  # map value type
        (DESCRIBE_GROUP, GOOD_GROUP),
        (DESCRIBE_GROUP, {"datasetGroup": {**GOOD_GROUP["datasetGroup"], "creationDateTime": "yesterday"}}),
        (DESCRIBE_GROUP, {"datasetGroup": {"name": 3}}),
    ],
)
def test_conforms_accepts_only_what_param_validator_accepts(shape, answer):
    accepted = models.conforms("personalize", shape)(answer)
    valid = not ParamValidator().validate(answer, shape).has_errors()
    assert accepted <= valid  # never accepts what botocore refuses
    assert accepted == valid or not accepted  # and what it defers, botocore decides


def test_conforms_compiles_once_while_threads_race_for_it(monkeypatch):
    """Threads that first meet a shape at the same time (S3 transfers do) all get a whole check."""
    monkeypatch.setattr(models, "_compiled_functions", {})
    answer = {"itemList": [{"itemId": "i1", "score": 0.5}], "recommendationId": "RID-1"}
    start, results = threading.Barrier(8), []

    def ask():
        start.wait()
        results.append(models.conforms("personalize-runtime", RECOMMENDATIONS)(answer))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 8 and not models._pending


def test_to_output_coerces_timestamps_and_drops_missing_members_at_every_depth():
    stored = {
        "datasetGroup": {"name": "g", "status": "ACTIVE", "creationDateTime": 1_767_225_600, "roleArn": None},
        "extra": {"kept": None},  # not a member: kept as it is
    }
    shown = models.to_output("personalize", DESCRIBE_GROUP, stored)
    assert shown == {
        "datasetGroup": {
            "name": "g",
            "status": "ACTIVE",
            "creationDateTime": datetime(2026, 1, 1, tzinfo=UTC),
        },
        "extra": {"kept": None},
    }
    answer = {"itemList": [{"itemId": "i1", "score": 0.5, "promotionName": None}], "recommendationId": None}
    assert models.to_output("personalize-runtime", RECOMMENDATIONS, answer) == {
        "itemList": [{"itemId": "i1", "score": 0.5}]
    }
    assert models.to_output("personalize-runtime", RECOMMENDATIONS, None) is None


def test_validate_output_names_the_member_at_fault():
    op = models.operation("personalize-runtime", "GetRecommendations")
    models.validate_output(op, {"itemList": [{"itemId": "i1", "score": 0.5}]})
    with pytest.raises(models.InvalidResponseError, match="score"):
        models.validate_output(op, {"itemList": [{"itemId": "i1", "score": "high"}]})


def test_cached_recomputes_after_a_write_of_this_or_another_connection(tmp_path):
    store, other = Store(tmp_path), Store(tmp_path)
    reads = []

    def read() -> dict | None:
        reads.append(1)
        return store.get("thing", "a")

    assert store.cached("a", read) is None
    assert store.cached("a", read) is None and len(reads) == 1  # unchanged: no second read
    with store.transaction():
        store.put("thing", "a", {"n": 1})
    assert store.cached("a", read) == {"n": 1}
    other.put("thing", "a", {"n": 2})  # another connection (as another process would)
    assert store.cached("a", read) == {"n": 2} and len(reads) == 3

    seen = []
    thread = threading.Thread(target=lambda: seen.append(store.cached("a", read)))
    thread.start()
    thread.join()
    assert seen == [{"n": 2}]  # each thread keeps its own cache over its own connection


def test_candidates_are_kept_by_the_identity_of_the_table_and_of_the_ids(monkeypatch):
    monkeypatch.setattr(filters, "_reindexed", type(filters._reindexed)())
    table = pd.DataFrame({"PRICE": [1.0, 2.0]}, index=pd.Index(["a", "b"], name="ITEM_ID"))
    ids = np.asarray(["b", "c"], dtype=object)
    first = filters._candidates(table, ids)
    assert first.index.tolist() == ["b", "c"] and first["PRICE"].tolist()[0] == 2.0
    assert np.isnan(first["PRICE"].tolist()[1])
    assert filters._candidates(table, ids) is first  # the same table and ids: kept
    newer = pd.DataFrame({"PRICE": [1.0, 5.0]}, index=table.index)  # the data changed: a new table
    assert filters._candidates(newer, ids)["PRICE"].tolist()[0] == 5.0
    same_ids = np.asarray(["a"], dtype=object)
    assert filters._candidates(table, same_ids)["PRICE"].tolist() == [1.0]
    for _ in range(filters._REINDEXED):
        filters._candidates(table, np.asarray(["a"], dtype=object))
    assert len(filters._reindexed) == filters._REINDEXED  # the oldest left
    assert filters._candidates(table, ids) is not first


def test_solutions_that_train_alike_share_one_training_per_selection_of_events():
    from helpers.localaws.personalize import algorithms, solutions

    events, other_events = object(), object()  # the cache tells selections apart by identity
    defaults = algorithms.Honoured({}, None)
    first = solutions._shared(events, "aws-user-personalization", False, defaults)
    assert first.shared
    assert solutions._shared(events, "aws-personalized-ranking-v2", False, defaults) is first
    assert solutions._shared(events, "aws-user-personalization", True, defaults) is not first  # HPO
    tuned = algorithms.Honoured({"recency_mask": False}, None)
    assert solutions._shared(events, "aws-user-personalization", False, tuned) is not first
    assert not solutions._shared(events, "aws-sims", False, defaults).shared  # trains alone
    again = solutions._shared(other_events, "aws-user-personalization", False, defaults)
    assert again is not first and again.model is None  # a new selection: the old entries are gone

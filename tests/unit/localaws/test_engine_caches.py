"""The serving path's shortcuts agree with what they replace: output checks and read caches."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from botocore.validate import ParamValidator

from helpers.localaws.engine import service_models as models
from helpers.localaws.engine.store import Store

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
    monkeypatch.setattr(models, "_checks", {})
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

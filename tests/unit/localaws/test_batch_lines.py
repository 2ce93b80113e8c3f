"""The lines of a batch job's input, as Personalize reads them: JSON objects with string ids.

Sources: the guide's "Preparing input data for batch recommendations" (one JSON object a line,
``{"userId": "4638"}``; ids are strings as in the datasets) and RFC 8259 (``NaN`` is not JSON).
"""

from __future__ import annotations

import pytest

from helpers.localaws.personalize import batch_jobs


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ('{"userId": NaN}', "The line is not valid JSON: NaN is not a JSON value"),
        ('{"userId": "u1", "score": Infinity}', "Infinity is not a JSON value"),
        ('{"userId": 123}', "userId must be a string, not 123."),
        ('{"itemId": null}', "itemId must be a string, not None."),
        ('{"userId": "u1", "itemList": ["a", 2]}', "itemList must list strings"),
        ("[1, 2]", "The line is not a JSON object."),
    ],
)
def test_answer_lines__refused_lines(line, error):
    rows = batch_jobs.answer_lines([line], lambda request: pytest.fail("answered a refused line"))
    assert rows[0]["output"] is None and error in rows[0]["error"]


def test_answer_lines__string_ids_are_answered():
    rows = batch_jobs.answer_lines(
        ['{"userId": "u1", "itemList": ["a", "b"]}'], lambda r: {"ok": r["userId"]}
    )
    assert rows == [
        {"input": {"userId": "u1", "itemList": ["a", "b"]}, "output": {"ok": "u1"}, "error": None}
    ]

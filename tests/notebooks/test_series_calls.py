"""Every call the series made (logged while ``test_series`` ran it) matches botocore's models.

This is the offline check of the AWS path: the notebooks' requests must be ones the real
services accept (the input shape, and the constraints the services enforce), and each local
answer must be one a real service could give (the output shape), so that the same notebooks
run unchanged on AWS.
"""

from __future__ import annotations

from collections import Counter

import pytest
from botocore.validate import ParamValidator

from helpers.localaws.engine import calllog, validation
from helpers.localaws.engine import service_models as models

pytestmark = pytest.mark.notebooks

MIN_CALLS = 200
"""A series run at small scale makes several hundred calls; fewer means the log is broken."""


@pytest.fixture(scope="module")
def calls(series_env):
    path = series_env / "calls.jsonl"
    assert path.exists(), "no call log: run tests/notebooks/test_series.py in the same session first"
    return calllog.read(path)


def test_series_calls__logged(calls):
    operations = Counter(f"{c['service']}:{c['operation']}" for c in calls)
    print(f"\n{len(calls):,} calls of {len(operations)} operations logged")
    assert len(calls) >= MIN_CALLS, operations
    for needed in ("s3:PutObject", "personalize:CreateDatasetImportJob", "personalize:CreateRecommender"):
        assert operations[needed], f"the series made no {needed} call: {sorted(operations)}"


def test_series_calls__requests_match_the_input_shapes(calls):
    problems = []
    for call in calls:
        op = models.operation(call["service"], call["operation"])
        report = ParamValidator().validate(call["params"], op.input_shape) if op.input_shape else None
        if report is not None and report.has_errors():
            problems.append(f"{call['operation']}: {report.generate_report()}")
        try:
            validation.validate(op, call["params"])
        except validation.ValidationFailed as err:
            problems.append(f"{call['operation']}: {err.message}")
    assert not problems, "\n".join(problems[:20])


def test_series_calls__answers_match_the_output_shapes(calls):
    problems = []
    for call in calls:
        op = models.operation(call["service"], call["operation"])
        if call["error"] is not None:
            known = {e.name for e in op.error_shapes} | {e.error_code for e in op.error_shapes}
            if call["error"] not in known | {"404"}:  # S3 HEAD answers a bare 404
                problems.append(f"{call['operation']}: error {call['error']} is not one the model declares")
            continue
        body = models.to_output(call["service"], op.output_shape, call["answer"]) if op.output_shape else {}
        try:
            models.validate_output(op, body)
        except models.InvalidResponseError as err:
            problems.append(str(err))
    assert not problems, "\n".join(problems[:20])

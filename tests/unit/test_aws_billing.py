"""What AWS mode bills: notebook 11's solutions never retrain by themselves, and re-runs train nothing twice.

botocore's Stubber answers as Personalize would (no network, no local backend): notebook 11's own
cells that call CreateSolution run against it, and every call must carry ``performAutoTraining=False``
(AWS's default is true: a new, billed version every 7 days until the solution is deleted).
"""

from __future__ import annotations

import ast
import datetime

import nbformat
import pytest

from helpers import aws, config, series
from tests.unit.test_aws_mode import GROUP_ARN

NOTEBOOK_11 = series.NOTEBOOK_DIR / "11_custom_recipes.ipynb"
SOLUTION_ARN = "arn:aws:personalize:us-east-1:123456789012:solution/s"
NOW = datetime.datetime(2026, 6, 30, tzinfo=datetime.UTC)


def _code_cells(notebook) -> list[nbformat.NotebookNode]:
    return [c for c in nbformat.read(str(notebook), as_version=4).cells if c.cell_type == "code"]


def _calls(tree: ast.AST, method: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == method
    ]


def _up_to_the_call(source: str, method: str) -> str:
    """The cell's top-level statements up to the last one that makes the call (the waits after it cut)."""
    body = ast.parse(source).body
    last = max(i for i, statement in enumerate(body) if _calls(statement, method))
    return ast.unparse(ast.Module(body=body[: last + 1], type_ignores=[]))


def test_notebook_11_create_solution_calls_carry_perform_auto_training_false(stubbed, monkeypatch, capsys):
    monkeypatch.setenv(aws.CONFIRM_VARIABLE, "yes")
    personalize, stub = stubbed("personalize")
    sent: list[dict] = []
    personalize.meta.events.register(
        "before-parameter-build.personalize.CreateSolution", lambda params, **_: sent.append(dict(params))
    )
    cells = _code_cells(NOTEBOOK_11)
    namespace = {
        "aws": aws,
        "config": config,
        "personalize": personalize,
        "group_arn": GROUP_ARN,
        "newer_group": GROUP_ARN,
    }
    exec(next(c.source for c in cells if "parameters" in c.metadata.get("tags", [])), namespace)
    creating = [c.source for c in cells if _calls(ast.parse(c.source), "create_solution")]
    assert len(creating) == 4, "notebook 11 creates solutions in sections 1.1, 4.2, 6.1 and 7.2"
    expected = len(namespace["RECIPES"]) + 2 + len(namespace["NEWER_RECIPES"])
    for _ in range(expected):
        stub.add_response("create_solution", {"solutionArn": SOLUTION_ARN})
    for source in creating:
        exec(_up_to_the_call(source, "create_solution"), namespace)
    assert len(sent) == expected
    assert all(params.get("performAutoTraining") is False for params in sent), sent
    assert "On AWS, the series costs money" in capsys.readouterr().out  # printed before the first one


@pytest.mark.parametrize("notebook", series.notebooks(), ids=lambda nb: nb.stem)
def test_every_notebook_creates_solutions_without_automatic_training(notebook):
    for cell in _code_cells(notebook):
        for call in _calls(ast.parse(cell.source), "create_solution"):
            given = {k.arg: k.value for k in call.keywords}
            assert "performAutoTraining" in given, (
                f"{notebook.name}: create_solution without performAutoTraining"
            )
            assert ast.literal_eval(given["performAutoTraining"]) is False, notebook.name


def _version(arn: str, status: str, minutes: int) -> dict:
    when = NOW + datetime.timedelta(minutes=minutes)
    return {
        "solutionVersionArn": arn,
        "status": status,
        "creationDateTime": when,
        "lastUpdatedDateTime": when,
    }


@pytest.mark.parametrize(
    ("versions", "reused"),
    [
        ([_version("v-old", "ACTIVE", 0), _version("v-new", "ACTIVE", 5)], "v-new"),
        ([_version("v-active", "ACTIVE", 0), _version("v-training", "CREATE IN_PROGRESS", 5)], "v-active"),
        (
            [_version("v-failed", "CREATE FAILED", 0), _version("v-training", "CREATE IN_PROGRESS", 5)],
            "v-training",
        ),
        ([_version("v-pending", "CREATE PENDING", 0)], "v-pending"),
    ],
)
def test_find_or_train_version__reuses_without_training(stubbed, versions, reused):
    personalize, stub = stubbed("personalize")
    stub.add_response("list_solution_versions", {"solutionVersions": versions}, {"solutionArn": SOLUTION_ARN})
    assert aws.find_or_train_version(personalize, SOLUTION_ARN) == reused  # no create_solution_version queued


def test_find_or_train_version__trains_when_none_is_usable(stubbed, monkeypatch):
    monkeypatch.setenv(aws.CONFIRM_VARIABLE, "yes")
    personalize, stub = stubbed("personalize")
    page_1 = {"solutionVersions": [_version("v-failed", "CREATE FAILED", 0)], "nextToken": "t"}
    page_2 = {"solutionVersions": [_version("v-stopped", "CREATE STOPPED", 5)]}
    stub.add_response("list_solution_versions", page_1, {"solutionArn": SOLUTION_ARN})
    stub.add_response("list_solution_versions", page_2, {"solutionArn": SOLUTION_ARN, "nextToken": "t"})
    stub.add_response("create_solution_version", {"solutionVersionArn": "v-new"})
    assert aws.find_or_train_version(personalize, SOLUTION_ARN) == "v-new"

"""Every notebook of the series has the anatomy of the style guide: parameters, exercises with worked answers,
a link to the next chapter and a results cell. Reads the committed notebook files; runs nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from helpers import config, series

NOTEBOOKS = series.notebooks()
LAST = NOTEBOOKS[-1].name
_NEXT_LINK = re.compile(r"\*\*Next:\*\*\s*\[[^\]]+\]\((\d\d_\w+\.ipynb)\)")


def _cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def _text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _tagged(cells: list[dict], tag: str) -> list[int]:
    return [i for i, c in enumerate(cells) if tag in c.get("metadata", {}).get("tags", [])]


def _markdown(cells: list[dict]) -> list[tuple[int, str]]:
    return [(i, _text(c)) for i, c in enumerate(cells) if c["cell_type"] == "markdown"]


def test_the_series_has_notebooks():
    assert len(NOTEBOOKS) >= 13, f"expected the 13 notebooks 00-11 and 99, found {len(NOTEBOOKS)}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook__one_parameters_cell_and_one_results_cell(notebook):
    cells = _cells(notebook)
    parameters, results = _tagged(cells, "parameters"), _tagged(cells, "results")
    name = notebook.name
    assert len(parameters) == 1, f"{name}: expected 1 cell tagged 'parameters', found {len(parameters)}"
    assert len(results) == 1, f"{notebook.name}: expected 1 cell tagged 'results', found {len(results)}"
    assert cells[results[0]]["cell_type"] == "code", f"{notebook.name}: the 'results' cell must be code"
    assert results[0] == len(cells) - 1, f"{notebook.name}: the 'results' cell must be the last cell"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook__exercises_then_worked_answers(notebook):
    markdown = _markdown(_cells(notebook))
    exercises = [i for i, text in markdown if re.search(r"^## Exercises\s*$", text, re.MULTILINE)]
    assert exercises, f"{notebook.name}: expected a '## Exercises' section, found none"
    questions = [
        line
        for i, text in markdown
        if i == exercises[0]
        for line in text.split("## Exercises", 1)[1].splitlines()
        if re.match(r"\d+\. ", line)
    ]
    assert len(questions) >= 5, f"{notebook.name}: expected 5 or more exercises, found {len(questions)}"
    answers = [
        i
        for i, text in markdown
        if i >= exercises[0] and "<details>" in text and re.search(r"<summary>.*Worked answers", text)
    ]
    assert answers, (
        f"{notebook.name}: expected worked answers after the exercises: a markdown cell with <details> "
        "and a <summary> naming 'Worked answers'"
    )
    body = next(text for i, text in markdown if i == answers[0])
    assert "</details>" in body, f"{notebook.name}: the worked answers' <details> is not closed"
    numbered = re.findall(r"^\d+\. ", body, re.MULTILINE)
    assert len(numbered) >= len(questions), (
        f"{notebook.name}: {len(questions)} exercises but {len(numbered)} numbered worked answers"
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook__links_to_the_next_notebook(notebook):
    text = "\n".join(t for _, t in _markdown(_cells(notebook)))
    links = _NEXT_LINK.findall(text)
    if notebook.name == LAST:
        assert not links, f"{notebook.name} is the last notebook; it links **Next:** to {links}"
        return
    assert links, f"{notebook.name}: expected a '**Next:** [NN_name](NN_name.ipynb)' link, found none"
    target = links[-1]
    assert (notebook.parent / target).is_file(), f"{notebook.name}: **Next:** links {target}, not a file"


def _nav_entries(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [entry for item in node for entry in _nav_entries(item)]
    if isinstance(node, dict):
        return [entry for value in node.values() for entry in _nav_entries(value)]
    return []


def test_book_nav__lists_every_notebook_and_page_in_order():
    book = yaml.safe_load((config.ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    entries = _nav_entries(book.get("nav", []))
    listed = [e.removeprefix("notebooks/") for e in entries if e.startswith("notebooks/")]
    assert listed == [nb.name for nb in NOTEBOOKS], (
        f"mkdocs.yml nav lists {listed}, the series is {NOTEBOOKS}"
    )
    pages = sorted(p.name for p in (config.ROOT / "docs").glob("*.md"))
    missing = [p for p in pages if p not in entries]
    assert not missing, f"docs pages missing from the mkdocs.yml nav: {missing}"

"""Execute every notebook of the series in order, at small scale, on one fresh local state.

Each notebook's ``results`` cell is checked against expectations within a tolerance.
A failure names the notebook, the cell and the error.
"""

from __future__ import annotations

import papermill
import pytest

from helpers import config, series
from tests.notebooks.expectations import EXPECTED

NOTEBOOKS = series.notebooks()
CELL_TIMEOUT_S = 300
_failed: list[str] = []

pytestmark = pytest.mark.notebooks


def test_series_is_numbered_in_order():
    numbers = [nb.name[:2] for nb in NOTEBOOKS]
    assert NOTEBOOKS, "no notebooks/NN_*.ipynb found"
    assert numbers == sorted(set(numbers)), f"duplicate or unordered notebook numbers: {numbers}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook(notebook, series_env):
    assert not _failed, f"{notebook.name} needs its predecessors, but {_failed[0]} failed"
    assert "parameters" in _tags(notebook), f"{notebook.name} has no cell tagged 'parameters'"
    out = series_env / notebook.name
    try:
        executed = series.execute(notebook, out, config.SMALL_SCALE, cell_timeout=CELL_TIMEOUT_S)
    except papermill.PapermillExecutionError as err:
        _failed.append(notebook.name)
        pytest.fail(f"{notebook.name}, cell {err.exec_count}: {err.ename}: {err.evalue}", pytrace=False)
    got = series.results(executed)
    assert got, f"{notebook.name}: no JSON output in a cell tagged 'results'"
    for key, check in EXPECTED.get(notebook.stem, {}).items():
        assert key in got, f"{notebook.name}: results lack {key!r} (have {sorted(got)})"
        assert check(got[key]), f"{notebook.name}: results[{key!r}] = {got[key]!r} is out of bounds"


def _tags(notebook) -> set[str]:
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    return {tag for cell in nb.cells for tag in cell.get("metadata", {}).get("tags", [])}

"""The series runner: discovery order, parameter filtering, results extraction, metadata."""

from __future__ import annotations

import nbformat

from helpers import series


def _notebook(path, params_src="N_USERS = 10\nSEED = 1", results_json=None):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(params_src, metadata={"tags": ["parameters"]})
    res = nbformat.v4.new_code_cell("x", metadata={"tags": ["results"], "papermill": {"duration": 1.0}})
    if results_json is not None:
        res.outputs = [nbformat.v4.new_output("display_data", data={"application/json": results_json})]
    nb.cells = [params, res]
    nb.metadata["papermill"] = {"input_path": "/somewhere/else.ipynb"}
    nbformat.write(nb, str(path))
    return nb


def test_notebooks_are_found_in_reading_order(tmp_path):
    for name in ("10_b.ipynb", "02_a.ipynb", "notes.ipynb", "00_c.ipynb"):
        _notebook(tmp_path / name)
    assert [p.name for p in series.notebooks(tmp_path)] == ["00_c.ipynb", "02_a.ipynb", "10_b.ipynb"]


def test_parameters_of_reads_the_parameters_cell(tmp_path):
    _notebook(tmp_path / "01_x.ipynb")
    assert series.parameters_of(tmp_path / "01_x.ipynb") == {"N_USERS", "SEED"}


def test_results_reads_the_tagged_json_output(tmp_path):
    nb = _notebook(tmp_path / "01_x.ipynb", results_json={"users": 600})
    assert series.results(nb) == {"users": 600}
    assert series.results(_notebook(tmp_path / "02_x.ipynb")) == {}


def test_strip_run_metadata_removes_paths_and_timings(tmp_path):
    nb = _notebook(tmp_path / "01_x.ipynb")
    series._strip_run_metadata(nb)
    assert "papermill" not in nb.metadata
    assert all("papermill" not in cell.metadata for cell in nb.cells)


def test_kernels_talk_over_ipc_where_the_system_has_it():
    import zmq

    manager = series.LocalKernelManager()
    assert manager.transport == ("ipc" if zmq.has("ipc") else "tcp")
    assert series.LocalKernelManager(transport="tcp").transport == "tcp"  # an explicit choice wins


def test_kernels_are_not_interrupted_while_shutting_down():
    import asyncio

    import pytest

    manager = series.LocalKernelManager()
    with pytest.raises(RuntimeError, match="No kernel is running"):
        asyncio.run(manager._async_interrupt_kernel())  # an ordinary interrupt still goes to the kernel
    manager.shutting_down = True
    asyncio.run(manager._async_interrupt_kernel())  # a shutdown's first step: skipped


def test_two_kernels_booting_at_once_each_run_their_notebook(tmp_path):
    # the series starts the next notebook's kernel while the current one runs: their sockets
    # must not collide, and the preloaded libraries must not show in the notebook's history
    source = tmp_path / "01_x.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import sys\nprint('pandas' in sys.modules)")]
    nbformat.write(nb, str(source))
    first, second = series.start_kernel(tmp_path), series.start_kernel(tmp_path)
    try:
        assert first.ip != second.ip or first.transport == "tcp"
        for name, kernel in (("a", first), ("b", second)):
            executed = series.execute(source, tmp_path / f"{name}.ipynb", kernel=kernel)
            cell = executed.cells[0]
            assert (cell.execution_count, cell.outputs[0]["text"]) == (1, "True\n")
    finally:
        series.stop_kernel(first)
        series.stop_kernel(second)
    assert not first.has_kernel and not second.has_kernel


def _notebook_of(path, source, partner=None):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    if partner is not None:
        nb.metadata["recsys"] = {"beside": partner}
    nbformat.write(nb, str(path))


def test_beside_reads_the_notebook_metadata(tmp_path):
    _notebook_of(tmp_path / "00_a.ipynb", "1", partner="09")
    _notebook_of(tmp_path / "01_b.ipynb", "1")
    assert series.beside(tmp_path / "00_a.ipynb") == "09"
    assert series.beside(tmp_path / "01_b.ipynb") is None


def test_a_notebook_runs_beside_its_partner_and_is_timed_in_order(tmp_path, monkeypatch, capsys):
    import json

    # 00_a runs beside 02_c: by then 01_b has written its marker, which it writes only after
    # longer than 00_a takes to start (so a 00_a started at once would not find it)
    _notebook_of(tmp_path / "00_a.ipynb", "import os\nprint(os.path.exists('marker'))", partner="02")
    slow_marker = "import time\ntime.sleep(8)\nopen('marker', 'w').close()\nprint('b')"
    _notebook_of(tmp_path / "01_b.ipynb", slow_marker)
    _notebook_of(tmp_path / "02_c.ipynb", "print('c')")
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(series, "NOTEBOOK_DIR", tmp_path)
    started, start_kernel = [], series.start_kernel
    monkeypatch.setattr(series, "start_kernel", lambda cwd: started.append(start_kernel(cwd)) or started[-1])
    series.run_series(fresh=False, into=out, times=tmp_path / "times.json")
    assert len(started) == 2 and not any(kernel.has_kernel for kernel in started)  # stopped in the background
    shown = {
        name: nbformat.read(str(out / f"{name}.ipynb"), as_version=4).cells[0].outputs[0]["text"]
        for name in ("00_a", "01_b", "02_c")
    }
    assert shown == {"00_a": "True\n", "01_b": "b\n", "02_c": "c\n"}
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["01_b.ipynb", "02_c.ipynb", "00_a.ipynb", "series"]
    assert lines[2].endswith("(beside 02)")
    times = json.loads((tmp_path / "times.json").read_text())
    assert list(times["notebooks"]) == ["00_a", "01_b", "02_c"]


def test_notebooks_run_beside_another_use_neither_the_state_nor_the_data():
    # what lets the runner run them beside the others: no client, no parameter, no data file
    marked = {nb: partner for nb in series.notebooks() if (partner := series.beside(nb)) is not None}
    assert {nb.name[:2]: partner for nb, partner in marked.items()} == {"00": "09"}
    uses = ("boto3", "get_parameter", "DATA_DIR", "data_path", "STATE_DIR", "read_csv", "read_parquet")
    for nb in marked:
        cells = nbformat.read(str(nb), as_version=4).cells
        code = "\n".join(cell.source for cell in cells if cell.cell_type == "code")
        for use in uses:
            assert use not in code, f"{nb.name} uses {use}: it cannot run beside the others"


def test_a_print_flushed_in_pieces_is_written_as_one_output(tmp_path):
    source = "\n".join(
        ["import sys, time", "print('a', end='', flush=True)", "time.sleep(0.3)", "print('b')"]
        + ["print('c', file=sys.stderr)"]
    )
    _notebook_of(tmp_path / "01_x.ipynb", source)
    executed = series.execute(tmp_path / "01_x.ipynb", tmp_path / "out.ipynb")
    outputs = [(out.name, out.text) for out in executed.cells[0].outputs]
    assert outputs == [("stdout", "ab\n"), ("stderr", "c\n")]


def test_the_executed_copy_is_written_when_the_notebook_ends_or_fails(tmp_path):
    import papermill
    import pytest

    _notebook_of(tmp_path / "01_x.ipynb", "import os\nprint(os.path.exists('out.ipynb'))")
    executed = series.execute(tmp_path / "01_x.ipynb", tmp_path / "out.ipynb")
    assert executed.cells[0].outputs[0]["text"] == "False\n"  # not written while it ran
    assert nbformat.read(str(tmp_path / "out.ipynb"), as_version=4).cells[0].outputs[0]["text"] == "False\n"
    _notebook_of(tmp_path / "02_y.ipynb", "raise ValueError('row 7 is empty')")
    with pytest.raises(papermill.PapermillExecutionError):
        series.execute(tmp_path / "02_y.ipynb", tmp_path / "failed.ipynb")
    failed = nbformat.read(str(tmp_path / "failed.ipynb"), as_version=4)
    errors = [out.get("evalue") for cell in failed.cells for out in cell.get("outputs", [])]
    assert "row 7 is empty" in errors


def test_preloading_touches_neither_the_state_nor_the_data(tmp_path):
    import os
    import subprocess
    import sys

    # a kernel preloads while the previous notebook still works on the state: imports only
    folders = {"RECSYS_DATA_DIR": str(tmp_path / "data"), "RECSYS_STATE_DIR": str(tmp_path / "state")}
    env = {**os.environ, **folders}
    code = f"import {', '.join(series.PRELOADED)}"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=series.NOTEBOOK_DIR)
    assert list(tmp_path.iterdir()) == []

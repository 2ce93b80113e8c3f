"""Run the notebook series headless: discovery, execution with papermill, clean metadata.

``make run`` calls ``python -m helpers.series`` to refresh the committed outputs; the
notebook tests call :func:`execute` with small parameters on a fresh state folder.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import json
import multiprocessing
import os
import queue
import shutil
import sys
import threading
import time
import uuid
from pathlib import Path

import nbformat
import papermill
import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.paths import jupyter_runtime_dir
from jupyter_core.utils import run_sync

from helpers import config
from helpers.localaws.engine.hooks import SERVICES

NOTEBOOK_DIR = config.ROOT / "notebooks"
RESULTS_TAG = "results"
SLOWEST_CELLS = 3
"""How many of a notebook's slowest cells ``run_series`` records."""
PRELOADED = (
    "numpy", "pandas", "scipy.sparse", "scipy.stats", "boto3", "matplotlib.pyplot", "seaborn",
    "helpers.aws", "helpers.plots", *SERVICES.values(),
)  # fmt: skip
"""Libraries every notebook imports, and the local backend's services its first call imports,
loaded while a kernel boots (``start_kernel``)."""


class LocalKernelClient(AsyncKernelClient):
    """A kernel client that is ready as soon as the kernel answers, without jupyter_client's 0.2 s of quiet.

    jupyter_client waits for 0.2 s without a message on IOPub before it calls a kernel ready,
    once per notebook. A booted kernel answers ``kernel_info`` at once; any status message
    still on its way belongs to that request, and nbclient ignores it while running the cells.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Wait until the kernel answers ``kernel_info`` on shell and IOPub carries its messages."""
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
                if reply["msg_type"] == "kernel_info_reply":
                    await self.iopub_channel.get_msg(timeout=1)  # IOPub is connected: its status came
                    self._handle_kernel_info_reply(reply)
                    break
            except queue.Empty:
                pass
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
        while await self.iopub_channel.msg_ready():  # what has come already: the request's other status
            await self.iopub_channel.get_msg(timeout=0)


class LocalKernelManager(AsyncKernelManager):
    """A kernel manager for headless runs: IPC sockets where the system has them, no interrupt at shutdown.

    Over TCP an unencrypted kernel warns once per notebook that anyone on the machine could listen
    in; IPC sockets are files in the user's runtime folder, so there is nothing to warn about.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("transport", "ipc" if zmq.has("ipc") else "tcp")
        if kwargs["transport"] == "ipc":
            # a path of its own: two kernels booting at once must not pick the same socket files
            runtime = Path(jupyter_runtime_dir())
            runtime.mkdir(parents=True, exist_ok=True)
            kwargs.setdefault("ip", str(runtime / f"kernel-{uuid.uuid4().hex[:12]}-ipc"))
        super().__init__(**kwargs)
        self.client_factory = LocalKernelClient

    async def _async_interrupt_kernel(self) -> None:
        """Interrupt the kernel, but not as the first step of shutting it down.

        jupyter_client's shutdown sends SIGINT before the shutdown request, for a kernel stuck in
        a cell. Ours are idle by then (papermill has waited for every cell), and the signal only
        races the kernel's last message, which it reports as "KeyboardInterrupt caught in kernel".
        """
        if not self.shutting_down:
            await super()._async_interrupt_kernel()


def start_kernel(cwd: Path) -> LocalKernelManager:
    """Launch a ``python3`` kernel in ``cwd`` and return its manager without waiting for it.

    The kernel boots (the interpreter, ipykernel, the modules of ``PRELOADED``) in its own
    process, so the series starts the next notebook's kernel while the current notebook runs.
    The preloading runs before the first cell and out of the history, and only imports (no
    module reads the state or the data when imported): the notebook's imports still run as
    written, only faster.
    """
    manager = LocalKernelManager(kernel_name="python3")
    preload = f"--IPKernelApp.exec_lines=import {', '.join(PRELOADED)}"
    run_sync(manager.start_kernel)(
        cwd=str(cwd), extra_arguments=[preload, "--HistoryManager.hist_file=:memory:"]
    )
    return manager


def stop_kernel(manager: LocalKernelManager) -> None:
    """Stop a kernel that ``start_kernel`` launched (its notebook has finished or failed)."""
    if manager.has_kernel:
        run_sync(manager.shutdown_kernel)(now=True)


def notebooks(folder: Path = NOTEBOOK_DIR) -> list[Path]:
    """Return the series' notebooks ``NN_*.ipynb`` in reading order."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def beside(notebook: Path) -> str | None:
    """The number of the notebook this one runs beside (its metadata ``recsys.beside``), or None.

    A notebook that reads and writes neither the backend's state nor another notebook's files may
    name one: the series runs it in a process of its own while that one runs. Notebook 00 names 09,
    whose evaluation asks the backend one call at a time and leaves the second core idle.
    """
    metadata = nbformat.read(str(notebook), as_version=4).metadata
    partner = metadata.get("recsys", {}).get("beside")
    return None if partner is None else str(partner)


def _execute_timed(notebook: Path, output: Path) -> tuple[float, list[tuple[float, str]]]:
    """``execute`` in a process of its own (a notebook run ``beside`` another): seconds and cell timings."""
    start, cells = time.perf_counter(), []
    execute(notebook, output, cell_seconds=cells)
    return time.perf_counter() - start, cells


def parameters_of(notebook: Path) -> set[str]:
    """Return the names assigned in the notebook's ``parameters`` cell."""
    nb = nbformat.read(str(notebook), as_version=4)
    names: set[str] = set()
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            for node in ast.walk(ast.parse(cell.source)):
                if isinstance(node, ast.Assign | ast.AnnAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def execute(
    notebook: Path,
    output: Path,
    parameters: dict | None = None,
    cell_timeout: int = 600,
    cell_seconds: list[tuple[float, str]] | None = None,
    kernel: LocalKernelManager | None = None,
) -> nbformat.NotebookNode:
    """Execute one notebook with papermill in ``notebooks/`` and return the executed notebook.

    Only the parameters the notebook's ``parameters`` cell defines are injected. Progress
    bars are turned off; machine paths and timings are removed from the metadata. The executed
    copy is written when the notebook ends or fails (with the traceback), not after every cell:
    rewriting a notebook with its pictures cell after cell cost the series seconds.

    Args:
        notebook: the ``.ipynb`` to run.
        output: where to write the executed copy (may equal ``notebook``).
        parameters: candidate parameters, e.g. ``config.SMALL_SCALE``.
        cell_timeout: seconds one cell may run.
        cell_seconds: if given, receives ``(seconds, first line)`` of every code cell run, from
            papermill's timings before they are removed.
        kernel: a kernel from ``start_kernel`` in the notebook's folder to run in (the caller
            stops it); by default papermill starts and stops one.

    Raises:
        papermill.PapermillExecutionError: a cell failed; it names the cell and the error.
    """
    wanted = parameters_of(notebook)
    injected = {k: v for k, v in (parameters or {}).items() if k in wanted}
    os.environ["TQDM_DISABLE"] = "1"
    executed = papermill.execute_notebook(
        str(notebook),
        str(output),
        parameters=injected or None,
        kernel_name="python3",
        cwd=str(notebook.parent),
        progress_bar=False,
        request_save_on_cell_execute=False,
        execution_timeout=cell_timeout,
        kernel_manager_class=LocalKernelManager,
        **({"km": kernel} if kernel is not None else {}),
    )
    if cell_seconds is not None:
        cell_seconds += [
            (float(cell.metadata["papermill"].get("duration") or 0.0), cell.source.partition("\n")[0])
            for cell in executed.cells
            if cell.cell_type == "code" and "papermill" in cell.metadata
        ]
    _strip_run_metadata(executed)
    _coalesce_streams(executed)
    nbformat.write(executed, str(output))
    return executed


def results(executed: nbformat.NotebookNode) -> dict:
    """Return the JSON shown by the cell tagged ``results`` (empty if there is none)."""
    for cell in executed.cells:
        if RESULTS_TAG in cell.get("metadata", {}).get("tags", []):
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                if "application/json" in data:
                    value = data["application/json"]
                    return json.loads(value) if isinstance(value, str) else dict(value)
    return {}


def _strip_run_metadata(nb: nbformat.NotebookNode) -> None:
    """Drop papermill's paths and timings so that reruns give the same file."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)


def _coalesce_streams(nb: nbformat.NotebookNode) -> None:
    """Join each cell's consecutive stdout (or stderr) chunks: how the kernel happened to flush a
    print must not change the file."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        joined: list = []
        for out in cell.outputs:
            last = joined[-1] if joined else None
            if (
                out.output_type == "stream"
                and last is not None
                and last.output_type == "stream"
                and last.name == out.name
            ):
                last.text += out.text
            else:
                joined.append(out)
        cell.outputs = joined


def run_series(
    upto: str = "99", fresh: bool = True, into: Path | None = None, times: Path | None = None
) -> float:
    """Execute every notebook up to number ``upto`` in place, printing each one's time.

    The notebooks run in order, the next one's kernel booting while the current one runs. A
    notebook that names another (``beside``) runs in a process of its own from when that one starts
    (at once if it is not run), and its line comes last.

    Args:
        upto: the last notebook number to run, two digits.
        fresh: start the local backend from an empty state folder.
        into: write the executed notebooks to this folder instead of in place.
        times: write each notebook's seconds, and its slowest cells', to this JSON file.

    Returns:
        The series' seconds in all.
    """
    if fresh and config.BACKEND == "local" and config.STATE_DIR.exists():
        shutil.rmtree(config.STATE_DIR)
    os.environ["TQDM_DISABLE"] = "1"  # before the first kernels boot, which inherit it
    began, record = time.perf_counter(), {}
    chosen = [nb for nb in notebooks(NOTEBOOK_DIR) if nb.name[:2] <= upto]
    partners = {nb: partner for nb in chosen if (partner := beside(nb)) is not None}
    series = [nb for nb in chosen if nb not in partners]
    numbers = {nb.name[:2] for nb in series}
    pool = (
        concurrent.futures.ProcessPoolExecutor(len(partners), mp_context=multiprocessing.get_context("spawn"))
        if partners
        else None
    )
    running: dict[Path, concurrent.futures.Future] = {}
    stopping: list[threading.Thread] = []

    def start_beside(number: str | None) -> None:
        """Start the notebooks that run beside notebook ``number`` (None: beside none that runs)."""
        for nb, partner in partners.items():
            if nb not in running and (partner == number or (number is None and partner not in numbers)):
                running[nb] = pool.submit(_execute_timed, nb, (into or nb.parent) / nb.name)

    try:
        start_beside(None)
        kernel = start_kernel(NOTEBOOK_DIR) if series else None
        for position, nb in enumerate(series):
            start_beside(nb.name[:2])
            start = time.perf_counter()
            print(f"{nb.name:<40}", end="", flush=True)
            cells: list[tuple[float, str]] = []
            current, kernel = kernel, start_kernel(NOTEBOOK_DIR) if position + 1 < len(series) else None
            try:
                execute(nb, (into or nb.parent) / nb.name, cell_seconds=cells, kernel=current)
            except BaseException:
                if kernel is not None:
                    stop_kernel(kernel)
                raise
            finally:  # the finished kernel stops while the next notebook runs
                stopping.append(threading.Thread(target=stop_kernel, args=(current,), name="stop kernel"))
                stopping[-1].start()
            took = time.perf_counter() - start
            print(f"{took:7.1f} s", flush=True)
            record[nb.stem] = _timings(took, cells)
        for nb, future in running.items():
            took, cells = future.result()
            print(f"{nb.name:<40}{took:7.1f} s  (beside {partners[nb]})", flush=True)
            record[nb.stem] = _timings(took, cells)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        for thread in stopping:
            thread.join()
    total = time.perf_counter() - began
    print(f"{'series':<40}{total:7.1f} s")
    if times is not None:
        ordered = {nb.stem: record[nb.stem] for nb in chosen}
        summary = {"notebooks": ordered, "total_seconds": round(total, 2)}
        times.write_text(json.dumps(summary, indent=2) + "\n")
    return total


def _timings(seconds: float, cells: list[tuple[float, str]]) -> dict:
    """A notebook's entry in the times file: its seconds, its cells' and its slowest cells'."""
    slowest = sorted(cells, key=lambda cell: -cell[0])[:SLOWEST_CELLS]
    return {
        "seconds": round(seconds, 2),
        "cells_seconds": round(sum(s for s, _ in cells), 2),
        "slowest_cells": [{"seconds": round(s, 2), "first_line": line} for s, line in slowest],
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m helpers.series [--upto NN] [--keep-state] [--into DIR] [--times FILE]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upto", default="99", help="last notebook number to run (default: all)")
    parser.add_argument("--keep-state", action="store_true", help="do not reset the local state first")
    parser.add_argument("--into", type=Path, help="write the executed notebooks here, not in place")
    parser.add_argument("--times", type=Path, help="write each notebook's seconds to this JSON file")
    args = parser.parse_args(argv)
    try:
        run_series(args.upto, fresh=not args.keep_state, into=args.into, times=args.times)
    except papermill.PapermillExecutionError as err:
        print(f"\nfailed in cell {err.exec_count}: {err.ename}: {err.evalue}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

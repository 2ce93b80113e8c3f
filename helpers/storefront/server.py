"""Run the storefront in the background and look at it: for notebook 07, the tests and the bench.

``running()`` starts ``python -m helpers.storefront`` (the same server as ``make storefront``)
on a free port of 127.0.0.1 and stops it afterwards; ``screenshot()`` photographs a page with
the headless Chromium ``helpers.browser`` finds, through Playwright, and ``show()`` gives
notebook 07 that photograph, or the page's HTML where the machine has no browser. A caller that
will take photographs says so (``running(photographs=True)``): the browser then starts while the
server does.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import html
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from helpers import browser, config

if TYPE_CHECKING:
    from IPython.display import DisplayObject


POLL_S = 0.05
"""Seconds between two knocks on a starting server's home page (a refused knock costs nothing)."""


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(base: str, path: str, timeout: float = 10.0) -> tuple[int, str]:
    """GET ``base + path``; return ``(status, body text)``, whatever the status."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


@contextmanager
def running(
    env: dict[str, str] | None = None, timeout: float = 120.0, photographs: bool = False
) -> Iterator[str]:
    """Serve the storefront in a child process until the block ends; yield its base URL.

    Args:
        env: environment variables for the server on top of this process's own (the state folder,
            ``WEB_CONCURRENCY`` …); ``PORT`` is a free port unless given.
        timeout: seconds to wait for the home page to answer.
        photographs: the block will call ``screenshot()`` or ``show()``: start the browser while
            the server starts (``_Camera.warm_up``), so that the first photograph need not wait
            for it. A machine without a browser still only hears of it from the photograph.

    Raises:
        RuntimeError: the server exited before it answered (its log's end is in the message).
        TimeoutError: it did not answer within ``timeout``.
    """
    env = {**os.environ, "PORT": str(free_port()), **(env or {})}
    base = f"http://127.0.0.1:{env['PORT']}"
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "helpers.storefront"], cwd=config.ROOT, env=env, stdout=log, stderr=log
        )
        atexit.register(server.terminate)  # a notebook that fails before the block ends stops it on exit
        if photographs:
            _camera.warm_up()
        try:
            _wait_for(base, server, log, timeout)
            yield base
        finally:
            atexit.unregister(server.terminate)
            _camera.close()
            server.terminate()
            server.wait(30)


def _wait_for(base: str, server: subprocess.Popen, log, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if get(base, "/")[0] == 200:
                return
        except OSError:
            pass
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the storefront exited with {server.returncode}: {log.read()[-1500:]}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the storefront did not answer on {base} within {timeout:.0f} s")
        time.sleep(POLL_S)


class _Camera:
    """One headless Chromium that photographs pages, opened on the first photograph and kept open.

    Playwright's synchronous API refuses to run inside a running event loop (a Jupyter kernel
    has one) and must be driven from the thread that started it, so the browser lives in a
    thread of its own. Launching Chromium takes longer than a photograph: notebook 07 takes
    four with one browser, and has it launched while the storefront starts (``warm_up``).
    """

    def __init__(self) -> None:
        self._thread = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="storefront camera")
        self._playwright = None
        self._browser = None
        self._in_use = False  # the thread was given work: close() has something to wait for

    def warm_up(self) -> None:
        """Start opening the browser in the camera's thread, and return at once.

        The next photograph waits only for what is left of the launch. A browser that does not
        open is no error here (it stays in a future nobody reads): the photograph tries again
        and raises it.
        """
        self._in_use = True
        self._thread.submit(self._open)

    def photograph(self, url: str, path: Path, width: int, height: int) -> Path:
        self._in_use = True
        return self._thread.submit(self._shoot, url, path, width, height).result(timeout=120)

    def close(self) -> None:
        """Close the browser, if one is open or opening (the next photograph opens another)."""
        if not self._in_use:
            return
        self._in_use = False
        try:
            self._thread.submit(self._close).result(timeout=60)
        except RuntimeError:  # at interpreter exit the thread is gone; so are Playwright's pipes
            pass

    def _open(self) -> None:
        if self._browser is not None:
            return
        chromium = browser.find()
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(**chromium.launch_options())
        except BaseException:
            self._close()
            raise

    def _shoot(self, url: str, path: Path, width: int, height: int) -> Path:
        self._open()
        page = self._browser.new_page(viewport={"width": width, "height": height})
        try:
            page.goto(url)
            page.screenshot(path=str(path))
        finally:
            page.close()
        return Path(path)

    def _close(self) -> None:
        browser_, playwright, self._browser, self._playwright = self._browser, self._playwright, None, None
        try:
            if browser_ is not None:
                browser_.close()
        finally:
            if playwright is not None:
                playwright.stop()


_camera = _Camera()
atexit.register(_camera.close)


def screenshot(url: str, path: Path, width: int = 1100, height: int = 820) -> Path:
    """Photograph the top of a page with headless Chromium; return the PNG's path.

    The browser stays open for the next photograph until the storefront that ``running()``
    started stops (or the process ends).

    Raises:
        helpers.browser.ChromiumNotFoundError: the machine has no Chromium we can drive.
    """
    return _camera.photograph(url, path, width, height)


def show(url: str, path: Path) -> DisplayObject:
    """What notebook 07 displays for a page: its screenshot, or a note and its HTML without a browser.

    Without a Chromium (``helpers.browser``), the notebook still runs to the end: it shows the
    page's HTML in a frame of its own (scripts off; styles and pictures load while the storefront
    runs).

    Args:
        url: the page, on a running storefront.
        path: where to save the PNG.

    Returns:
        An ``IPython.display.Image``, or an ``IPython.display.HTML`` with the note and the page.
    """
    from IPython.display import HTML, Image

    try:
        return Image(filename=screenshot(url, path))
    except browser.ChromiumNotFoundError as missing:
        parts = urllib.parse.urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        status, page = get(origin, urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, "")))
        page = page.replace("<head>", f'<head><base href="{origin}/">', 1)
        note = (
            f"<p><b>No screenshot</b> ({html.escape(str(missing))}): the page's HTML as the browser "
            f"receives it (HTTP {status}). <code>make browser</code> tries to install a Chromium.</p>"
        )
        frame = f'<iframe sandbox srcdoc="{html.escape(page)}" style="width:100%;height:480px"></iframe>'
        return HTML(note + frame)

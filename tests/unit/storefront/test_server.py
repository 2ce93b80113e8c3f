"""``server.running`` and its camera without a server or a browser: who starts Chromium, and when."""

from __future__ import annotations

import threading
import time

import pytest

from helpers import browser
from helpers.storefront import server


class _Process:
    """Stands for the storefront's process: it runs until terminated."""

    returncode = None

    def poll(self):
        return self.returncode

    def terminate(self):
        self.returncode = -15

    def wait(self, timeout=None):
        return self.returncode


@pytest.fixture
def no_server(monkeypatch):
    """``running()`` starts no process and finds it answering at once."""
    monkeypatch.setattr(server.subprocess, "Popen", lambda *args, **kwargs: _Process())
    monkeypatch.setattr(server, "_wait_for", lambda *args: None)


@pytest.fixture
def camera(monkeypatch):
    """A fresh camera in place of the module's one."""
    fresh = server._Camera()
    monkeypatch.setattr(server, "_camera", fresh)
    return fresh


class _Finds:
    """``browser.find`` on a machine without a browser, slow to say so: each search records its
    thread, waits for ``release`` and finds nothing."""

    def __init__(self) -> None:
        self.threads: list[str] = []
        self.release = threading.Event()

    def __call__(self):
        self.threads.append(threading.current_thread().name)
        self.release.wait(10)
        raise browser.ChromiumNotFoundError("no browser on this test machine")


@pytest.fixture
def finds(monkeypatch):
    finder = _Finds()
    monkeypatch.setattr(server.browser, "find", finder)
    return finder


def test_running__without_photographs_never_looks_for_a_browser(no_server, camera, finds):
    finds.release.set()
    with server.running() as base:
        assert base.startswith("http://127.0.0.1:")
    assert finds.threads == []


def test_running__with_photographs_starts_the_browser_without_waiting_for_it(
    no_server, camera, finds, tmp_path
):
    started = time.monotonic()
    with server.running(photographs=True):
        assert time.monotonic() - started < 5  # a search for a browser takes 10 s here
        deadline = time.monotonic() + 10
        while not finds.threads and time.monotonic() < deadline:  # the launch is under way, the block runs
            time.sleep(0.01)
        assert finds.threads == ["storefront camera_0"]
        finds.release.set()
        # the missing browser is the photograph's error, not the warm-up's
        with pytest.raises(browser.ChromiumNotFoundError, match="no browser on this test machine"):
            server.screenshot("http://127.0.0.1:1/", tmp_path / "page.png")
    assert len(finds.threads) == 2 and not (tmp_path / "page.png").exists()

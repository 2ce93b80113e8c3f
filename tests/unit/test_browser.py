"""The Chromium finder on machines laid out as we like: fake browsers in temp folders, no real one.

Every test hides the machine's own browsers (an empty PATH, search paths in a temp folder, no
Playwright download), so that they hold where ``/usr/bin/chromium`` is absent, as on a fresh laptop.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import browser


def fake_browser(path: Path, answer: str = "Chromium 99.0.1", status: int = 0) -> Path:
    """An executable that answers ``--version`` like a browser (or fails with ``status``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho "{answer}"\nexit {status}\n')
    path.chmod(0o755)
    return path


@pytest.fixture
def bare_machine(tmp_path, monkeypatch):
    """A machine with no browser anywhere we look: returns its ``bin`` folder (on PATH, empty)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv(browser.CHROMIUM_VARIABLE, raising=False)
    monkeypatch.delenv(browser.INSTALL_VARIABLE, raising=False)
    monkeypatch.setattr(browser, "PATHS", (str(tmp_path / "usr" / "bin" / "chromium"),))
    monkeypatch.setattr(browser, "_playwright_download", lambda: None)
    return bin_dir


def test_find__nothing_installed(bare_machine):
    assert not Path(browser.PATHS[0]).exists()
    with pytest.raises(browser.ChromiumNotFoundError, match=browser.CHROMIUM_VARIABLE) as missing:
        browser.find()
    assert "\n" not in str(missing.value)


def test_find_on_path(bare_machine):
    fake_browser(bare_machine / "google-chrome", "Google Chrome 140.0")
    found = browser.find()
    assert found.path == bare_machine / "google-chrome"
    assert found.found_by == "PATH (google-chrome)"
    assert found.version == "Google Chrome 140.0"


def test_find_in_a_usual_place(bare_machine):
    usual = fake_browser(Path(browser.PATHS[0]))
    assert browser.find().path == usual


def test_find_prefers_the_variable(bare_machine, tmp_path, monkeypatch):
    fake_browser(bare_machine / "chromium")
    fake_browser(Path(browser.PATHS[0]))
    mine = fake_browser(tmp_path / "my" / "chrome", "Chromium 120.0")
    monkeypatch.setenv(browser.CHROMIUM_VARIABLE, str(mine))
    found = browser.find()
    assert (found.path, found.found_by, found.version) == (mine, browser.CHROMIUM_VARIABLE, "Chromium 120.0")


def test_find_variable_names_a_command(bare_machine, monkeypatch):
    fake_browser(bare_machine / "chromium")
    fake_browser(bare_machine / "brave-browser", "Brave 1.0")
    monkeypatch.setenv(browser.CHROMIUM_VARIABLE, "brave-browser")
    assert browser.find().path == bare_machine / "brave-browser"


def test_find__variable_names_nothing(bare_machine, monkeypatch):
    fake_browser(bare_machine / "chromium")  # never used instead of what the user named
    monkeypatch.setenv(browser.CHROMIUM_VARIABLE, "/no/such/chrome")
    with pytest.raises(browser.ChromiumNotFoundError, match="/no/such/chrome"):
        browser.find()


def test_find__variable_none(bare_machine, monkeypatch):
    fake_browser(bare_machine / "chromium")
    monkeypatch.setenv(browser.CHROMIUM_VARIABLE, "none")
    with pytest.raises(browser.ChromiumNotFoundError, match="=none"):
        browser.find()


def test_find_skips_a_stub_that_does_not_start(bare_machine):
    fake_browser(bare_machine / "chromium", "requires the chromium snap to be installed", status=1)
    usual = fake_browser(Path(browser.PATHS[0]))
    assert browser.find().path == usual


def test_find_playwright_download_last(bare_machine, tmp_path, monkeypatch):
    downloaded = fake_browser(tmp_path / "ms-playwright" / "chromium-1" / "chrome")
    monkeypatch.setattr(browser, "_playwright_download", lambda: str(downloaded))
    assert browser.find().found_by == "Playwright's download"
    fake_browser(bare_machine / "chromium")
    assert browser.find().found_by == "PATH (chromium)"


def test_launch_options():
    options = browser.Chromium(Path("/x/chrome"), "PATH (chrome)", "Chrome 1").launch_options()
    assert options == {"executable_path": "/x/chrome", "args": ["--no-sandbox"]}


def test_provide__install_forbidden(bare_machine, monkeypatch):
    monkeypatch.setenv(browser.INSTALL_VARIABLE, "no")
    monkeypatch.setattr(browser, "install", lambda say: pytest.fail("installed although forbidden"))
    said: list[str] = []
    assert browser.provide(said.append) is None
    assert said == [
        f"headless Chromium: none found, and {browser.INSTALL_VARIABLE}=no forbids installing one"
    ]


def test_provide_installs_where_none_is_found(bare_machine, monkeypatch):
    monkeypatch.setattr(browser, "install", lambda say: fake_browser(Path(browser.PATHS[0])) and [])
    said: list[str] = []
    found = browser.provide(said.append)
    assert found is not None and found.path == Path(browser.PATHS[0])
    assert said[0] == "headless Chromium: none found; installing one"


def test_provide__every_install_fails(bare_machine, monkeypatch):
    commands: list[list[str]] = []
    monkeypatch.setattr(browser, "_run", lambda command, env, timeout: commands.append(command) or False)
    monkeypatch.setattr(browser.os, "geteuid", lambda: 1000)  # not root: apt-get is not tried
    said: list[str] = []
    assert browser.provide(said.append) is None
    assert [c[-2:] for c in commands] == [["install", "chromium"]]
    assert "playwright install chromium failed" in said[-2] and "needs apt-get and root" in said[-2]
    assert "browser tests are skipped" in said[-1]


def test_install_tries_apt_get_as_root(bare_machine, monkeypatch):
    commands: list[list[str]] = []
    monkeypatch.setattr(
        browser, "_run", lambda command, env, timeout: commands.append(command) or "apt-get" in command
    )
    monkeypatch.setattr(browser.os, "geteuid", lambda: 0)
    monkeypatch.setattr(
        browser.shutil, "which", lambda name: f"/usr/bin/{name}" if name == "apt-get" else None
    )
    assert browser.install(lambda line: None) == [
        "playwright install chromium failed (no connection to its download servers?)"
    ]
    assert [c[:2] for c in commands[1:]] == [["apt-get", "update"], ["apt-get", "install"]]


def test_playwright_connection_timeout_is_short(bare_machine, monkeypatch):
    seen: list[dict] = []
    monkeypatch.setattr(browser, "_run", lambda command, env, timeout: seen.append(env) or True)
    browser.install(lambda line: None)
    assert int(seen[0]["PLAYWRIGHT_DOWNLOAD_CONNECTION_TIMEOUT"]) <= 10_000


def test_main_require(bare_machine, monkeypatch):
    monkeypatch.setenv(browser.INSTALL_VARIABLE, "no")
    assert browser.main([]) == 0
    assert browser.main(["--require"]) == 1
    fake_browser(bare_machine / "chromium")
    assert browser.main(["--require"]) == 0

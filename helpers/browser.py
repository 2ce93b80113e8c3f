"""Find the headless Chromium that Playwright drives: notebook 07's screenshots and ``tests/browser``.

Playwright drives any recent Chromium or Google Chrome given its ``executable_path``, so the series
uses whichever one the machine has. :func:`find` looks, in this order, for:

1. the browser ``RECSYS_CHROMIUM`` names (a path, or a command on ``PATH``); ``none`` means no
   browser at all, as on a machine without one;
2. a command on ``PATH``: ``chromium``, ``chromium-browser``, ``google-chrome`` … (:data:`COMMANDS`);
3. the usual install paths of Linux (Debian, Ubuntu, Fedora, Arch, snap, WSL) and macOS
   (:data:`PATHS`);
4. the Chromium that ``playwright install chromium`` downloaded into Playwright's own folder.

A candidate counts only if it answers ``--version``, which rules out Ubuntu's stub that asks for a
snap. ``make setup`` runs ``python -m helpers.browser``: it reports the browser found or, failing
that, tries to get one: ``playwright install chromium`` (it needs a connection, and gives up after a
few seconds without one), then Debian's ``chromium`` package (it needs ``apt-get`` and root).
``RECSYS_BROWSER_INSTALL=no`` forbids both installs. Without a browser, notebook 07 shows each page's
HTML instead of a screenshot and the browser tests are skipped, except on CI (``CI=true``).

Example::

    >>> from helpers import browser
    >>> browser.find()  # doctest: +SKIP
    Chromium(path=PosixPath('/usr/bin/chromium'), found_by='PATH (chromium)', version='Chromium 156.0…')
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

CHROMIUM_VARIABLE = "RECSYS_CHROMIUM"
"""Names the browser to use (a path, or a command on PATH); ``none`` for no browser."""

INSTALL_VARIABLE = "RECSYS_BROWSER_INSTALL"
"""``no`` forbids ``make setup`` to install a browser (Playwright's download and apt-get)."""

COMMANDS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
"""Commands on PATH that start Chromium or Google Chrome, in order of preference."""

PATHS = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/lib/chromium/chromium",
    "/snap/bin/chromium",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/opt/google/chrome/chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "~/Applications/Chromium.app/Contents/MacOS/Chromium",
    "~/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
)
"""Where Linux distributions, snap, Google's packages and macOS put the browser."""

VERSION_TIMEOUT = 20.0
"""Seconds a candidate has to answer ``--version``."""

PLAYWRIGHT_CONNECT_MS = 8_000
"""Milliseconds ``playwright install`` waits for its download servers before it gives up."""

PLAYWRIGHT_TIMEOUT = 600.0
"""Seconds the whole Playwright download may take (about 170 MB)."""

APT_TIMEOUT = 900.0
"""Seconds ``apt-get update`` and ``apt-get install chromium`` may take, each."""


class ChromiumNotFoundError(LookupError):
    """No usable Chromium: the message says where we looked and how to provide one."""


@dataclass(frozen=True)
class Chromium:
    """A browser Playwright can drive.

    Attributes:
        path: its executable.
        found_by: how it was found (``RECSYS_CHROMIUM``, ``PATH (chromium)``, a usual path,
            Playwright's download).
        version: what it answered to ``--version``.
    """

    path: Path
    found_by: str
    version: str

    def launch_options(self) -> dict:
        """Keyword arguments of Playwright's ``chromium.launch`` for this browser, headless.

        ``--no-sandbox`` lets it start as root too (containers, CI), where Chromium refuses its sandbox.
        """
        return {"executable_path": str(self.path), "args": ["--no-sandbox"]}


def find() -> Chromium:
    """Return the Chromium to drive, looking in the order of this module's docstring.

    Raises:
        ChromiumNotFoundError: none answers; ``RECSYS_CHROMIUM`` names one that does not, or is
            ``none``. The message fits on one line.
    """
    named = os.environ.get(CHROMIUM_VARIABLE, "").strip()
    if named.lower() == "none":
        raise ChromiumNotFoundError(f"{CHROMIUM_VARIABLE}=none asks for no browser")
    if named:
        path = _resolve(named)
        version = _version(path) if path else None
        if path is None or version is None:
            raise ChromiumNotFoundError(
                f"{CHROMIUM_VARIABLE}={named} is not a Chromium or Chrome that answers --version"
            )
        return Chromium(path, CHROMIUM_VARIABLE, version)
    seen: set[Path] = set()
    for where, found_by in _candidates():
        path = Path(where).resolve() if where else None
        if path is None or path in seen or not _executable(path):
            continue
        seen.add(path)
        version = _version(path)
        if version is not None:
            return Chromium(Path(where), found_by, version)
    raise ChromiumNotFoundError(
        f"no Chromium or Chrome found on PATH ({', '.join(COMMANDS)}), in the usual places or in "
        f"Playwright's folder; install one (make browser tries) or name it in {CHROMIUM_VARIABLE}"
    )


def _candidates() -> Iterator[tuple[str | None, str]]:
    """``(path or None, how it was found)`` in the order of preference; Playwright's last, as
    asking Playwright starts its driver (about a second)."""
    yield from ((shutil.which(name), f"PATH ({name})") for name in COMMANDS)
    yield from ((str(Path(p).expanduser()), p) for p in PATHS)
    yield _playwright_download(), "Playwright's download"


def _resolve(named: str) -> Path | None:
    path = Path(named).expanduser()
    if _executable(path):
        return path
    on_path = shutil.which(named)
    return Path(on_path) if on_path else None


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _version(path: Path) -> str | None:
    """What ``path --version`` prints, or None when it fails (not a browser, a snap stub …)."""
    try:
        answer = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=VERSION_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = answer.stdout.strip().splitlines()
    return lines[-1] if answer.returncode == 0 and lines else None


def _playwright_download() -> str | None:
    """The executable of the Chromium ``playwright install chromium`` downloads, if it is there.

    Playwright's synchronous API refuses to start inside a running event loop (a Jupyter kernel
    has one), so it runs in a thread of its own.
    """

    def ask() -> str | None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            return playwright.chromium.executable_path

    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            path = pool.submit(ask).result(timeout=60)
    except Exception:  # Playwright missing or its driver failing: no download to use
        return None
    return path if path and Path(path).is_file() else None


def install_allowed() -> bool:
    """Whether ``make setup`` may install a browser (``RECSYS_BROWSER_INSTALL`` is not ``no``)."""
    return os.environ.get(INSTALL_VARIABLE, "").strip().lower() not in ("no", "0", "false")


def install(say: Callable[[str], None] = print) -> list[str]:
    """Try to get a Chromium: Playwright's download, then Debian's package; return what failed.

    Each attempt is quiet and fails fast: Playwright gives up after
    :data:`PLAYWRIGHT_CONNECT_MS` without a connection; apt-get is tried only where it exists and
    we are root.

    Args:
        say: prints one line per attempt.

    Returns:
        One short line per failed attempt (empty if the first attempt worked).
    """
    failures = []
    say("  trying playwright install chromium …")
    env = {**os.environ, "PLAYWRIGHT_DOWNLOAD_CONNECTION_TIMEOUT": str(PLAYWRIGHT_CONNECT_MS)}
    command = [sys.executable, "-m", "playwright", "install", "chromium"]
    if _run(command, env, PLAYWRIGHT_TIMEOUT):
        return failures
    failures.append("playwright install chromium failed (no connection to its download servers?)")
    if shutil.which("apt-get") is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        failures.append("apt-get install chromium needs apt-get and root")
        return failures
    say("  trying apt-get install chromium …")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if _run(["apt-get", "update", "-qq"], env, APT_TIMEOUT) and _run(
        ["apt-get", "install", "-y", "-qq", "chromium"], env, APT_TIMEOUT
    ):
        return failures
    failures.append("apt-get install chromium failed")
    return failures


def _run(command: list[str], env: dict[str, str], timeout: float) -> bool:
    try:
        return (
            subprocess.run(command, env=env, capture_output=True, timeout=timeout, check=False).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


def provide(say: Callable[[str], None] = print) -> Chromium | None:
    """Find a Chromium or, where allowed, install one; say in a line or two what happened.

    ``make setup`` and ``make browser`` call it through ``python -m helpers.browser``.

    Returns:
        The browser, or None when none can be had (notebook 07 and the tests then do without).
    """
    try:
        found = find()
    except ChromiumNotFoundError as missing:
        if os.environ.get(CHROMIUM_VARIABLE, "").strip():  # named by the user: never install over it
            say(f"headless Chromium: none ({missing})")
            return None
        if not install_allowed():
            say(f"headless Chromium: none found, and {INSTALL_VARIABLE}=no forbids installing one")
            return None
        say("headless Chromium: none found; installing one")
        failures = install(say)
        try:
            found = find()
        except ChromiumNotFoundError:
            say(f"headless Chromium: none ({'; '.join(failures)})")
            say("  notebook 07 shows pages as HTML instead of screenshots; the browser tests are skipped")
            return None
    say(f"headless Chromium: {found.path} ({found.version}; found by {found.found_by})")
    return found


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.browser [--require]``: find or install a Chromium (exit 1 if ``--require``d)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--require", action="store_true", help="exit with 1 when no browser can be had")
    args = parser.parse_args(argv)
    found = provide()
    return 1 if args.require and found is None else 0


if __name__ == "__main__":
    sys.exit(main())

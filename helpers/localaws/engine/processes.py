"""Which process owns a piece of work or a temporary file, and whether it still runs.

An owner id is ``pid:start-time`` (the start time from ``/proc/<pid>/stat``, in clock ticks
since boot), so a pid the system reused for another process is not mistaken for the owner.
A zombie (exited, not yet reaped by its parent) counts as gone: it will never run again.
"""

from __future__ import annotations

import os

_GONE_STATES = ("Z", "X", "x")  # zombie, dead


def _start_time(pid: int) -> str | None:
    """Return a process's start time, ``"?"`` if it runs but cannot be read, None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return "?"
        return "?"
    if fields[0] in _GONE_STATES:
        return None
    return fields[19]


def me() -> str:
    """Return this process's owner id, ``pid:start-time``."""
    return f"{os.getpid()}:{_start_time(os.getpid())}"


def is_alive(owner: str) -> bool:
    """Whether the process behind an owner id still runs (a zombie does not).

    Args:
        owner: an id from ``me()``, e.g. ``"4242:917311"``.
    """
    pid_text, _, start = owner.partition(":")
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    now = _start_time(pid)
    return now is not None and (now == start or "?" in (now, start))

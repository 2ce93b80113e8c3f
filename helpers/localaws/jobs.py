"""Asynchronous work of the local backend (import jobs, training), safe across processes.

How it works, for every resource that AWS creates asynchronously:

1. ``Create…`` records the resource with status ``CREATE PENDING`` and calls
   ``start(store, arn, kind)`` inside the same transaction. That records the work in the
   ``jobs`` table, owned by this process (``pid:start-time``), and — once the transaction has
   committed — runs the registered work function in a daemon thread.
2. The work function ``work(store, arn)`` sets ``CREATE IN_PROGRESS``, does the work and ends
   with ``ACTIVE``, all in its own transactions; if it raises, the registered ``fail(store, arn,
   reason)`` records ``CREATE FAILED`` with the reason. Either way the job row is removed.
   Work must be safe to run again from the start (write results under a name derived from
   the ARN, switch them in with the final status in one transaction).
3. ``Describe…`` calls ``resume_if_orphaned(store, arn)``, and every Personalize ``List…``
   calls ``resume_orphans(store)``: if the work is still recorded but its owner process is
   gone (a killed kernel, or a zombie nobody reaped), or is this process but no thread runs
   it, the caller claims it atomically and runs it. So a job is never stuck in PENDING.
4. Temporary files a dead owner left in ``tmp/`` are removed when its work is claimed (and
   whenever a store opens), so a kill mid-write leaves nothing behind once work resumes.

Register a kind once at import time of its service module::

    jobs.register("dataset-import-job", work=_run_import, fail=_fail_import)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from helpers.localaws import processes
from helpers.localaws.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Kind:
    work: Callable[[Store, str], None]
    fail: Callable[[Store, str, str], None]


_kinds: dict[str, _Kind] = {}
_running: set[tuple[str, str]] = set()  # (state folder, arn) run by a thread of this process
_lock = threading.Lock()


def register(kind: str, work: Callable[[Store, str], None], fail: Callable[[Store, str, str], None]) -> None:
    """Declare how to run (``work``) and how to fail (``fail``) one kind of asynchronous work."""
    _kinds[kind] = _Kind(work, fail)


def start(store: Store, arn: str, kind: str) -> None:
    """Record work for ``arn`` owned by this process; run it in a thread after commit.

    Call it inside the transaction that creates the resource.
    """
    if kind not in _kinds:
        raise ValueError(f"kind must be one of {sorted(_kinds)}, not {kind!r}")
    store.job_add(arn, kind, processes.me())
    store.after_commit(lambda: _spawn(store, arn, kind))


def resume_if_orphaned(store: Store, arn: str) -> bool:
    """Claim and run the work of ``arn`` if its owner process is dead; return whether it did."""
    job = store.job_get(arn)
    if job is None:
        return False
    kind, owner = job
    mine = owner == processes.me()
    with _lock:
        if mine and (str(store.root), arn) in _running:
            return False
    if not mine and processes.is_alive(owner):
        return False
    with store.transaction():
        claimed = store.job_claim(arn, owner, processes.me())
    if claimed:
        log.info("resuming %s work of %s left by %s", kind, arn, owner)
        if not mine:
            store.sweep_temp_files()
        _spawn(store, arn, kind)
    return claimed


def resume_orphans(store: Store) -> list[str]:
    """Resume every piece of work whose owner is gone (what List calls do); return their keys."""
    return [arn for arn, _kind, _owner in store.jobs() if resume_if_orphaned(store, arn)]


def _spawn(store: Store, arn: str, kind: str) -> None:
    key = (str(store.root), arn)
    with _lock:
        if key in _running:
            return
        _running.add(key)
    threading.Thread(target=_run, args=(store, arn, kind), name=f"localaws {kind}", daemon=True).start()


def _run(store: Store, arn: str, kind: str) -> None:
    spec = _kinds[kind]
    try:
        try:
            spec.work(store, arn)
        except Exception as exc:  # the job fails, the process goes on
            log.exception("%s %s failed", kind, arn)
            spec.fail(store, arn, str(exc) or type(exc).__name__)
        with store.transaction():
            store.job_done(arn)
    finally:
        with _lock:
            _running.discard((str(store.root), arn))


def wait_idle(timeout: float = 30.0) -> bool:
    """Wait until no work thread of this process runs (for tests); return whether it is idle."""
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with _lock:
            if not _running:
                return True
        time.sleep(0.02)
    return False

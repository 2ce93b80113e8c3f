"""Asynchronous work of the local backend (import jobs, training), safe across processes.

How it works, for every resource that AWS creates asynchronously:

1. ``Create…`` records the resource with status ``CREATE PENDING`` and calls
   ``start(store, key, kind)`` inside the same transaction. That records the work in the
   ``jobs`` table, owned by this process (``pid:start-time``), and — once the transaction has
   committed — runs the registered work function in a daemon thread, so the call returns at
   once and several trainings run side by side.
2. The work function ``work(store, key)`` sets ``CREATE IN_PROGRESS``, does the work and ends
   with ``ACTIVE``, all in its own transactions; if it raises, the registered ``fail(store, key,
   reason)`` records ``CREATE FAILED`` with the reason. Either way the job row is removed.
   Work must be safe to run again from the start (write results under a name derived from
   the ARN, switch them in with the final status in one transaction).
3. Before a call runs, the hooks ``settle`` the work its answer depends on (which work that is,
   each service module says in its ``pending_work(store, operation, params)``): work whose owner
   process is gone (a killed kernel, a zombie nobody reaped), or that is this process's but no
   thread runs, is claimed atomically and run; then the call waits until the work is done, at
   most ``SETTLE_SECONDS``. So a job is never stuck in PENDING.
4. Temporary files a dead owner left in ``tmp/`` are removed when its work is claimed (and
   whenever a store opens), so a kill mid-write leaves nothing behind once work resumes.

What a caller observes (the local backend is deterministic: same script, same answer, every
run, whatever the scheduling of threads and processes): a call answers as AWS does once the
work it depends on has taken its usual time. CreateDataset right after CreateDatasetGroup
succeeds; a Describe right after a Create shows the outcome (``ACTIVE``, or ``CREATE FAILED``
with its reason), a Describe right after a Delete is ResourceNotFoundException, a List shows
every listed resource settled; DeleteDatasetGroup right after deleting its datasets succeeds.
That holds whichever process runs the work: work of another live process is waited for by
polling the ``jobs`` table, and a call never waits inside a transaction.
The intermediate statuses (``… PENDING``, ``… IN_PROGRESS``) are only seen when work takes
longer than ``SETTLE_SECONDS`` (the caller then polls, as on AWS), or when the work never
runs in this process (tests that disable ``_spawn``). Kinds registered ``parent_waits`` (a
dataset's creation, an import, a deletion) are also settled by calls on their parent, which
read their state; trainings are not, so five recommenders train at once. Kinds registered
``background`` (a recommender's update, during which it keeps serving) are not waited for by
the data plane (GetRecommendations) unless this process started them: the storefront keeps
serving the old model while a notebook retrains, and a script that retrains and then asks
for recommendations gets the new model, every run.

Register a kind once at import time of its service module::

    jobs.register("dataset-import-job", work=_run_import, fail=_fail_import, parent_waits=True)
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from helpers.localaws.engine import processes
from helpers.localaws.engine.store import Store

log = logging.getLogger(__name__)


SETTLE_SECONDS = 600.0
"""How long a call waits at most for the work it depends on (the longest training the series
runs takes about a minute at full scale)."""
_POLL_SECONDS = 0.02  # how often a wait looks at work another process runs


@dataclass(frozen=True)
class _Kind:
    work: Callable[[Store, str], None]
    fail: Callable[[Store, str, str], None]
    parent_waits: bool
    background: bool


_kinds: dict[str, _Kind] = {}
_running: set[tuple[str, str]] = set()  # (state folder, key) run by a thread of this process
_lock = threading.Lock()
_finished = threading.Condition(_lock)  # notified whenever a work thread of this process ends


def register(
    kind: str,
    work: Callable[[Store, str], None],
    fail: Callable[[Store, str, str], None],
    *,
    parent_waits: bool = False,
    background: bool = False,
) -> None:
    """Declare how to run (``work``) and how to fail (``fail``) one kind of asynchronous work.

    Args:
        kind: the kind's name, given to ``start``.
        work: runs the work for a key.
        fail: records the failure of the work for a key, with the reason.
        parent_waits: calls on the resource's parent wait for this work too (they read its
            state: CreateRecommender reads its dataset group's imports).
        background: the resource keeps serving while this work runs; the data plane waits
            for it only if this process started it.
    """
    _kinds[kind] = _Kind(work, fail, parent_waits, background)


def parent_waits(kind: str) -> bool:
    """Whether calls on a resource's parent wait for this kind of work (see ``register``)."""
    return kind in _kinds and _kinds[kind].parent_waits


def background(kind: str) -> bool:
    """Whether the resource keeps serving while this kind of work runs (see ``register``)."""
    return kind in _kinds and _kinds[kind].background


def settle(store: Store, keys: list[str], timeout: float | None = None) -> list[str]:
    """Let the work of ``keys`` finish before a call that depends on it; return the keys still pending.

    Orphaned work (its owner is gone, or is this process but no thread runs it) is claimed and
    run first. Waiting ends when every key's work is done, when nobody runs what is left, or
    after ``timeout`` seconds in all (``SETTLE_SECONDS`` by default).
    """
    end = time.monotonic() + (SETTLE_SECONDS if timeout is None else timeout)
    left = []
    for key in keys:
        while store.job_get(key) is not None:
            resume_if_orphaned(store, key)
            if not _runs(store, key) or time.monotonic() >= end:
                left.append(key)
                break
            with _finished:
                _finished.wait(min(_POLL_SECONDS, max(0.0, end - time.monotonic())))
    if left:
        log.info("answering while work is still pending: %s", left)
    return left


def _runs(store: Store, key: str) -> bool:
    """Whether some thread of a live process runs (or is about to run) the work of ``key``."""
    job = store.job_get(key)
    if job is None:
        return False
    _kind, owner = job
    if owner != processes.me():
        return processes.is_alive(owner)
    with _lock:
        return (str(store.root), key) in _running


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
            store.sweep_orphan_objects()
        _spawn(store, arn, kind)
    return claimed


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
            _finished.notify_all()


def wait_idle(timeout: float = 30.0) -> bool:
    """Wait until no work thread of this process runs (for tests); return whether it is idle."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with _lock:
            if not _running:
                return True
        time.sleep(0.02)
    return False

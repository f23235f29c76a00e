"""Where runs execute: a thread pool in this process, or somewhere else.

SYNTH_EXECUTOR=thread (default) runs them in a bounded pool here, with a scheduler
thread; `external` only enqueues and leaves running to `flask synth worker`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask, current_app

from synth_web.engine import runs
from synth_web.engine.crowding import Crowding
from synth_web.engine.runner import run_execution, run_next
from synth_web.engine.steps import Plan
from synth_web.extensions import db

log = logging.getLogger(__name__)


def worker_name() -> str:
    """Name this process for the runs it executes."""
    return f"{socket.gethostname()}:{os.getpid()}"


class ThreadExecutor:
    """A bounded pool of threads that run executions of this app."""

    def __init__(self, app: Flask, workers: int) -> None:
        self.app = app
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._pid: int | None = None
        self._pending: set[int] = set()
        self._reserved = 0
        self._probes = 0
        self._nudged = False
        self._lock = threading.Lock()
        self._deferred = False
        self.requests = Crowding()  # requests this process answers (see crowded)
        self.helped = False  # a background loop here takes waiting runs

    def _ensure_pool(self) -> ThreadPoolExecutor:
        # A pool made before a fork has no threads in the child: make a new one.
        if self._pool is None or self._pid != os.getpid():
            self._pool = ThreadPoolExecutor(
                self.workers, thread_name_prefix="synth-run"
            )
            self._pid = os.getpid()
            self._pending = set()
            self._reserved = 0
            self._probes = 0
            self._nudged = False
        return self._pool

    def submit(self, execution_id: int) -> None:
        """Run an execution soon, unless this process already has it queued.

        While every thread is taken and the background loop runs, the run is
        not handed to the pool: it waits in the database queue, and the next
        thread to free up takes waiting runs in queue order (`nudge`). A task
        per run queued behind busy threads would each claim its run when its
        turn came, and fail while the run's owner was at their fair share:
        under a burst, 850 such tasks held one process's pool as "busy", so
        its waiting runs drained through one thread instead of its fair-share
        lanes (issue 20).
        """
        with self._lock:
            # Make the pool first: a new pool starts with an empty pending set.
            pool = self._ensure_pool()
            if execution_id in self._pending:
                return
            if not (self._taken() >= self.workers and self.helped):
                self._pending.add(execution_id)
                pool.submit(self._run, execution_id)
                return
        self.nudge()

    def _taken(self) -> int:
        """Threads taken or promised: runs held, slots reserved, probes out (locked)."""
        return len(self._pending) + self._reserved + self._probes

    def reserve(self) -> bool:
        """Hold a free slot of this process's pool for a run inserted claimed.

        True when fewer runs are accepted here than the pool has threads: the
        caller inserts its run already running, then `submit_claimed` (or
        `release`). A busy pool says False, and the run is queued as before.
        """
        with self._lock:
            self._ensure_pool()
            if len(self._pending) + self._reserved >= self.workers:
                return False
            self._reserved += 1
            return True

    def crowded(self) -> bool:
        """Whether this process has been answering other requests too, so its
        webhooks' runs are better left queued for whichever process has threads
        to spare (see engine/crowding.py).

        Only when this process's background loop takes waiting runs: without it
        (tests, CLI) a run left queued here might wait for nobody.
        """
        return self.helped and self.requests.crowded()

    def release(self) -> None:
        """Give back a slot reserved for a run that was not inserted running."""
        with self._lock:
            self._reserved = max(0, self._reserved - 1)

    def submit_claimed(self, plan: Plan) -> None:
        """Run a run this process inserted already claimed, with its plan read."""
        with self._lock:
            pool = self._ensure_pool()
            self._reserved = max(0, self._reserved - 1)
            self._pending.add(plan.execution_id)
            pool.submit(self._run, plan.execution_id, plan)

    def pending(self) -> set[int]:
        """Return the ids this process has accepted but not finished."""
        with self._lock:
            return set(self._pending)

    def run_waiting(self) -> None:
        """Claim and run queued runs in this thread, oldest first, while any may start.

        A run that ends frees a slot of its owner's fair share: its thread takes
        the next waiting run at once (one claiming statement) rather than leave
        each queued run's own claim to fail until its turn.
        """
        held: set[int] = set()

        def hold(execution_id: int, _owner: int, _conn: Any, more: bool) -> None:
            held.add(execution_id)
            with self._lock:
                self._pending.add(execution_id)
            if more:
                self._widen()

        try:
            while (ended := run_next(worker_name(), hold)) is not None:
                # Each run lets go of its slot as it ends, not when the loop
                # does: a loop that ran 1,586 runs held as many "pending", and
                # its pool started no second lane meanwhile (issue 20).
                held.discard(ended)
                with self._lock:
                    self._pending.discard(ended)
            self._deferred = False
        finally:
            with self._lock:
                self._pending.difference_update(held)

    def take_waiting(self) -> None:
        """With a thread to spare, take runs that wait queued, whoever queued them.

        The background loop asks this a few times a second: a process whose
        threads are idle helps drain a backlog that another process (busy
        answering webhooks) queued, instead of leaving it to that process.
        """
        with self._lock:
            self._ensure_pool()
            if self._nudged or self._taken() >= self.workers:
                return
        # A crowded process leaves fresh runs to idle ones, and helps only with
        # runs nobody took for half a second (it may be the only process).
        if runs.any_waiting(older_than=0.5 if self.crowded() else None):
            self.nudge()

    def nudge(self) -> None:
        """Have a pool thread take waiting runs soon (one such request at a time).

        A webhook whose run was queued behind its owner's fair share asks this
        instead of queuing a claim of its own run that would fail until its turn.
        """
        with self._lock:
            pool = self._ensure_pool()
            if self._nudged:
                return
            self._nudged = True
        self._start_drain(pool, nudged=True)

    def _widen(self) -> None:
        """Start one more draining thread while this pool has threads to spare.

        A loop stops when its claim finds every share full; without this the
        loops left would dwindle to one as slots free up. The new loop's first
        claim either takes a run (and widens again) or stops.
        """
        with self._lock:
            if self._pool is None or len(self._pending) + self._probes >= self.workers:
                return
            self._probes += 1
            pool = self._pool
        self._start_drain(pool, nudged=False)

    def _start_drain(self, pool: ThreadPoolExecutor, nudged: bool) -> None:
        """Hand the pool a draining task its caller announced (a nudge or a probe);
        a pool shutting down (the process exits) takes none: withdraw it."""
        try:
            pool.submit(self._drain, nudged)
        except RuntimeError:
            self._drain_begun(nudged)

    def _drain_begun(self, nudged: bool) -> None:
        """The announced drain is under way (or withdrawn): no longer pending."""
        with self._lock:
            if nudged:
                self._nudged = False
            else:
                self._probes -= 1

    def _drain(self, nudged: bool) -> None:
        self._drain_begun(nudged)
        try:
            with self.app.app_context():
                try:
                    self.run_waiting()
                finally:
                    db.session.remove()
        except Exception:  # noqa: BLE001 - a pool thread must never die silently
            log.exception("Taking waiting runs failed")

    def _run(self, execution_id: int, plan: Plan | None = None) -> None:
        try:
            with self.app.app_context():
                try:
                    given = {"plan": plan} if plan is not None else {}
                    status = run_execution(execution_id, worker=worker_name(), **given)
                    if status is None:
                        # Not claimed: maybe its owner is running their fair
                        # share. It waits queued until one of theirs ends.
                        self._deferred = True
                    elif runs.waiting_after_finish() or self._deferred:
                        self.run_waiting()
                finally:
                    db.session.remove()
        except Exception:  # noqa: BLE001 - a pool thread must never die silently
            log.exception("Run %s failed outside the runner", execution_id)
        finally:
            with self._lock:
                self._pending.discard(execution_id)

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking runs and, if asked, wait for the ones in flight."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait)
            self._pool = None


class ExternalExecutor:
    """Only enqueue: a separate `flask synth worker` process picks runs up."""

    def submit(self, execution_id: int) -> None:
        """Leave the queued run for a worker process."""

    def pending(self) -> set[int]:
        """Nothing runs here."""
        return set()

    def shutdown(self, wait: bool = True) -> None:
        """Nothing to stop."""


def make_executor(app: Flask) -> Any:
    """Build the executor the settings ask for."""
    kind = app.config["SYNTH_EXECUTOR"]
    if kind == "thread":
        return ThreadExecutor(app, app.config["SYNTH_WORKERS"])
    if kind == "external":
        return ExternalExecutor()
    if kind == "celery":
        from synth_web.engine.celery_app import CeleryExecutor

        return CeleryExecutor(app)
    raise RuntimeError(
        f"SYNTH_EXECUTOR must be thread, external or celery, not {kind!r}"
    )


def executor() -> Any:
    """Return this app's executor."""
    return current_app.extensions["synth_executor"]


def claiming_slot() -> Any:
    """Return this process's executor when it has a slot free for a run, else None.

    Only the thread pool runs runs where they are inserted; the reservation is
    the caller's to hand over (`submit_claimed`) or give back (`release`).
    """
    pool = executor()
    reserve = getattr(pool, "reserve", None)
    return pool if reserve is not None and reserve() else None


def leaves_to_others() -> bool:
    """Whether this process leaves its webhooks' runs to idle processes (crowded)."""
    crowded = getattr(executor(), "crowded", None)
    return crowded is not None and crowded()


def dispatch(execution_id: int) -> None:
    """Hand a committed, queued execution to whatever runs executions."""
    executor().submit(execution_id)

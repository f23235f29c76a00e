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
from synth_web.engine.runner import run_execution
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
        self._lock = threading.Lock()
        self._deferred = False

    def _ensure_pool(self) -> ThreadPoolExecutor:
        # A pool made before a fork has no threads in the child: make a new one.
        if self._pool is None or self._pid != os.getpid():
            self._pool = ThreadPoolExecutor(
                self.workers, thread_name_prefix="synth-run"
            )
            self._pid = os.getpid()
            self._pending = set()
        return self._pool

    def submit(self, execution_id: int) -> None:
        """Run an execution soon, unless this process already has it queued."""
        with self._lock:
            # Make the pool first: a new pool starts with an empty pending set.
            pool = self._ensure_pool()
            if execution_id in self._pending:
                return
            self._pending.add(execution_id)
            pool.submit(self._run, execution_id)

    def pending(self) -> set[int]:
        """Return the ids this process has accepted but not finished."""
        with self._lock:
            return set(self._pending)

    def refill(self) -> None:
        """Take the oldest queued runs that can start now (fair shares allowing).

        Called as a run ends while some runs were left waiting; once the queue
        is empty, ending runs cost no query again.
        """
        if not runs.queued_ids(limit=1):
            self._deferred = False
            return
        pending = self.pending()
        for execution_id in runs.queued_ids(limit=self.workers, claimable=True):
            if execution_id not in pending:
                self.submit(execution_id)

    def _run(self, execution_id: int) -> None:
        try:
            with self.app.app_context():
                try:
                    if run_execution(execution_id, worker=worker_name()) is None:
                        # Not claimed: maybe its owner is running their fair
                        # share. It waits queued until one of theirs ends.
                        self._deferred = True
                    elif self._deferred:
                        self.refill()
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


def dispatch(execution_id: int) -> None:
    """Hand a committed, queued execution to whatever runs executions."""
    executor().submit(execution_id)

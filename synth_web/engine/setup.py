"""Attach the run engine to the app: its executor and background loop."""

from __future__ import annotations

import gc

from flask import Flask, g

from synth_web.engine.executor import ThreadExecutor, make_executor
from synth_web.engine.scheduler import start_background


def freeze_startup_heap() -> None:
    """Leave the objects made at start-up out of every later garbage collection.

    Call it once a serving process (gunicorn worker, `flask synth worker`, Celery
    worker) has built its app. The app, its modules, templates and catalog are
    ~150,000 objects that live as long as the process; a full collection scanned
    them all, 72-93 ms with the whole process stopped, about once a minute under
    load, in both web processes at once (issue 20). Frozen, a full collection
    scans what came after: 2.4-4.8 ms.
    """
    gc.freeze()


def init_app(app: Flask) -> None:
    """Create the executor, and start background work when this process serves."""
    app.extensions["synth_executor"] = make_executor(app)
    mode = app.config["SYNTH_BACKGROUND"]
    if mode == "1" or (mode == "auto" and not app.testing):

        @app.before_request
        def _start_background() -> None:
            # Started by the first request: a process that only runs CLI commands
            # (migrations, demo data) never starts threads.
            start_background(app)

        pool = app.extensions["synth_executor"]
        if isinstance(pool, ThreadExecutor):
            # Its background loop takes waiting runs: webhooks may leave theirs
            # queued while this process is crowded (ThreadExecutor.crowded).
            pool.helped = True
            app.before_request(lambda: count_request(pool))
            app.teardown_request(lambda _error: uncount_request(pool))


def count_request(pool: ThreadExecutor) -> None:
    """Count a request in (once: see uncount_request)."""
    g.synth_counted = True
    pool.requests.started()


def uncount_request(pool: ThreadExecutor) -> None:
    """Count a request out, if it was counted in (an earlier hook may have answered)."""
    if g.pop("synth_counted", False):
        pool.requests.ended()

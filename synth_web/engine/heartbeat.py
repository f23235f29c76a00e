"""Heartbeats: each process vouches, every few seconds, for the runs it holds.

Whatever runs executions (the web process's pool, `flask synth worker`, a Celery
worker) starts this thread with its first run; the sweep ends runs whose heartbeat
stops, so a killed process's runs do not stay "running" forever.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app

from synth_web.engine import runs
from synth_web.extensions import db

log = logging.getLogger(__name__)

_HELD: set[int] = set()
_LOCK = threading.Lock()
_THREAD: dict[str, object] = {}


def held() -> list[int]:
    """Return the ids of the runs this process is executing."""
    with _LOCK:
        return list(_HELD)


@contextmanager
def holding(execution_id: int) -> Iterator[None]:
    """Vouch for a run while it executes in this process."""
    ensure_started(current_app._get_current_object())
    with _LOCK:
        _HELD.add(execution_id)
    try:
        yield
    finally:
        with _LOCK:
            _HELD.discard(execution_id)


def ensure_started(app: Flask) -> None:
    """Start this process's heartbeat thread once (again after a fork)."""
    if _THREAD.get("pid") == os.getpid():
        return
    with _LOCK:
        if _THREAD.get("pid") == os.getpid():
            return
        thread = threading.Thread(
            target=_beat, args=(app,), daemon=True, name="synth-heartbeat"
        )
        thread.start()
        _THREAD.update(pid=os.getpid(), thread=thread)


def _beat(app: Flask) -> None:
    every = app.config["SYNTH_HEARTBEAT_SECONDS"]
    stop = threading.Event()
    while not stop.wait(every):
        ids = held()
        if not ids:
            continue
        try:
            with app.app_context():
                runs.heartbeat(ids)
                db.session.remove()
        except Exception:  # noqa: BLE001 - a missed beat is retried next time
            log.exception("Heartbeat failed")

"""SYNTH_EXECUTOR=celery: runs execute in Celery workers fed through Redis.

The web process only enqueues (`CeleryExecutor.submit`). Each task is a lane: it
claims and runs queued runs in turn (`run_next`, as the thread pool's lanes do)
while one may start, so a run that lanes at work will reach gets no message of
its own (`lanes.taken_in_turn`). Celery beat drives the scheduler tick (which
also re-sends runs queued for over a minute), the stale-run sweep and pruning.
Start them with:

    celery -A synth_web.engine.celery_worker worker --pool threads --concurrency 4
    celery -A synth_web.engine.celery_worker beat

Delivery is at-least-once (acks_late, reject_on_worker_lost, prefetch 1); the claim
makes execution at-most-once, so a redelivered message finds nothing more to claim
than any other lane would. A worker killed mid-run stops heart-beating; the sweep
ends that run as a failure, keeping the steps it recorded. It is not re-run.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta
from typing import Any

from celery import Celery
from celery.signals import worker_ready
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)
celery = Celery("synth")


def configure(app: Flask) -> Celery:
    """Point Celery at the broker and schedule the beat jobs for this app."""
    config = app.config
    queue = config["CELERY_QUEUE"]
    celery.conf.update(
        broker_url=config["CELERY_BROKER_URL"],
        task_default_queue=queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        # A message not acknowledged within this time is delivered again: keep it
        # longer than the longest run allowed (the claim makes a late twin harmless).
        broker_transport_options={
            "visibility_timeout": config["SYNTH_MAX_RUN_SECONDS"] + 600
        },
        beat_schedule={
            "tick": {"task": "synth.tick", "schedule": config["SYNTH_TICK_SECONDS"]},
            "sweep": {
                "task": "synth.sweep",
                "schedule": config["SYNTH_HEARTBEAT_SECONDS"],
            },
            "prune": {"task": "synth.prune", "schedule": 86400},
            "verify": {"task": "synth.verify", "schedule": 3600},
        },
        worker_hijack_root_logger=False,
    )
    celery.flask_app = app  # type: ignore[attr-defined]
    return celery


def flask_app() -> Flask:
    """The Flask app the tasks run in."""
    return celery.flask_app  # type: ignore[attr-defined]


@celery.task(name="synth.run_execution")
def run_execution_task(execution_id: int) -> int:
    """Be a lane: take queued runs in turn while one may start; return how many ran.

    The message names the run it was sent for, but a lane takes whichever run
    is next (queue order, fair shares) and goes on while runs wait: the web
    sends no message for a run that lanes at work will reach in turn
    (`lanes.taken_in_turn`). A redelivered message for a run that already
    started only finds nothing to claim.
    """
    from synth_web.engine.lanes import Lane
    from synth_web.engine.runner import run_next
    from synth_web.extensions import db

    lane = Lane(run_execution_task.delay)
    with flask_app().app_context():
        try:
            worker = f"celery:{socket.gethostname()}:{os.getpid()}"
            ran = 0
            while run_next(worker, lane.took) is not None:
                ran += 1
            return ran
        finally:
            lane.ended()
            db.session.remove()


@worker_ready.connect
def take_waiting_runs(**_: Any) -> None:
    """Start a lane as a worker starts (DESIGN section 4: waiting runs go again).

    Runs that waited while no worker was up, their message lost with a killed
    worker or never sent because a lane that died with it would have reached
    them, start now rather than at the tick's re-send of runs queued a minute.
    """
    run_execution_task.delay(0)


@celery.task(name="synth.tick")
def tick_task() -> int:
    """Enqueue due schedule fire times and re-send queued runs nobody took."""
    from synth_web.engine import runs
    from synth_web.engine.scheduler import enqueue_due_schedules
    from synth_web.extensions import db
    from synth_web.models import utcnow

    with flask_app().app_context():
        try:
            new = enqueue_due_schedules()
            stale = runs.queued_ids(
                older_than=utcnow() - timedelta(seconds=60), claimable=True
            )
            for execution_id in {*new, *stale}:
                run_execution_task.delay(execution_id)
            return len(new)
        finally:
            db.session.remove()


@celery.task(name="synth.sweep")
def sweep_task() -> int:
    """End runs whose worker stopped heart-beating."""
    from synth_web.engine.scheduler import sweep
    from synth_web.extensions import db

    app = flask_app()
    with app.app_context():
        try:
            return sweep(app.config)
        finally:
            db.session.remove()


@celery.task(name="synth.prune")
def prune_task() -> int:
    """Delete finished runs older than the retention period."""
    from synth_web.engine import runs
    from synth_web.extensions import db

    app = flask_app()
    with app.app_context():
        try:
            days = app.config["SYNTH_EXECUTIONS_MAX_AGE_DAYS"]
            return runs.prune(timedelta(days=days))
        finally:
            db.session.remove()


@celery.task(name="synth.verify")
def verify_task() -> int:
    """Re-check active connections that were not checked for a while."""
    from synth_web.engine.verification import reverify_due
    from synth_web.extensions import db

    app = flask_app()
    with app.app_context():
        try:
            hours = app.config["SYNTH_VERIFY_INTERVAL_HOURS"]
            return reverify_due(timedelta(hours=hours))
        finally:
            db.session.remove()


class CeleryExecutor:
    """Hand runs to Celery workers through the broker."""

    def __init__(self, app: Flask) -> None:
        configure(app)

    def submit(self, execution_id: int) -> None:
        """Send the run's id to the queue, unless lanes at work will reach it."""
        from synth_web.engine.lanes import taken_in_turn

        try:
            in_turn = taken_in_turn(execution_id)
        except SQLAlchemyError:  # a message too many is harmless; none is not
            log.exception("Could not tell whether run %s needs a message", execution_id)
            in_turn = False
        if not in_turn:
            run_execution_task.delay(execution_id)

    def pending(self) -> set[int]:
        """Nothing runs in this process."""
        return set()

    def shutdown(self, wait: bool = True) -> None:
        """Nothing to stop here."""

    def __repr__(self) -> str:
        return f"<CeleryExecutor {celery.conf.broker_url}>"

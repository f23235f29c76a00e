"""Background duties: schedule ticks, heartbeats, the stale-run sweep, pruning.

Any number of schedulers may run at once (web processes, workers): a fire time is
enqueued with a unique dedupe key, so each one runs exactly once.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter
from flask import Flask
from sqlalchemy import select

from synth_web.engine import runs
from synth_web.engine.checks import connection_statuses
from synth_web.engine.start import RunRefused, start_run
from synth_web.extensions import db
from synth_web.models import Workflow, utcnow

log = logging.getLogger(__name__)
# Connections are re-checked hourly (those not checked for
# SYNTH_VERIFY_INTERVAL_HOURS); the first pass waits a few minutes after start.
# How often an idle thread pool looks for runs another process queued (one
# indexed EXISTS when its threads are idle, nothing when they are all busy).
IDLE_LOOK_SECONDS = 0.25
VERIFY_EVERY = 3600.0
VERIFY_FIRST_AFTER = 300.0


def latest_fire_time(trigger: dict[str, Any], now: datetime) -> datetime:
    """Return the most recent fire time at or before now, in UTC."""
    zone = ZoneInfo(trigger.get("timezone") or "UTC")
    local_now = now.astimezone(zone)
    # croniter.get_prev is strictly before its start: start at the next whole
    # second so `now` itself counts, and step back past anything later than now
    # (23:59:59.5 must not find the midnight half a second ahead).
    times = croniter(
        trigger["cron"], local_now.replace(microsecond=0) + timedelta(seconds=1)
    )
    fire = times.get_prev(datetime)
    while fire > local_now:
        fire = times.get_prev(datetime)
    return fire.astimezone(UTC)


def schedule_key(workflow_id: int, fire: datetime) -> str:
    """The dedupe key of one fire time of one workflow."""
    return f"schedule:{workflow_id}:{fire.strftime('%Y-%m-%dT%H:%M:%SZ')}"


def enqueue_due_schedules(now: datetime | None = None) -> list[int]:
    """Enqueue the latest due fire time of every active schedule; return new ids.

    Only the latest fire time counts: after downtime, missed ones are not backfilled.
    Fire times before the workflow was switched on are ignored.
    """
    now = now or utcnow()
    workflows = db.session.scalars(
        select(Workflow).where(
            Workflow.status == "active", Workflow.trigger_type == "schedule"
        )
    ).all()
    new_ids, statuses = [], {}
    for workflow in workflows:
        try:
            fire = latest_fire_time(workflow.trigger, now)
        except (KeyError, ValueError, TypeError):
            continue  # invalid schedules are problems shown on the workflow page
        if fire < switched_on_at(workflow):
            continue
        if workflow.user_id not in statuses:
            statuses[workflow.user_id] = connection_statuses(workflow.user_id)
        try:
            execution, created = start_run(
                workflow,
                "schedule",
                {"fire_time": fire.isoformat(), "cron": workflow.trigger.get("cron")},
                dedupe_key=schedule_key(workflow.id, fire),
                connections=statuses[workflow.user_id],
                hand_over=False,  # the loop hands new runs to its executor
            )
        except RunRefused:
            continue  # its problems are shown on the workflow page
        if created:
            new_ids.append(execution.id)
    return new_ids


def switched_on_at(workflow: Workflow) -> datetime:
    """When the workflow was last activated (its creation time if unknown)."""
    value = (workflow.meta or {}).get("activated_at")
    if value:
        try:
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass
    return workflow.created_at


def sweep(config: Any) -> int:
    """End runs nobody runs any more: Synth's own and outside engines' ones."""
    swept = runs.sweep_stale(timedelta(seconds=config["SYNTH_STALE_SECONDS"]))
    if swept:
        log.warning("Ended %d runs whose worker stopped responding", swept)
    silent = runs.sweep_external(
        timedelta(seconds=config["SYNTH_EXTERNAL_STALE_SECONDS"])
    )
    if silent:
        log.warning("Ended %d outside engines' runs with no report", silent)
    return swept + silent


class Background:
    """The loop that keeps runs moving in one process."""

    def __init__(
        self,
        app: Flask,
        schedules: bool = True,
        poll_queue: bool = False,
        dispatches: bool = True,
    ):
        self.app = app
        self.schedules = schedules
        self.poll_queue = poll_queue
        # False in web processes that only enqueue (external, celery): they sweep.
        self.dispatches = dispatches
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        started = time.monotonic()
        self._last = {
            "tick": 0.0,
            "sweep": 0.0,
            "prune": started,
            "verify": started - VERIFY_EVERY + VERIFY_FIRST_AFTER,
        }
        self._verifying = threading.Lock()

    def start(self) -> None:
        """Run the loop in a daemon thread."""
        self.thread = threading.Thread(target=self.loop, daemon=True, name="synth-bg")
        self.thread.start()

    def stop(self) -> None:
        """Ask the loop to end."""
        self.stop_event.set()

    def loop(self) -> None:
        """Do each duty when it is due, until stopped."""
        self.recover()
        while not self.stop_event.wait(0.5 if self.poll_queue else IDLE_LOOK_SECONDS):
            try:
                with self.app.app_context():
                    self.step(time.monotonic())
            except Exception:  # noqa: BLE001 - the loop must survive a bad tick
                log.exception("Background duty failed")
            finally:
                with self.app.app_context():
                    db.session.remove()

    def due(self, name: str, every: float, now: float) -> bool:
        """Tell whether a duty is due, and note that it runs now."""
        if now - self._last[name] < every:
            return False
        self._last[name] = now
        return True

    def step(self, now: float) -> None:
        """Run every duty that is due."""
        config = self.app.config
        if self.poll_queue:
            self.dispatch_queued(older_than=None)
        elif self.dispatches:
            self.executor.take_waiting()
        if self.schedules and self.due("tick", config["SYNTH_TICK_SECONDS"], now):
            for execution_id in enqueue_due_schedules():
                self.executor.submit(execution_id)
        if self.due("sweep", config["SYNTH_HEARTBEAT_SECONDS"], now):
            sweep(config)
        if self.schedules and self.due("prune", 86400, now):
            days = config["SYNTH_EXECUTIONS_MAX_AGE_DAYS"]
            log.info("Pruned %d old executions", runs.prune(timedelta(days=days)))
        if self.schedules and self.due("verify", VERIFY_EVERY, now):
            self.start_verify_pass()

    def start_verify_pass(self) -> None:
        """Re-check stale connections in a thread of their own.

        Each check talks to Slack or an SMTP server for up to 15 s: never in
        the loop that ticks schedules.
        """
        if not self._verifying.acquire(blocking=False):
            return  # the previous pass is still going
        hours = self.app.config["SYNTH_VERIFY_INTERVAL_HOURS"]

        def verify_pass() -> None:
            from synth_web.engine.verification import reverify_due

            try:
                with self.app.app_context():
                    try:
                        checked = reverify_due(timedelta(hours=hours))
                        if checked:
                            log.info("Re-checked %d connections", checked)
                    finally:
                        db.session.remove()
            except Exception:  # noqa: BLE001 - try again next hour
                log.exception("Re-checking connections failed")
            finally:
                self._verifying.release()

        threading.Thread(target=verify_pass, daemon=True, name="synth-verify").start()

    @property
    def executor(self) -> Any:
        """The executor runs are handed to."""
        return self.app.extensions["synth_executor"]

    def dispatch_queued(self, older_than: timedelta | None) -> None:
        """Hand queued runs that nobody here holds to the executor."""
        cutoff = utcnow() - older_than if older_than else None
        pending = self.executor.pending()
        for execution_id in runs.queued_ids(older_than=cutoff, claimable=True):
            if execution_id not in pending:
                self.executor.submit(execution_id)

    def recover(self) -> None:
        """At start-up, dispatch queued runs that no worker holds."""
        if not self.dispatches:
            return
        try:
            with self.app.app_context():
                self.dispatch_queued(older_than=None)
                db.session.remove()
        except Exception:  # noqa: BLE001 - e.g. tables not migrated yet
            log.exception("Could not recover queued runs")


_STARTED: dict[int, Background] = {}
_START_LOCK = threading.Lock()


def start_background(app: Flask) -> Background | None:
    """Start this process's background loop once (never twice under the reloader).

    With the thread executor it runs schedules, recovery and the sweep; in web
    processes of the other modes it only sweeps: a run whose worker died (or
    whose outside engine went silent) ends even while no worker is up.
    """
    with _START_LOCK:
        key = id(app) ^ os.getpid()
        if key not in _STARTED:
            if app.config["SYNTH_EXECUTOR"] == "thread":
                background = Background(app)
            else:
                background = Background(app, schedules=False, dispatches=False)
            background.start()
            _STARTED[key] = background
        return _STARTED[key]

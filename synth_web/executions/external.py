"""Runs that outside engines execute and report: Synth keeps the record.

n8n, Pipedream or a script runs a workflow itself and tells Synth what
happened, so the log holds every run wherever it ran. Such a run has trigger
type `external` and `metadata.source = "external"`; Synth never claims,
dispatches or recovers it (see engine.runs), and only its engine may change it.
Each report is its heartbeat: one not heard of for SYNTH_EXTERNAL_STALE_SECONDS
is ended as a failure by the sweep (`runs.sweep_external`).

Status moves forward only: queued → running → success | failure | cancelled,
or straight to a final status. A finished run keeps its status for good (an
engine cannot move it back to running); late step records or error text may
still be added to it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update

from synth_web.engine import live
from synth_web.engine.runs import jsonable
from synth_web.engine.triggers import EXTERNAL
from synth_web.extensions import db
from synth_web.models import FINISHED_STATUSES, Execution, Workflow, utcnow

ORDER = {"queued": 0, "running": 1, "success": 2, "failure": 2, "cancelled": 2}


class ExternalRunRefused(Exception):
    """The change cannot be made; `status` says how to answer (409 or 422)."""

    def __init__(self, status: int, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.path = path


def is_external(execution: Execution) -> bool:
    """Tell whether an outside engine reported this run."""
    return execution.trigger_type == EXTERNAL


def settle_times(
    status: str, started_at: datetime | None, finished_at: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """Fill in the times a status implies, and refuse ones that contradict it."""
    if status == "queued" and (started_at or finished_at):
        path = "started_at" if started_at else "finished_at"
        raise ExternalRunRefused(
            422, "A queued run has not started yet: leave out its times.", path
        )
    if status == "running":
        if finished_at:
            raise ExternalRunRefused(
                422,
                "A running run has not finished: leave out finished_at.",
                "finished_at",
            )
        started_at = started_at or utcnow()
    if status in FINISHED_STATUSES:
        finished_at = finished_at or utcnow()
        started_at = started_at or finished_at
        if finished_at < started_at:
            raise ExternalRunRefused(
                422, "finished_at is before started_at.", "finished_at"
            )
    return started_at, finished_at


def record_external_run(
    workflow: Workflow,
    status: str,
    reported_by: str,
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
    results: list[dict[str, Any]] | None = None,
    error_log: str | None = None,
    engine: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Execution:
    """Store a run an outside engine executed (or is executing) of a workflow."""
    created_at = utcnow()
    started_at, finished_at = settle_times(status, started_at, finished_at)
    execution = Execution(
        workflow_id=workflow.id,
        user_id=workflow.user_id,
        status=status,
        trigger_type=EXTERNAL,
        created_at=created_at,
        started_at=started_at,
        finished_at=finished_at,
        heartbeat_at=created_at,
        results=jsonable(results or []),
        error_log=error_log,
        meta=jsonable(
            {
                "source": EXTERNAL,
                "engine": engine,
                "trigger_type": EXTERNAL,
                "trigger": {"started_by": engine or reported_by},
                "reported": metadata or {},
            }
        ),
    )
    db.session.add(execution)
    db.session.commit()
    return execution


def check_move(execution: Execution, status: str) -> None:
    """Refuse a status change that goes backwards or leaves a final status."""
    if not is_external(execution):
        raise ExternalRunRefused(
            409,
            "Synth ran this run itself; only runs reported through the API can "
            "be changed through it.",
        )
    if execution.is_finished and status != execution.status:
        raise ExternalRunRefused(
            409,
            f"This run already ended as {execution.status}; a finished run "
            "keeps its status.",
        )
    if ORDER[status] < ORDER[execution.status]:
        raise ExternalRunRefused(
            409, f"A {execution.status} run cannot go back to {status}."
        )


def update_external_run(execution: Execution, changes: dict[str, Any]) -> Execution:
    """Apply an engine's report to its run; raise ExternalRunRefused if it can't."""
    status = changes.get("status", execution.status)
    check_move(execution, status)
    started, finished = settle_times(
        status,
        changes.get("started_at", execution.started_at),
        changes.get("finished_at", execution.finished_at),
    )
    values: dict[str, Any] = {
        "status": status,
        "started_at": started,
        "finished_at": finished,
        "heartbeat_at": utcnow(),  # every report says the engine is alive
    }
    if "results" in changes:
        values["results"] = jsonable(changes["results"] or [])
    if "error_log" in changes:
        values["error_log"] = changes["error_log"]
    if changes.get("metadata") is not None:
        values["meta"] = jsonable({**execution.meta, "reported": changes["metadata"]})
    # Guarded by the status just read: a cancel from the page in between wins.
    result = db.session.execute(
        update(Execution)
        .where(Execution.id == execution.id, Execution.status == execution.status)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    live.changed([execution.id])
    db.session.refresh(execution)
    if result.rowcount != 1:
        check_move(execution, status)  # explains what changed meanwhile
        raise ExternalRunRefused(409, "The run changed meanwhile; read it and retry.")
    return execution

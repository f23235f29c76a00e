"""Make workflows and runs straight in the database, for the execution tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import insert

from synth_web.extensions import db
from synth_web.models import Execution, Workflow, utcnow

LOGGER = [{"id": "log", "type": "core.log", "with": {"message": "hello"}}]
# One step that needs a Slack connection: blocked until Slack is connected.
SLACK_STEP = [
    {
        "id": "tell",
        "type": "slack.post_message",
        "with": {"channel": "#x", "text": "hi"},
    }
]


def add_workflow(
    app: Flask,
    user_id: int,
    name: str = "Logger",
    actions: list[dict[str, Any]] | None = None,
    trigger: dict[str, Any] | None = None,
    status: str = "active",
) -> int:
    """Create a workflow and return its id."""
    trigger = trigger or {"type": "manual"}
    with app.app_context():
        workflow = Workflow(
            user_id=user_id,
            name=name,
            intent="Write a line to the log for the tests.",
            trigger=trigger,
            actions=actions if actions is not None else LOGGER,
            status=status,
            trigger_type=trigger["type"],
        )
        db.session.add(workflow)
        db.session.commit()
        return workflow.id


def run_values(
    workflow_id: int,
    user_id: int,
    status: str = "success",
    created_at: datetime | None = None,
    trigger_type: str = "manual",
    error_log: str | None = None,
    results: list[dict[str, Any]] | None = None,
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the column values of one run, finished unless queued."""
    created_at = created_at or utcnow()
    started = None if status == "queued" else created_at + timedelta(seconds=1)
    finished = (
        started + timedelta(seconds=2)
        if status in ("success", "failure", "cancelled")
        else None
    )
    return {
        "workflow_id": workflow_id,
        "user_id": user_id,
        "status": status,
        "trigger_type": trigger_type,
        "created_at": created_at,
        "started_at": started,
        "finished_at": finished,
        "heartbeat_at": started,
        "results": results or [],
        "error_log": error_log,
        "meta": {"trigger_type": trigger_type, "trigger": {}, **(meta or {})},
    }


def add_run(app: Flask, workflow_id: int, user_id: int, **fields: Any) -> int:
    """Create one run and return its id."""
    with app.app_context():
        execution = Execution(**run_values(workflow_id, user_id, **fields))
        db.session.add(execution)
        db.session.commit()
        return execution.id


def add_runs(app: Flask, rows: list[dict[str, Any]]) -> None:
    """Insert many runs at once (values from run_values)."""
    with app.app_context():
        db.session.execute(insert(Execution), rows)
        db.session.commit()


def get_run(app: Flask, execution_id: int) -> Execution:
    """Load a run, detached, to look at what the database holds."""
    with app.app_context():
        execution = db.session.get(Execution, execution_id)
        db.session.expunge(execution)
        return execution

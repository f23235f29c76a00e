"""Runs of the signed-in person: find them, start, cancel and retry them."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy import func, select

from synth_web.access import owned_or_404
from synth_web.engine import runs
from synth_web.engine.start import start_run
from synth_web.executions.listing import RunRow, row_query, to_rows
from synth_web.extensions import db
from synth_web.models import Execution, Workflow

RECENT_RUNS = 10


def get_execution_or_404(execution_id: int) -> Execution:
    """Return the signed-in person's execution, or answer 404."""
    return owned_or_404(Execution, execution_id)


def live_version(execution_id: int, with_steps: bool) -> str:
    """A cheap fingerprint of what a live fragment shows: status (and step count).

    Polls send the fingerprint they were rendered with; while it is unchanged the
    server answers 204 without loading or rendering the run.
    """
    columns = [Execution.status]
    if with_steps:
        dialect = db.session.get_bind().dialect.name
        length = (
            "jsonb_array_length" if dialect == "postgresql" else "json_array_length"
        )
        columns.append(getattr(func, length)(Execution.results))
    row = db.session.execute(
        select(*columns).where(
            Execution.id == execution_id, Execution.user_id == current_user.id
        )
    ).first()
    if row is None:
        abort(404)
    return "-".join(str(value) for value in row)


def workflow_choices(user_id: int) -> list[tuple[int, str]]:
    """List a person's workflows as (id, name), by name, for the filter."""
    rows = db.session.execute(
        select(Workflow.id, Workflow.name)
        .where(Workflow.user_id == user_id)
        .order_by(Workflow.name, Workflow.id)
    )
    return [(row.id, row.name) for row in rows]


def get_run_row_or_404(execution_id: int) -> RunRow:
    """Return one of the person's runs as a list row, or answer 404."""
    rows = to_rows(
        db.session.execute(
            row_query().where(
                Execution.id == execution_id, Execution.user_id == current_user.id
            )
        )
    )
    if not rows:
        abort(404)
    return rows[0]


def recent_runs(workflow_id: int, limit: int = RECENT_RUNS) -> list[RunRow]:
    """Return a workflow's latest runs, newest first (the caller checked access)."""
    return to_rows(
        db.session.execute(
            row_query()
            .where(Execution.workflow_id == workflow_id)
            .order_by(Execution.created_at.desc(), Execution.id.desc())
            .limit(limit)
        )
    )


def run_now(
    workflow: Workflow, started_by: str, payload: dict[str, Any] | None = None
) -> Execution:
    """Queue a manual run of a workflow (inactive ones too) and hand it over.

    A webhook's workflow runs on the payload given, else on its sample.
    """
    # Imported here: the workflows package's pages import this module.
    from synth_web.workflows.samples import run_trigger

    trigger = {**run_trigger(workflow, payload), "started_by": started_by}
    execution, _ = start_run(workflow, "manual", trigger, by_hand=True)
    return execution


def retry_run(execution: Execution) -> Execution:
    """Queue a new run with the same trigger payload, unless the workflow can't run."""
    kind, trigger = runs.retry_trigger(execution)
    new, _ = start_run(
        execution.workflow, kind, trigger, by_hand=True, meta={"retry_of": execution.id}
    )
    return new


def cancel_run(execution: Execution, by: str) -> bool:
    """Cancel a queued or running run; False when it had already finished."""
    return runs.cancel(execution, by)

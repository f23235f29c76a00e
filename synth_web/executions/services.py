"""Runs of the signed-in person: find them, start, cancel and retry them."""

from __future__ import annotations

from typing import Any

from flask import abort, session
from flask_login import current_user
from sqlalchemy import func, select

from synth_web.access import owned_or_404
from synth_web.engine import live, runs
from synth_web.engine.start import start_run
from synth_web.executions.listing import RunRow, row_query, to_rows
from synth_web.extensions import db
from synth_web.models import FINISHED_STATUSES, Execution, Workflow

RECENT_RUNS = 10
# What a live status poll may ask for: a run page's status and steps, a row of
# the log, a row of a workflow's recent runs.
LIVE_PARTS = ("detail", "row", "recent")


def get_execution_or_404(execution_id: int) -> Execution:
    """Return the signed-in person's execution, or answer 404."""
    return owned_or_404(Execution, execution_id)


def live_version(execution_id: int, with_steps: bool) -> str:
    """A cheap fingerprint of what a live fragment shows: status (and step count).

    Polls send the fingerprint they were rendered with; while it is unchanged the
    server answers 204 without loading or rendering the run. With
    SYNTH_LIVE_REDIS_URL the fingerprint comes from Redis while the run has not
    changed (engine/live.py), else from one indexed query, scoped to the person.
    """
    seen = live.look(execution_id)
    return version_for(current_user.id, execution_id, seen, with_steps)


def version_for(
    user_id: int, execution_id: int, seen: live.Look | None, with_steps: bool
) -> str:
    """The fingerprint of a person's run: from what Redis keeps (`seen`), else
    from the database, then kept for the next poll. 404 if it is not theirs."""
    if seen is not None and seen.reading is not None:
        owner, status, steps = seen.reading
        if owner == user_id:
            return fingerprint(status, steps, with_steps)
    dialect = db.session.get_bind().dialect.name
    length = "jsonb_array_length" if dialect == "postgresql" else "json_array_length"
    row = db.session.execute(
        select(Execution.status, getattr(func, length)(Execution.results)).where(
            Execution.id == execution_id, Execution.user_id == user_id
        )
    ).first()
    if row is None:
        abort(404)
    status, steps = row
    if seen is not None and status not in FINISHED_STATUSES:
        live.keep(execution_id, seen, user_id, status, steps or 0)
    return fingerprint(status, steps or 0, with_steps)


def fingerprint(status: str, steps: int, with_steps: bool) -> str:
    """What a live fragment's poll sends back: its status (and step count)."""
    return f"{status}-{steps}" if with_steps else status


def unchanged(known: str, current: str) -> bool:
    """Whether a poll's fragment still shows the run as it is (and it still runs)."""
    return current == known and not current.startswith(FINISHED_STATUSES)


def unchanged_for_vouched_session(
    execution_id: int, known: str, with_steps: bool, signed_in_as: str
) -> bool:
    """Whether a poll's run is unchanged, for a browser session Redis vouches for.

    No sign-in query (Redis keeps the session as active, engine/live.py), and no
    query at all while Redis keeps a reading of the run owned by the session's
    person; else one indexed query, whose reading is then kept. False whenever
    Redis does not vouch: the poll then signs in as every page does.
    `signed_in_as` is the session cookie's "<user id>:<secret>" (polls.py).
    """
    vouched = live.vouch(execution_id, signed_in_as)
    if vouched is None:
        return False
    current = version_for(vouched.user_id, execution_id, vouched.seen, with_steps)
    return unchanged(known, current)


def keep_session() -> None:
    """Let Redis vouch, for a few seconds, for the session a poll just signed in."""
    live.keep_session(session.get("_user_id"), current_user.id)


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

"""Execution endpoints: the log, one run, and runs reported by outside engines."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import g
from flask_login import current_user

from synth_web.api import bp
from synth_web.api.common import ID
from synth_web.api.execution_models import (
    ExecutionList,
    ExecutionOut,
    ExecutionQuery,
    ExternalRunCreate,
    ExternalRunUpdate,
    execution_out,
    summary_out,
)
from synth_web.api.pagination import BY_TIME, keyset_page
from synth_web.api.problems import ApiProblem
from synth_web.api.spec import route
from synth_web.executions import listing
from synth_web.executions.external import (
    ExternalRunRefused,
    record_external_run,
    update_external_run,
)
from synth_web.executions.services import get_execution_or_404
from synth_web.extensions import db
from synth_web.models import Execution
from synth_web.workflows.services import get_workflow_or_404

TAG = "executions"
TIMES = (
    "times that contradict the status (a queued run with a start, a running "
    "one with an end, an end before the start)."
)
ONE = f"/executions/<{ID}:execution_id>"


def refused(error: ExternalRunRefused) -> ApiProblem:
    """Explain why a reported run cannot be stored or changed."""
    if error.status == 422:
        errors = [{"path": error.path or "status", "message": error.message}]
        return ApiProblem(422, error.message, "invalid-request", errors)
    return ApiProblem(409, error.message, "conflict")


@route(bp, "/executions", "GET", out=ExecutionList, tag=TAG)
def list_executions(query: ExecutionQuery) -> ExecutionList:
    """List your runs, newest first, by status, workflow, trigger or error text."""
    filters = listing.Filters(
        status=query.status,
        workflow_id=query.workflow_id,
        trigger_type=query.trigger_type,
        text=query.q,
    )
    rows, cursor = keyset_page(
        lambda statement: listing.to_rows(db.session.execute(statement)),
        listing.filtered_query(current_user.id, filters, ZoneInfo("UTC")),
        BY_TIME,
        (Execution.created_at, Execution.id),
        query.cursor,
        query.limit,
    )
    return ExecutionList(data=[summary_out(row) for row in rows], next_cursor=cursor)


@route(bp, ONE, "GET", out=ExecutionOut, tag=TAG)
def get_execution(execution_id: int) -> ExecutionOut:
    """Get one run with its step records and error log."""
    return execution_out(get_execution_or_404(execution_id))


@route(
    bp,
    f"/workflows/<{ID}:workflow_id>/executions",
    "POST",
    status=201,
    out=ExecutionOut,
    tag=TAG,
    semantic=TIMES,
)
def report(workflow_id: int, json: ExternalRunCreate) -> tuple[ExecutionOut, int]:
    """Record a run of a workflow that an outside engine executed or is executing.

    Synth stores it like its own runs (it shows in the log and the dashboard)
    but never runs it: update it with PATCH /executions/{id} as it goes.
    """
    workflow = get_workflow_or_404(workflow_id)
    try:
        execution = record_external_run(
            workflow,
            json.status,
            reported_by=f"API token {g.api_token.name}",
            started_at=json.started_at,
            finished_at=json.finished_at,
            results=[
                step.model_dump(mode="json", exclude_unset=True)
                for step in json.results
            ],
            error_log=json.error_log,
            engine=json.engine,
            metadata=json.metadata,
        )
    except ExternalRunRefused as error:
        raise refused(error) from None
    return execution_out(execution), 201


@route(bp, ONE, "PATCH", out=ExecutionOut, tag=TAG, errors=[409], semantic=TIMES)
def update_execution(execution_id: int, json: ExternalRunUpdate) -> ExecutionOut:
    """Report progress of a run an outside engine executes: status, times, steps.

    Only runs reported through the API can be changed (409 for Synth's own),
    and a finished run keeps its status (409).
    """
    execution = get_execution_or_404(execution_id)
    changes = json.model_dump(mode="python", exclude_unset=True)
    if "results" in changes:
        changes["results"] = [
            step.model_dump(mode="json", exclude_unset=True) for step in json.results
        ]
    try:
        update_external_run(execution, changes)
    except ExternalRunRefused as error:
        raise refused(error) from None
    return execution_out(execution)

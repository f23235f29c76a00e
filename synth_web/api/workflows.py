"""Workflow endpoints: list, get, create, update, delete, switch, run."""

from __future__ import annotations

from flask import g
from flask_login import current_user

from synth_web.api import bp
from synth_web.api.common import ID
from synth_web.api.execution_models import ExecutionOut, execution_out
from synth_web.api.pagination import BY_ID, keyset_page
from synth_web.api.problems import ApiProblem, workflow_problems
from synth_web.api.spec import route
from synth_web.api.workflow_models import (
    DraftQuery,
    RunRequest,
    WorkflowCreate,
    WorkflowList,
    WorkflowOut,
    WorkflowQuery,
    WorkflowUpdate,
    workflow_out,
)
from synth_web.engine.checks import connection_statuses
from synth_web.engine.checks import workflow_problems as checks
from synth_web.engine.start import RunRefused
from synth_web.executions.services import run_now
from synth_web.extensions import db
from synth_web.models import Workflow
from synth_web.workflows import listing
from synth_web.workflows.samples import NoPayload
from synth_web.workflows.services import (
    create_workflow,
    current_problems,
    definition_problems,
    delete_workflow,
    get_workflow_or_404,
    set_status,
    update_workflow,
)

TAG = "workflows"
ONE = f"/workflows/<{ID}:workflow_id>"


@route(bp, "/workflows", "GET", out=WorkflowList, tag=TAG)
def list_workflows(query: WorkflowQuery) -> WorkflowList:
    """List your workflows, newest first, filtered by status, text or app."""
    filters = listing.Filters(
        q=query.q or "", status=query.status or "", app=query.app or ""
    )
    rows, cursor = keyset_page(
        db.session.scalars,
        listing.filtered(current_user.id, filters),
        BY_ID,
        (Workflow.id,),
        query.cursor,
        query.limit,
    )
    statuses = connection_statuses(current_user.id)
    return WorkflowList(
        data=[workflow_out(w, checks(w, statuses)) for w in rows],
        next_cursor=cursor,
    )


@route(bp, ONE, "GET", out=WorkflowOut, tag=TAG)
def get_workflow(workflow_id: int) -> WorkflowOut:
    """Get one workflow, with its problems."""
    workflow = get_workflow_or_404(workflow_id)
    return workflow_out(workflow, current_problems(workflow))


PROBLEMS = (
    "the workflow has problems (a template naming a later step, an unknown "
    "app, a connection that is off…), listed in `errors`; ?draft=true saves it."
)


@route(
    bp, "/workflows", "POST", status=201, out=WorkflowOut, tag=TAG, semantic=PROBLEMS
)
def create(json: WorkflowCreate, query: DraftQuery) -> tuple[WorkflowOut, int]:
    """Create a workflow (inactive); problems answer 422 unless ?draft=true."""
    definition = json.model_dump()
    problems = definition_problems(current_user.id, definition)
    if problems and not query.draft:
        raise workflow_problems(problems)
    workflow, problems = create_workflow(current_user.id, definition)
    return workflow_out(workflow, problems), 201


@route(bp, ONE, "PATCH", out=WorkflowOut, tag=TAG, semantic=PROBLEMS)
def update(workflow_id: int, json: WorkflowUpdate, query: DraftQuery) -> WorkflowOut:
    """Change a workflow; problems answer 422 unless ?draft=true.

    A draft with problems is saved, and switched off if it was on.
    """
    workflow = get_workflow_or_404(workflow_id)
    definition = {**workflow.definition, **json.model_dump(exclude_unset=True)}
    problems = definition_problems(current_user.id, definition)
    if problems and not query.draft:
        raise workflow_problems(problems)
    problems, _switched_off = update_workflow(workflow, definition, {})
    return workflow_out(workflow, problems)


@route(bp, ONE, "DELETE", status=204, tag=TAG)
def delete(workflow_id: int) -> tuple[str, int]:
    """Delete a workflow and its run history."""
    delete_workflow(get_workflow_or_404(workflow_id))
    return "", 204


@route(bp, f"{ONE}/activate", "POST", out=WorkflowOut, tag=TAG, errors=[409])
def activate(workflow_id: int) -> WorkflowOut:
    """Switch a workflow on; 409 with its problems when it has any."""
    workflow = get_workflow_or_404(workflow_id)
    problems = set_status(workflow, True)
    if problems:
        raise workflow_problems(problems, status=409)
    return workflow_out(workflow, [])


@route(bp, f"{ONE}/deactivate", "POST", out=WorkflowOut, tag=TAG)
def deactivate(workflow_id: int) -> WorkflowOut:
    """Switch a workflow off: its schedule and webhook stop starting runs."""
    workflow = get_workflow_or_404(workflow_id)
    set_status(workflow, False)
    return workflow_out(workflow, current_problems(workflow))


@route(
    bp,
    f"{ONE}/run",
    "POST",
    status=202,
    out=ExecutionOut,
    tag=TAG,
    errors=[409],
    body_optional=True,
)
def run(workflow_id: int, json: RunRequest) -> tuple[ExecutionOut, int]:
    """Run a workflow now (inactive ones too), on a payload or its sample.

    409 when it has problems, or when a webhook's workflow gets neither.
    """
    workflow = get_workflow_or_404(workflow_id)
    by = f"API token {g.api_token.name}"
    try:
        execution = run_now(workflow, started_by=by, payload=json.payload)
    except NoPayload as refused:
        raise ApiProblem(409, str(refused), "no-payload") from None
    except RunRefused as refused:
        raise workflow_problems(refused.problems, status=409) from None
    return execution_out(execution), 202

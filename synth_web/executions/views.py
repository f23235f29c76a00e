"""Execution pages: the log, one run, its live status, cancel and retry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from synth_web.access import owned_or_404
from synth_web.engine.refused import replayed_by
from synth_web.engine.start import RunRefused
from synth_web.executions import bp
from synth_web.executions.cut import cut, cut_text
from synth_web.executions.display import fold, stopped_at, timeline, trigger_words
from synth_web.executions.forms import FilterForm
from synth_web.executions.listing import (
    BadCursor,
    Filters,
    arrived_since,
    decode_cursor,
    list_runs,
    live_cursor,
)
from synth_web.executions.replay import replay
from synth_web.executions.retry_from import resume_steps, retry_from
from synth_web.executions.services import (
    LIVE_PARTS,
    cancel_run,
    get_execution_or_404,
    get_run_row_or_404,
    keep_session,
    live_version,
    recent_runs,
    retry_run,
    unchanged,
    workflow_choices,
)
from synth_web.htmx import htmx_redirect, is_fragment_request, render_page_or_fragment
from synth_web.inputs import whole_number
from synth_web.jinja_filters import user_zone
from synth_web.models import Execution, Workflow

# The live status fragment answers this once a run is over: htmx stops polling.
STOP_POLLING = 286
BAD_CURSOR = (
    "This page link is broken or out of date, so we cannot tell where the page "
    "starts. Go back to the newest runs."
)


@bp.app_template_filter("run_trigger")
def run_trigger(trigger_type: str) -> str:
    """Name a run's trigger type for people."""
    return trigger_words(trigger_type or "manual")


@bp.app_template_global()
def workflow_link(workflow_id: int) -> str:
    """Link to a workflow's page."""
    return url_for("workflows.detail", workflow_id=workflow_id)


@bp.route("/executions")
def index() -> Response:
    """List the person's runs, newest first, filtered and a page at a time."""
    form = FilterForm(workflow_choices(current_user.id), formdata=request.args)
    page, cursor_error, status = None, None, 200
    filters = form.filters() if form.validate() else None
    live_since = None
    if filters is not None:
        try:
            page = list_runs(
                current_user.id,
                filters,
                user_zone(),
                older=request.args.get("older"),
                newer=request.args.get("newer"),
            )
        except BadCursor:
            cursor_error, status = BAD_CURSOR, 400
        if page is not None and page.is_first:
            live_since = live_cursor(page.rows)
    response = render_page_or_fragment(
        "executions/index.html",
        "executions/_view.html",
        status,
        form=form,
        runs=page,
        filters=filters,
        cursor_error=cursor_error,
        live_since=live_since,
    )
    if filters is not None and is_fragment_request():
        # The form sends its empty fields too; the address bar gets the tidy URL.
        where = {k: request.args[k] for k in ("older", "newer") if request.args.get(k)}
        response.headers["HX-Push-Url"] = url_for(
            "executions.index", **filters.as_args(), **where
        )
    return response


@bp.route("/executions/live")
def live() -> Response:
    """Answer a live list's poll: 204 until a run arrives, then the list afresh.

    `part=log` (default) is the Runs list with its filters; `part=recent` is a
    workflow's recent runs (`workflow=<id>`). Both watch from `since`, a cursor.
    """
    if not is_fragment_request():
        return redirect(url_for("executions.index"))
    try:
        since = decode_cursor(request.args.get("since", ""))
    except BadCursor:
        abort(400)
    if request.args.get("part") == "recent":
        return live_recent(since)
    form = FilterForm(workflow_choices(current_user.id), formdata=request.args)
    if not form.validate():
        abort(400)
    filters = form.filters()
    if not arrived_since(current_user.id, filters, user_zone(), since):
        return Response(status=204)
    page = list_runs(current_user.id, filters, user_zone())
    html = render_template(
        "executions/_runs.html",
        runs=page,
        filters=filters,
        cursor_error=None,
        live_since=live_cursor(page.rows),
    )
    return make_response(html, 200)


def live_recent(since: tuple[datetime, int]) -> Response:
    """Answer a workflow page's poll of its recent runs."""
    workflow = owned_or_404(Workflow, whole_number(request.args.get("workflow")) or 0)
    filters = Filters(workflow_id=workflow.id)
    if not arrived_since(current_user.id, filters, user_zone(), since):
        return Response(status=204)
    rows = recent_runs(workflow.id)
    html = render_template(
        "executions/_recent_runs.html",
        workflow=workflow,
        recent_runs=rows,
        live_since=live_cursor(rows),
    )
    return make_response(html, 200)


def detail_context(execution: Execution, announce: bool = False) -> dict[str, Any]:
    """Gather what the detail page and its live fragment show."""
    trigger = execution.trigger_payload
    return {
        "execution": execution,
        "replayed_by": replayed_by(execution.id) if execution.is_refused else None,
        "resume_steps": resume_steps(execution),
        "steps": timeline(execution),
        "stopped_at": stopped_at(execution),
        "trigger": fold(cut(trigger)) if trigger else None,
        "error_log": cut_text(execution.error_log),
        "announce": announce,
    }


@bp.route("/executions/<int:execution_id>")
def detail(execution_id: int) -> Response:
    """Show one run: status, timings, trigger payload, steps and error log."""
    execution = get_execution_or_404(execution_id)
    return render_page_or_fragment(
        "executions/detail.html", "executions/_live.html", **detail_context(execution)
    )


@bp.route("/executions/<int:execution_id>/status")
def status(execution_id: int) -> Response:
    """Answer a poll with the run's live fragment: 286 once it has finished.

    `part` picks the shape: the detail page's status and steps (default), a row of
    the log (`row`) or a row of a workflow's recent runs (`recent`).
    """
    part = request.args.get("part", "detail")
    known = request.args.get("v")
    with_steps = part == "detail"
    # An unchanged run's poll that Redis vouches for never gets here: polls.py
    # answers it before Flask.
    if part not in LIVE_PARTS:
        abort(400)
    keep_session()
    if known and is_fragment_request():
        current = live_version(execution_id, with_steps=with_steps)
        if unchanged(known, current):
            # Nothing changed since the fragment was rendered: htmx keeps it.
            return Response(status=204)
    if part == "detail":
        execution = get_execution_or_404(execution_id)
        seen = request.args.get("seen")
        changed = bool(seen) and seen != execution.status
        context = detail_context(execution, announce=changed)
        template, finished = "executions/_live.html", execution.is_finished
    else:
        row = get_run_row_or_404(execution_id)
        context = {"row": row, "compact": part == "recent"}
        template, finished = "executions/_run_row.html", row.is_finished
    if not is_fragment_request():
        return redirect(url_for("executions.detail", execution_id=execution_id))
    response = make_response(
        render_template(template, **context), STOP_POLLING if finished else 200
    )
    response.vary.add("HX-Request")
    return response


def go(location: str) -> Response:
    """Move on after a POST: a plain redirect, or HX-Redirect for an htmx fragment."""
    if is_fragment_request():
        return htmx_redirect(location)
    return redirect(location, 303)


@bp.route("/executions/<int:execution_id>/cancel", methods=["POST"])
def cancel(execution_id: int) -> Response:
    """Cancel a queued or running run; a finished run is left as it is."""
    execution = get_execution_or_404(execution_id)
    if cancel_run(execution, by=current_user.name):
        message, category = f"Run #{execution.id} was cancelled.", "success"
    else:
        message = (
            f"Run #{execution.id} had already finished ({execution.status}), "
            "so nothing was cancelled."
        )
        category = "warning"
    if not is_fragment_request():
        flash(message, category)
        return redirect(url_for("executions.detail", execution_id=execution.id), 303)
    html = render_template(
        "executions/_live.html",
        **detail_context(execution),
        oob_flash={"message": message, "category": category},
    )
    return make_response(html, 200)


@bp.route("/executions/<int:execution_id>/retry", methods=["POST"])
def retry(execution_id: int) -> Response:
    """Queue the run again with the same trigger payload and go to the new run."""
    execution = get_execution_or_404(execution_id)
    step = whole_number(request.form.get("step", ""))
    try:
        if request.form.get("step") and step is None:
            raise RunRefused("Choose the step to retry from by its number.", "step")
        new = retry_from(execution, step) if step else retry_run(execution)
    except RunRefused as refused:
        flash(str(refused), "error")
        return go(url_for("executions.detail", execution_id=execution.id))
    start = f" from step {step}" if step else ""
    flash(f"Run #{new.id} is a retry of run #{execution.id}{start}.", "success")
    return go(url_for("executions.detail", execution_id=new.id))


@bp.route("/executions/<int:execution_id>/replay", methods=["POST"])
def replay_event(execution_id: int) -> Response:
    """Run a refused event now (once) and go to the run that replays it."""
    execution = get_execution_or_404(execution_id)
    try:
        run, created = replay(execution)
    except RunRefused as refused:
        flash(str(refused), "error")
        return go(url_for("executions.detail", execution_id=execution.id))
    if created:
        flash(f"Run #{run.id} replays refused event #{execution.id}.", "success")
    else:
        flash(f"Event #{execution.id} was already replayed by run #{run.id}.", "info")
    return go(url_for("executions.detail", execution_id=run.id))

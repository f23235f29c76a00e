"""Sample routes: listen for a test event, paste a sample, take one from a run,
and follow a test of the builder's steps."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Response,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from synth_web.executions.services import get_execution_or_404
from synth_web.htmx import flash_fragment, is_fragment_request
from synth_web.inputs import Refused
from synth_web.models import Workflow
from synth_web.workflows import bp
from synth_web.workflows.samples import (
    carries_data,
    forget_sample,
    pretty,
    read_payload,
    sample_from_run,
    sample_of,
    save_sample,
    start_listening,
    stop_listening,
)
from synth_web.workflows.services import get_workflow_or_404
from synth_web.workflows.testing import REAL, get_test_or_404

SOURCES = {
    "listened": "a test event",
    "pasted": "pasted JSON",
    "run": "a run's payload",
}


def sample_context(
    workflow: Workflow, text: str | None = None, errors: list[str] | None = None
) -> dict[str, Any]:
    """Gather what the sample card shows; typed text and its errors win."""
    row = sample_of(workflow)
    payload = row.payload if row is not None else None
    return {
        "sample": payload,
        "sample_row": row,
        "sample_source": SOURCES.get(row.source or "", "") if row else "",
        "sample_shown": pretty(payload),
        "sample_text": pretty(payload) if text is None else text,
        "sample_errors": errors or [],
        "listening": bool(row and row.is_listening),
        "carries_data": carries_data(workflow),
    }


def run_with_context(
    workflow: Workflow,
    text: str | None = None,
    errors: list[str] | None = None,
    payload_text: str | None = None,
    payload_errors: list[str] | None = None,
) -> dict[str, Any]:
    """Gather the sample card's and Run now's payload box, as typed if refused."""
    context = sample_context(workflow, text, errors)
    saved = pretty(context["sample"])
    context["payload_text"] = saved if payload_text is None else payload_text
    context["payload_errors"] = payload_errors or []
    context["curl_body"] = curl_body(context["sample"])
    return context


def curl_body(sample: dict[str, Any] | None) -> str:
    """Return the body the curl example sends: the sample's, quoted for a shell."""
    body = sample.get("body") if isinstance(sample, dict) else None
    text = (
        json.dumps(body, ensure_ascii=False)
        if isinstance(body, dict | list)
        else '{"hello": "world"}'
    )
    return "'" + text.replace("'", "'\\''") + "'"


def sample_card(workflow: Workflow, status: int = 200, **typed: Any) -> Response:
    """Render the sample card alone, for htmx."""
    html = render_template(
        "workflows/_sample.html", workflow=workflow, **sample_context(workflow, **typed)
    )
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response


def back_to_card(workflow: Workflow) -> Response:
    """Send a plain form post back to the sample card of the workflow's page."""
    url = url_for("workflows.detail", workflow_id=workflow.id, _anchor="sample")
    return redirect(url, 303)


@bp.route("/workflows/<int:workflow_id>/sample")
def sample(workflow_id: int) -> Response:
    """Show the sample card; a poll while listening answers 204, then 286."""
    workflow = get_workflow_or_404(workflow_id)
    if not is_fragment_request():
        return back_to_card(workflow)
    row = sample_of(workflow)
    if request.args.get("poll") and row is not None and row.is_listening:
        return Response(status=204)
    return sample_card(workflow, status=286 if request.args.get("poll") else 200)


@bp.route("/workflows/<int:workflow_id>/sample/listen", methods=["POST"])
def listen(workflow_id: int) -> Response:
    """Wait up to two minutes for a test event on the webhook URL."""
    workflow = get_workflow_or_404(workflow_id)
    if carries_data(workflow):
        start_listening(workflow)
    return sample_card(workflow) if is_fragment_request() else back_to_card(workflow)


@bp.route("/workflows/<int:workflow_id>/sample/stop", methods=["POST"])
def stop(workflow_id: int) -> Response:
    """Stop waiting for a test event."""
    workflow = get_workflow_or_404(workflow_id)
    stop_listening(workflow)
    return sample_card(workflow) if is_fragment_request() else back_to_card(workflow)


@bp.route("/workflows/<int:workflow_id>/sample", methods=["POST"])
def paste(workflow_id: int) -> Response:
    """Keep pasted JSON as the sample; refused JSON stays in the box, explained."""
    workflow = get_workflow_or_404(workflow_id)
    text = request.form.get("sample", "")
    try:
        save_sample(workflow, read_payload(text), "pasted")
    except Refused as exc:
        where = f"At {exc.path}: " if exc.path not in ("", "sample") else ""
        errors = [f"{where}{exc.message}"]
        if is_fragment_request():
            return sample_card(workflow, text=text, errors=errors)
        # Imported here: views imports this module's helpers for its page.
        from synth_web.workflows.views import detail_page

        return detail_page(workflow, 422, text=text, errors=errors)
    if is_fragment_request():
        return sample_card(workflow)
    flash("Sample saved.", "success")
    return back_to_card(workflow)


@bp.route("/workflows/<int:workflow_id>/sample/delete", methods=["POST"])
def forget(workflow_id: int) -> Response:
    """Drop the workflow's sample."""
    workflow = get_workflow_or_404(workflow_id)
    forget_sample(workflow)
    return sample_card(workflow) if is_fragment_request() else back_to_card(workflow)


@bp.route("/executions/<int:execution_id>/sample", methods=["POST"])
def from_run(execution_id: int) -> Response:
    """Make a run's trigger payload its workflow's sample."""
    execution = get_execution_or_404(execution_id)
    try:
        sample_from_run(execution)
    except Refused as exc:  # a payload recorded before the guard existed
        message = f"This run's payload cannot be a sample: {exc}"
        if is_fragment_request():
            return flash_fragment(message, "error", 422)
        flash(message, "error")
    else:
        name = execution.workflow.name
        message = f"This run's payload is now the sample of “{name}”."
        if is_fragment_request():
            return flash_fragment(message, "success")
        flash(message, "success")
    return redirect(url_for("executions.detail", execution_id=execution.id), 303)


@bp.route("/workflows/<int:workflow_id>/tests/<int:execution_id>")
def test_result(workflow_id: int, execution_id: int) -> Response:
    """Show a test run's steps and outputs: 286 once it has finished."""
    workflow = get_workflow_or_404(workflow_id)
    execution = get_test_or_404(workflow, execution_id)
    if not is_fragment_request():
        return redirect(url_for("executions.detail", execution_id=execution.id), 303)
    html = render_template(
        "workflows/_test_result.html", workflow=workflow, test=execution, real=REAL
    )
    response = make_response(html, 286 if execution.is_finished else 200)
    response.vary.add("HX-Request")
    return response

"""Workflow routes behind buttons: on/off, Run now, copy, export, import, new URL."""

from __future__ import annotations

from flask import (
    Response,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from synth_web.downloads import download
from synth_web.engine.start import RunRefused
from synth_web.executions.replay import replay_all
from synth_web.executions.services import get_run_row_or_404, run_now
from synth_web.htmx import flash_fragment, is_fragment_request
from synth_web.inputs import Refused
from synth_web.models import WORKFLOW_STATUSES, Workflow
from synth_web.security import is_safe_next
from synth_web.words import plural
from synth_web.workflows import bp
from synth_web.workflows.forms import ImportForm, ToggleForm
from synth_web.workflows.samples import read_payload
from synth_web.workflows.services import (
    current_problems,
    duplicate_workflow,
    get_workflow_or_404,
    rotate_webhook_token,
    set_status,
)
from synth_web.workflows.transfer import (
    MAX_IMPORT_BYTES,
    ImportRefused,
    export_filename,
    export_json,
    import_workflows,
    read_import,
)


@bp.route("/workflows/<int:workflow_id>/toggle", methods=["POST"])
def toggle(workflow_id: int) -> Response:
    """Switch a workflow on or off; switching on one with problems is refused."""
    workflow = get_workflow_or_404(workflow_id)
    form = ToggleForm()
    flipped = "inactive" if workflow.is_active else "active"
    wanted = form.to.data if form.to.data in WORKFLOW_STATUSES else flipped
    refused = set_status(workflow, wanted == "active")
    if is_fragment_request():
        html = render_template(
            "workflows/_status.html",
            workflow=workflow,
            refused=refused,
            view=form.view.data,
            next=form.next.data,
        )
        response = Response(html)
        response.vary.add("HX-Request")
        return response
    if refused:
        flash(
            f"“{workflow.name}” was not activated: it has "
            f"{plural(len(refused), 'problem')}. Fix them, then activate it.",
            "error",
        )
        return redirect(url_for("workflows.detail", workflow_id=workflow.id), 303)
    state = "active" if workflow.is_active else "inactive"
    flash(f"“{workflow.name}” is now {state}.", "success")
    target = form.next.data if is_safe_next(form.next.data) else None
    return redirect(target or url_for("workflows.detail", workflow_id=workflow.id), 303)


@bp.route("/workflows/<int:workflow_id>/duplicate", methods=["POST"])
def duplicate(workflow_id: int) -> Response:
    """Save an inactive copy and open it."""
    copy = duplicate_workflow(get_workflow_or_404(workflow_id))
    flash(f"Copied as “{copy.name}”. The copy is inactive.", "success")
    return redirect(url_for("workflows.detail", workflow_id=copy.id), 303)


@bp.route("/workflows/<int:workflow_id>/export")
def export(workflow_id: int) -> Response:
    """Download the workflow's JSON: no ids, status, webhook token or secrets."""
    workflow = get_workflow_or_404(workflow_id)
    return download(
        export_json(workflow), "application/json", export_filename(workflow)
    )


@bp.route("/workflows/<int:workflow_id>/rotate-token", methods=["POST"])
def rotate_token(workflow_id: int) -> Response:
    """Give the workflow a new webhook URL; the old one stops working."""
    workflow = get_workflow_or_404(workflow_id)
    rotate_webhook_token(workflow)
    flash(
        "The webhook URL changed. The old URL no longer starts this workflow: "
        "give the new one to whatever calls it.",
        "success",
    )
    return redirect(
        url_for("workflows.detail", workflow_id=workflow.id, _anchor="webhook"), 303
    )


def uploaded_text(form: ImportForm) -> tuple[bytes | str, str]:
    """Return what was sent (a file wins over pasted text) and its field's name."""
    upload = form.file.data
    if isinstance(upload, FileStorage) and upload.filename:
        return upload.read(MAX_IMPORT_BYTES + 1), "file"
    return form.definition.data or "", "definition"


@bp.route("/workflows/import", methods=["GET", "POST"])
def import_() -> Response | str:
    """Import workflows from a file or pasted JSON; all start inactive."""
    form = ImportForm()
    if form.validate_on_submit():
        raw, field = uploaded_text(form)
        try:
            incoming = read_import(raw)
        except ImportRefused as exc:
            getattr(form, field).errors = [str(exc)]
        else:
            workflows = import_workflows(current_user.id, incoming)
            return imported(workflows)
    return render_template("workflows/import.html", form=form)


def imported(workflows: list[Workflow]) -> Response:
    """Tell what was imported, and what needs fixing, and open it."""
    with_problems = sum(1 for workflow in workflows if current_problems(workflow))
    if len(workflows) == 1:
        workflow = workflows[0]
        note = " It has problems to fix before it can run." if with_problems else ""
        flash(f"Imported “{workflow.name}”. It is inactive.{note}", "success")
        return redirect(url_for("workflows.detail", workflow_id=workflow.id), 303)
    note = f" {with_problems} of them have problems to fix." if with_problems else ""
    flash(f"Imported {len(workflows)} workflows, all inactive.{note}", "success")
    return redirect(url_for("workflows.index"), 303)


@bp.route("/workflows/<int:workflow_id>/run", methods=["POST"])
def run(workflow_id: int) -> Response:
    """Start a manual run: htmx gets its live row, a plain form goes to the run."""
    workflow = get_workflow_or_404(workflow_id)
    typed = request.form.get("payload", "")
    try:
        payload = read_payload(typed, "payload") if typed.strip() else None
    except Refused as exc:
        return payload_refused(workflow, typed, exc)
    try:
        execution = run_now(workflow, started_by=current_user.name, payload=payload)
    except RunRefused as refused:
        if is_fragment_request():
            return flash_fragment(str(refused), "error", 409)
        flash(str(refused), "error")
        back = request.form.get("next")
        if not is_safe_next(back):
            back = url_for("executions.index", workflow=workflow.id)
        return redirect(back, 303)
    if is_fragment_request():
        row = get_run_row_or_404(execution.id)
        html = render_template("executions/_run_row.html", row=row, compact=True)
        return make_response(html, 200)
    flash(f"Run #{execution.id} of “{workflow.name}” is queued.", "success")
    return redirect(url_for("executions.detail", execution_id=execution.id), 303)


def payload_refused(workflow: Workflow, typed: str, exc: Refused) -> Response:
    """Show why the payload of Run now was refused, beside it, text kept."""
    where = f"At {exc.path}: " if exc.path not in ("", "payload") else ""
    errors = [f"{where}{exc.message}"]
    if is_fragment_request():
        html = render_template(
            "workflows/_run_with.html",
            workflow=workflow,
            payload_text=typed,
            payload_errors=errors,
            problem_count=0,
        )
        response = make_response(html, 200)
        response.headers["HX-Retarget"] = "#run-with"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    # Imported here: the detail page's view module imports this one's blueprint.
    from synth_web.workflows.views import detail_page

    return detail_page(workflow, 422, payload_text=typed, payload_errors=errors)


@bp.route("/workflows/<int:workflow_id>/replay", methods=["POST"])
def replay(workflow_id: int) -> Response:
    """Replay every refused event of the workflow that no run has replayed yet."""
    workflow = get_workflow_or_404(workflow_id)
    try:
        started = replay_all(workflow)
    except RunRefused as refused:
        flash(str(refused), "error")
    else:
        if started:
            flash(f"Replaying {plural(started, 'refused event')}.", "success")
        else:
            flash("Every refused event had already been replayed.", "info")
    return redirect(url_for("workflows.detail", workflow_id=workflow.id), 303)

"""Workflow pages: the list, the editor, the detail page and deletion."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from synth_web.engine.apps import catalog, get_app
from synth_web.engine.validation import Problem
from synth_web.executions.services import recent_runs
from synth_web.htmx import render_page_or_fragment
from synth_web.models import Workflow
from synth_web.words import plural
from synth_web.workflows import bp
from synth_web.workflows.describe import (
    action_reference,
    describe_steps,
    describe_trigger,
    explain_problems,
    trigger_label,
)
from synth_web.workflows.forms import WorkflowForm
from synth_web.workflows.listing import SORTS, list_workflows, parse_filters
from synth_web.workflows.services import (
    create_workflow,
    current_problems,
    delete_workflow,
    editor_texts,
    get_workflow_or_404,
    run_count,
    update_workflow,
    webhook_url,
)
from synth_web.workflows.starters import STARTERS, get_starter

bp.add_app_template_filter(trigger_label, "trigger_label")
bp.add_app_template_global(get_app, "catalog_app")


@bp.app_template_filter("ticks")
def ticks(text: str) -> Markup:
    """Show `quoted` words of a problem message as code."""
    parts = str(escape(text)).split("`")
    html = "".join(
        f"<code>{part}</code>" if index % 2 else part
        for index, part in enumerate(parts)
    )
    return Markup(html)  # noqa: S704 - every part was escaped above


@bp.route("/workflows")
def index() -> Response:
    """List the person's workflows with search, filters, sort and pages."""
    listing = list_workflows(current_user.id, parse_filters(request.args))
    return render_page_or_fragment(
        "workflows/index.html",
        "workflows/_results.html",
        listing=listing,
        filters=listing.filters,
        apps=catalog().values(),
        sorts={key: label for key, (label, _) in SORTS.items()},
        here=request.full_path.rstrip("?"),
    )


def render_editor(
    form: WorkflowForm,
    workflow: Workflow | None = None,
    problems: list[Problem] | None = None,
    starter_key: str | None = None,
) -> Response:
    """Render the editor with each problem beside its field."""
    definition: dict[str, Any] = workflow.definition if workflow else {}
    shown = explain_problems(problems or [], definition)
    for name in ("name", "intent"):
        if not getattr(form, name).errors and shown[name]:
            getattr(form, name).errors = [p.message for p in shown[name]]
    return render_page_or_fragment(
        "workflows/form.html",
        "workflows/_form.html",
        form=form,
        workflow=workflow,
        problems=shown,
        problem_count=len(problems or []),
        starters=STARTERS,
        starter_key=starter_key,
        reference=action_reference(),
    )


def starter_form() -> tuple[WorkflowForm, str | None]:
    """Return a blank form, filled from a starter or a chat draft the URL names."""
    form = WorkflowForm(formdata=None)
    if "from_message" in request.args:
        # Imported here: the planner reads workflows/describe.py, and the chat
        # reads the planner.
        from synth_web.chat.drafts import get_draft_or_404

        # A plan card's "Open in editor": its draft, as a starter would be.
        fill_form(form, get_draft_or_404(request.args["from_message"]))
        return form, None
    starter = get_starter(request.args.get("starter"), current_user.timezone)
    if starter is None:
        return form, None
    fill_form(form, starter.definition)
    return form, starter.key


def fill_form(form: WorkflowForm, definition: dict[str, Any]) -> None:
    """Fill the editor with a definition; a name or intent in the URL wins."""
    form.name.data = request.args.get("name", "").strip() or definition["name"]
    form.intent.data = request.args.get("intent", "").strip() or definition["intent"]
    for name in ("trigger", "actions"):
        text = json.dumps(definition[name], indent=2, ensure_ascii=False)
        getattr(form, name).data = text


@bp.route("/workflows/new", methods=["GET", "POST"])
def new() -> Response:
    """Create a workflow; it is saved inactive, with or without problems."""
    if request.method == "GET":
        form, key = starter_form()
        return render_editor(form, starter_key=key)
    form = WorkflowForm()
    if not form.validate_on_submit():
        return render_editor(form, starter_key=request.args.get("starter"))
    workflow, problems = create_workflow(
        current_user.id, form.definition(), form.sources()
    )
    if problems:
        flash(
            f"Saved as an inactive draft with {plural(len(problems), 'problem')}. "
            "Fix them below, then activate it.",
            "warning",
        )
        return redirect(url_for("workflows.edit", workflow_id=workflow.id), 303)
    flash("Workflow saved. It is inactive until you activate it.", "success")
    return redirect(url_for("workflows.detail", workflow_id=workflow.id), 303)


@bp.route("/workflows/<int:workflow_id>/edit", methods=["GET", "POST"])
def edit(workflow_id: int) -> Response:
    """Edit a workflow; an active one that gains problems is switched off."""
    workflow = get_workflow_or_404(workflow_id)
    if request.method == "GET":
        data = {"name": workflow.name, "intent": workflow.intent}
        form = WorkflowForm(formdata=None, data={**data, **editor_texts(workflow)})
        return render_editor(form, workflow, current_problems(workflow))
    form = WorkflowForm()
    if not form.validate_on_submit():
        return render_editor(form, workflow)
    problems, switched_off = update_workflow(
        workflow, form.definition(), form.sources()
    )
    if not problems:
        flash("Changes saved.", "success")
        return redirect(url_for("workflows.detail", workflow_id=workflow.id), 303)
    count = plural(len(problems), "problem")
    if switched_off:
        flash(
            f"Changes saved, and the workflow was switched off: it now has {count}, "
            "so it cannot run. Fix them below, then activate it again.",
            "warning",
        )
    else:
        flash(f"Changes saved as an inactive draft with {count}.", "warning")
    return redirect(url_for("workflows.edit", workflow_id=workflow.id), 303)


@bp.route("/workflows/<int:workflow_id>")
def detail(workflow_id: int) -> Response:
    """Show a workflow in words, its problems, its webhook URL and recent runs."""
    workflow = get_workflow_or_404(workflow_id)
    trigger = describe_trigger(workflow.trigger)
    problems = current_problems(workflow)
    return render_page_or_fragment(
        "workflows/detail.html",
        "executions/_recent_runs.html",
        workflow=workflow,
        trigger=trigger,
        hook_url=webhook_url(workflow) if trigger.uses_url else None,
        steps=describe_steps(workflow.actions),
        problems=explain_problems(problems, workflow.definition),
        problem_count=len(problems),
        recent_runs=recent_runs(workflow.id),
    )


@bp.route("/workflows/<int:workflow_id>/delete", methods=["GET", "POST"])
def delete(workflow_id: int) -> Response | str:
    """Ask first, then delete the workflow and all its runs."""
    workflow = get_workflow_or_404(workflow_id)
    if request.method == "GET":
        return render_template(
            "workflows/delete.html", workflow=workflow, runs=run_count(workflow)
        )
    name = workflow.name
    delete_workflow(workflow)
    flash(f"“{name}” and its runs were deleted.", "info")
    return redirect(url_for("workflows.index"), 303)

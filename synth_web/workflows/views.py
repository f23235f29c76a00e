"""Workflow pages: the list, the editor, the detail page and deletion."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup, escape

from synth_web.engine.apps import catalog, get_app
from synth_web.engine.start import RunRefused
from synth_web.engine.validation import Problem
from synth_web.executions.listing import live_cursor
from synth_web.executions.replay import waiting_for
from synth_web.executions.services import recent_runs
from synth_web.htmx import htmx_redirect, render_page_or_fragment
from synth_web.models import Workflow
from synth_web.words import plural
from synth_web.workflows import bp
from synth_web.workflows.builder import build_view
from synth_web.workflows.builder.data_menu import Group, data_menus
from synth_web.workflows.builder.problems import place
from synth_web.workflows.describe import (
    action_reference,
    describe_steps,
    describe_trigger,
    explain_problems,
    trigger_label,
)
from synth_web.workflows.editor import (
    BUILDER,
    JSON,
    SAVES,
    Editor,
    conflict_of,
    connections,
    opened,
    posted,
    sources,
)
from synth_web.workflows.forms import WorkflowForm
from synth_web.workflows.listing import SORTS, list_workflows, parse_filters
from synth_web.workflows.sample_routes import run_with_context
from synth_web.workflows.samples import sample_payload
from synth_web.workflows.services import (
    create_workflow,
    current_problems,
    definition_problems,
    delete_workflow,
    editor_texts,
    get_workflow_or_404,
    run_count,
    set_status,
    update_workflow,
    webhook_url,
)
from synth_web.workflows.starters import STARTERS, get_starter
from synth_web.workflows.summary import summary
from synth_web.workflows.testing import REAL, last_outputs, start_test, test_index

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


def render_editor(editor: Editor) -> Response:
    """Render the editor (either tab) with each problem beside its field."""
    definition = editor.definition
    problems: list[Problem] = []
    if editor.show_problems and "trigger" in definition:
        problems = definition_problems(current_user.id, definition)
    shown = explain_problems(problems, definition)
    form = editor.form
    for name in ("name", "intent"):
        if not getattr(form, name).errors and shown[name]:
            getattr(form, name).errors = [p.message for p in shown[name]]
    placed = place(problems)
    builder = None
    if editor.mode == BUILDER and editor.state is not None:
        hook = webhook_url(editor.workflow) if editor.workflow else None
        builder = build_view(editor.state, placed, connections(), hook)
        builder.data = editor_data(editor)
    return render_page_or_fragment(
        "workflows/form.html",
        "workflows/_form.html",
        editor=editor,
        form=form,
        workflow=editor.workflow,
        builder=builder,
        placed=placed,
        problems=shown,
        problem_count=len(problems),
        starters=STARTERS,
        starter_key=editor.starter_key,
        reference=action_reference() if editor.mode == JSON else (),
        test_real=REAL,
    )


def editor_data(editor: Editor) -> list[list[Group]]:
    """Return what Insert data offers each step: the sample, the last outputs."""
    workflow = editor.workflow
    sample = sample_payload(workflow) if workflow else None
    outputs = last_outputs(workflow) if workflow else {}
    return data_menus(editor.state, sample, outputs) if editor.state else []


def test_step(editor: Editor, index: int) -> Response:
    """Run the editor's steps up to one of them, for real, and show the outputs."""
    editor.tested = {"index": index}
    if editor.workflow is None:
        editor.tested["error"] = "Save the workflow first: a test runs on its sample."
    elif not editor.readable:
        editor.tested["error"] = "Fix the fields marked above first."
    else:
        try:
            editor.tested["run"] = start_test(
                editor.workflow, editor.definition, index, current_user.name
            )
        except RunRefused as refused:
            editor.tested["error"] = str(refused)
    return render_editor(editor)


def starter_form() -> tuple[WorkflowForm, str | None, dict[str, Any]]:
    """Return a blank form, filled from a starter or a chat draft the URL names."""
    form = WorkflowForm(formdata=None)
    blank = {"name": "", "intent": "", "trigger": {}, "actions": []}
    if "from_message" in request.args:
        # Imported here: the planner reads workflows/describe.py, and the chat
        # reads the planner.
        from synth_web.chat.drafts import get_draft_or_404

        # A plan card's "Open in editor": its draft, as a starter would be.
        return (
            form,
            None,
            fill_form(form, get_draft_or_404(request.args["from_message"])),
        )
    starter = get_starter(request.args.get("starter"), current_user.timezone)
    if starter is None:
        return form, None, blank
    return form, starter.key, fill_form(form, starter.definition)


def fill_form(form: WorkflowForm, definition: dict[str, Any]) -> dict[str, Any]:
    """Fill the editor with a definition; a name or intent in the URL wins."""
    form.name.data = request.args.get("name", "").strip() or definition["name"]
    form.intent.data = request.args.get("intent", "").strip() or definition["intent"]
    for name in ("trigger", "actions"):
        text = json.dumps(definition[name], indent=2, ensure_ascii=False)
        getattr(form, name).data = text
    return {**definition, "name": form.name.data, "intent": form.intent.data}


@bp.route("/workflows/new", methods=["GET", "POST"])
def new() -> Response:
    """Create a workflow; it is saved inactive, with or without problems."""
    if request.method == "GET":
        form, key, definition = starter_form()
        editor = opened(form, definition, intent_generated=not definition["intent"])
        editor.starter_key, editor.show_problems = key, key is not None
        return render_editor(editor)
    editor, op = posted(None)
    editor.starter_key = request.args.get("starter")
    return save(editor, op) if op in SAVES else render_editor(editor)


@bp.route("/workflows/<int:workflow_id>/edit", methods=["GET", "POST"])
def edit(workflow_id: int) -> Response:
    """Edit a workflow; an active one that gains problems is switched off."""
    workflow = get_workflow_or_404(workflow_id)
    if request.method == "GET":
        data = {"name": workflow.name, "intent": workflow.intent}
        form = WorkflowForm(formdata=None, data={**data, **editor_texts(workflow)})
        generated = bool((workflow.meta or {}).get("intent_generated"))
        return render_editor(opened(form, workflow.definition, workflow, generated))
    editor, op = posted(workflow)
    if (index := test_index(op)) is not None:
        return test_step(editor, index)
    return save(editor, op) if op in SAVES else render_editor(editor)


def save(editor: Editor, op: str) -> Response:
    """Save what the editor holds, unless it cannot be read or is out of date."""
    if not editor.form.validate() or not editor.readable:
        return render_editor(editor)
    editor.conflict = conflict_of(editor, op)
    if editor.conflict:
        return render_editor(editor)
    definition = {**editor.definition, "name": editor.form.name.data}
    generated = bool(editor.intent_auto) and definition["intent"] == editor.intent_auto
    workflow = editor.workflow
    if workflow is None:
        workflow, problems = create_workflow(
            current_user.id, definition, sources(editor), generated
        )
        return saved(workflow, problems, op == "save_on", new=True)
    problems, switched_off = update_workflow(
        workflow, definition, sources(editor), generated
    )
    return saved(workflow, problems, op == "save_on", switched_off=switched_off)


def saved(
    workflow: Workflow,
    problems: list[Problem],
    switch_on: bool,
    new: bool = False,
    switched_off: bool = False,
) -> Response:
    """Say how the save went and open the workflow, or its problems."""
    detail = url_for("workflows.detail", workflow_id=workflow.id)
    if not problems:
        if switch_on:
            set_status(workflow, True)
            flash("Saved and switched on.", "success")
        elif new:
            flash("Workflow saved. It is inactive until you activate it.", "success")
        else:
            flash("Changes saved.", "success")
        return htmx_redirect(detail)
    count = plural(len(problems), "problem")
    if switched_off:
        message = (
            f"Changes saved, and the workflow was switched off: it now has {count}, "
            "so it cannot run. Fix them below, then activate it again."
        )
    elif new:
        message = (
            f"Saved as an inactive draft with {count}. "
            "Fix them below, then activate it."
        )
    else:
        message = f"Changes saved as an inactive draft with {count}."
    if switch_on and not switched_off:
        message += " It stays off until they are fixed."
    flash(message, "warning")
    # Back to the tab the person was on (a plain form post, as ever, to the editor).
    tab = JSON if request.form.get("editor") == JSON else None
    return htmx_redirect(url_for("workflows.edit", workflow_id=workflow.id, view=tab))


@bp.route("/workflows/<int:workflow_id>")
def detail(workflow_id: int) -> Response:
    """Show a workflow in words, its problems, its webhook URL and recent runs."""
    return detail_page(get_workflow_or_404(workflow_id))


def detail_page(workflow: Workflow, status: int = 200, **typed: Any) -> Response:
    """Render the detail page; `typed` keeps a refused sample or payload in place."""
    trigger = describe_trigger(workflow.trigger)
    problems = current_problems(workflow)
    runs = recent_runs(workflow.id)
    return render_page_or_fragment(
        "workflows/detail.html",
        "executions/_recent_runs.html",
        status,
        workflow=workflow,
        trigger=trigger,
        hook_url=webhook_url(workflow) if trigger.uses_url else None,
        steps=describe_steps(workflow.actions),
        summary=summary(workflow.definition),
        problems=explain_problems(problems, workflow.definition),
        problem_count=len(problems),
        recent_runs=runs,
        live_since=live_cursor(runs),
        waiting=waiting_for(
            workflow, current_app.config["SYNTH_REFUSED_MAX_PER_WORKFLOW"]
        ),
        **run_with_context(workflow, **typed),
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

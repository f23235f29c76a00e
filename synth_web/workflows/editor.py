"""The workflow editor: the step builder and the JSON tab, one form, one flow.

Every post carries the whole workflow, from whichever tab was showing (`editor`);
`op` says what the button wanted: a builder change, the other tab, or a save.
A post with only `name`, `intent`, `trigger` and `actions` (the form as it has
always been) is a save from the JSON tab.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any

from flask import request
from flask_login import current_user

from synth_web.engine.checks import connection_statuses
from synth_web.models import Workflow
from synth_web.workflows.builder import ops
from synth_web.workflows.builder.definition import from_definition
from synth_web.workflows.builder.state import BuilderState, read_builder
from synth_web.workflows.forms import WorkflowForm
from synth_web.workflows.services import definition_version
from synth_web.workflows.summary import generated_intent

BUILDER, JSON = "builder", "json"
SAVES = ("save", "save_on", "overwrite")


@dataclass
class Conflict:
    """A save refused because the workflow changed since the page was opened."""

    saved: dict[str, Any]
    mine: dict[str, Any]
    saved_at: Any

    @property
    def diff(self) -> list[str]:
        """Return the lines that differ, saved version first."""
        before = pretty(self.saved).splitlines()
        after = pretty(self.mine).splitlines()
        lines = difflib.unified_diff(before, after, "saved", "yours", lineterm="", n=2)
        return list(lines)[2:]

    @property
    def saved_text(self) -> str:
        """Return the saved version as JSON."""
        return pretty(self.saved)

    @property
    def mine_text(self) -> str:
        """Return this page's version as JSON."""
        return pretty(self.mine)


def pretty(value: Any) -> str:
    """Lay JSON out for people to read."""
    return json.dumps(value, indent=2, ensure_ascii=False)


@dataclass
class Editor:
    """One showing of the editor: which tab, what it holds, what to say."""

    form: WorkflowForm
    mode: str
    definition: dict[str, Any]
    state: BuilderState | None
    workflow: Workflow | None = None
    starter_key: str | None = None
    intent_auto: str = ""
    base: str = ""
    conflict: Conflict | None = None
    show_problems: bool = True
    dirty: bool = False
    readable: bool = True
    errors: list[str] = field(default_factory=list)
    # Test step: the step's index, and the test run or why it did not start.
    tested: dict[str, Any] | None = None


def fits_builder(definition: dict[str, Any]) -> bool:
    """Tell whether the builder can show a definition (else the JSON tab does)."""
    return isinstance(definition.get("trigger"), dict) and isinstance(
        definition.get("actions"), list
    )


def auto_intent(definition: dict[str, Any]) -> str:
    """Write the intent from the steps, or nothing while there is nothing to say."""
    trigger = definition.get("trigger")
    has_type = isinstance(trigger, dict) and bool(trigger.get("type"))
    if not has_type and not definition.get("actions"):
        return ""
    return generated_intent(definition)


def opened(
    form: WorkflowForm,
    definition: dict[str, Any],
    workflow: Workflow | None = None,
    intent_generated: bool = False,
) -> Editor:
    """Open the editor on a saved, starter or blank definition."""
    mode = JSON if request.args.get("view") == JSON else BUILDER
    if not fits_builder(definition):
        mode = JSON
    auto = auto_intent(definition) if intent_generated else ""
    if auto and auto != definition.get("intent"):
        auto = ""
    return Editor(
        form,
        mode,
        definition,
        from_definition(definition) if fits_builder(definition) else None,
        workflow,
        intent_auto=auto,
        base=definition_version(workflow.definition) if workflow else "",
    )


def read_json_side(form: WorkflowForm) -> tuple[Any, Any, bool]:
    """Read the JSON tab's trigger and actions, with their errors on the fields."""
    ok = True
    values = []
    for name in ("trigger", "actions"):
        field_ = getattr(form, name)
        if not field_.validate(form):
            ok = False
        values.append(getattr(field_, "parsed", None))
    return values[0], values[1], ok


def posted(workflow: Workflow | None) -> tuple[Editor, str]:
    """Read a post of the editor and do its op, except saving; return the op."""
    form = WorkflowForm()
    mode = BUILDER if request.form.get("editor") == BUILDER else JSON
    op = request.form.get("op", "save")[:200]
    state = None
    if mode == BUILDER:
        state = read_builder(request.form, op)
        ops.apply(state, op, current_user.timezone)
        trigger, actions, readable = state.trigger, state.actions, not state.has_errors
    else:
        trigger, actions, readable = read_json_side(form)
    editor = Editor(form, mode, {}, state, workflow, dirty=True, readable=readable)
    editor.base = request.form.get("base", "")[:64]
    definition = {"name": form.name.data or "", "intent": form.intent.data or ""}
    # The builder's state is whole even when a field could not be read (that
    # field is left out, and saving is refused); JSON that did not parse is not.
    if readable or mode == BUILDER:
        definition.update(trigger=trigger, actions=actions)
        keep_or_write_intent(editor, definition)
    editor.definition = definition
    switch_tab(editor, op)
    return editor, op


def keep_or_write_intent(editor: Editor, definition: dict[str, Any]) -> None:
    """Write the intent from the steps unless the person wrote their own."""
    if "intent_auto" not in request.form:
        return  # a plain form post: the intent is exactly what was sent
    typed = definition["intent"]
    if typed in ("", request.form.get("intent_auto", "")):
        definition["intent"] = auto_intent(definition)
        editor.intent_auto = definition["intent"]
        editor.form.intent.data = definition["intent"]


def switch_tab(editor: Editor, op: str) -> None:
    """Show the other tab when asked, once what this one holds could be read."""
    if op not in (f"view:{BUILDER}", f"view:{JSON}") or not editor.readable:
        return
    definition = editor.definition
    if op == f"view:{JSON}":
        editor.mode = JSON
        editor.form.trigger.data = pretty(definition["trigger"])
        editor.form.actions.data = pretty(definition["actions"])
    elif fits_builder(definition):
        editor.mode = BUILDER
        editor.state = from_definition(definition)
    else:
        editor.errors.append(
            "The builder shows a trigger that is an object and steps in a list: "
            "fix that here first."
        )


def conflict_of(editor: Editor, op: str) -> Conflict | None:
    """Refuse a save based on a version older than the saved one."""
    workflow = editor.workflow
    if workflow is None or not editor.base or op == "overwrite":
        return None
    if definition_version(workflow.definition) == editor.base:
        return None
    return Conflict(dict(workflow.definition), editor.definition, workflow.updated_at)


def sources(editor: Editor) -> dict[str, str]:
    """Return the JSON texts to remember: as typed on the JSON tab, else laid out."""
    if editor.mode == JSON:
        return editor.form.sources()
    return {
        "trigger": pretty(editor.definition["trigger"]),
        "actions": pretty(editor.definition["actions"]),
    }


def connections() -> dict[str, str]:
    """Return the person's connection states, app by app."""
    return connection_statuses(current_user.id)

"""The builder's step cards and fields, ready for the templates.

Each field shows the text as it was posted while that text still means the
step's value (or could not be read), and the value written anew otherwise: after
a rename rewrote a reference, say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import url_for

from synth_web.engine.apps import Action, App, find_action
from synth_web.engine.messages import closest
from synth_web.engine.validation import action_types
from synth_web.workflows.builder import fields as kinds
from synth_web.workflows.builder.fields import MISSING, FieldError, same
from synth_web.workflows.builder.state import (
    BuilderState,
    StepState,
    param_kinds,
)
from synth_web.workflows.catalog_view import choices_source, slot_of, step_title

SLOT_WIDGETS = {"email": "email", "url": "url", "message": "textarea"}


@dataclass
class FieldView:
    """One control of the builder with its label, help and messages."""

    id: str
    name: str
    label: str
    widget: str  # text, textarea, email, url, number, select, json, kv
    value: str = ""
    rows: list[tuple[str, str]] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)
    required: bool = False
    help: str = ""
    errors: list[str] = field(default_factory=list)
    choices_url: str = ""
    row_op: str = ""


@dataclass
class StepView:
    """One step's card."""

    index: int
    type: str
    title: str
    icon: str
    description: str
    known: bool
    raw: bool
    id_field: FieldView
    fields: list[FieldView]
    settings: list[FieldView]
    problems: list[str]
    has_with: bool
    raw_field: FieldView | None = None
    fix: tuple[str, str] | None = None
    more: list[FieldView] = field(default_factory=list)
    connect_url: str = ""
    focus_in_more: bool = False

    @property
    def number(self) -> int:
        """Return the step's position, from 1."""
        return self.index + 1

    @property
    def more_open(self) -> bool:
        """Unfold the optional fields when one holds a mistake or the focus."""
        return self.focus_in_more or any(f.errors for f in self.more)

    @property
    def settings_open(self) -> bool:
        """Unfold the settings when they hold a mistake."""
        return any(f.errors for f in self.settings)

    @property
    def settings_summary(self) -> str:
        """Say what the settings are, in a few words."""
        values = {f.name.rsplit(".", 1)[-1]: f.value for f in self.settings}
        parts = []
        if values.get("max_attempts"):
            parts.append(f"up to {values['max_attempts']} attempts")
        if values.get("timeout_seconds"):
            parts.append(f"timeout {values['timeout_seconds']} s")
        return ", ".join(parts) or "defaults"


ACRONYMS = {"url": "URL", "json": "JSON", "html": "HTML", "cc": "Cc", "bcc": "Bcc"}


def humanize(name: str) -> str:
    """Label a parameter name: `expected_status` → "Expected status"."""
    words = name.replace("_", " ").strip().capitalize().split(" ")
    return " ".join(ACRONYMS.get(word.lower(), word) for word in words) or name


def shown_text(state: StepState, local: str, kind: str, value: Any) -> str:
    """Return a field's text: as posted while it means the value, else anew."""
    posted = state.posted.get(local)
    if posted is not None and (
        local in state.errors or posted_means(kind, posted, value)
    ):
        return posted[0] if posted else ""
    return kinds.render(kind, value)


def posted_means(kind: str, posted: list[str], value: Any) -> bool:
    """Tell whether posted text still reads as the value."""
    try:
        return same(kinds.parse(kind, posted[0] if posted else ""), value) or (
            value is MISSING and not (posted and posted[0])
        )
    except FieldError:
        return False


def shown_rows(state: StepState, name: str, value: Any) -> list[tuple[str, str]]:
    """Return a list field's rows as posted while they mean the value, plus a blank."""
    keys = state.posted.get(f"kv.{name}")
    rows = kinds.render_rows(value)
    if keys is not None:
        values = state.posted.get(f"kvv.{name}", [])
        posted = list(zip(keys, values, strict=False))
        try:
            read = kinds.parse_rows(keys, values)
        except FieldError:
            read = None
        if f"kv.{name}" in state.errors or same(read, value if value else MISSING):
            rows = posted
    if not rows or rows[-1] != ("", ""):
        rows.append(("", ""))
    return rows


def widget_for(kind: str, spec: Any, slot: str, value: Any) -> str:
    """Pick the control that shows a parameter of this kind."""
    if kind != "str":
        return {"num": "number", "bool": "select", "json": "json", "kv": "kv"}[kind]
    if isinstance(spec, dict) and "enum" in spec:
        return "select"
    if isinstance(value, str) and "\n" in value:
        return "textarea"
    if isinstance(value, str) and value != value.strip():
        return "text"  # browsers trim email and URL inputs: keep the spaces typed
    return SLOT_WIDGETS.get(slot, "text")


def options_for(
    kind: str, spec: Any, value: Any, required: bool
) -> list[tuple[str, str]]:
    """List a select's options; a current value outside the list stays choosable."""
    if kind == "bool":
        return [("", "Not set"), ("true", "Yes"), ("false", "No")]
    enum = (
        [str(item) for item in spec.get("enum", [])] if isinstance(spec, dict) else []
    )
    options = [("", "Choose…" if required else "Not set")]
    options += [(item, item) for item in enum]
    if isinstance(value, str) and value and value not in enum:
        options.append((value, f"{value} (not allowed)"))
    return options


def param_field(
    state: StepState,
    index: int,
    number: int,
    param: tuple[str, str, Any],
    action: Action | None,
    app: App | None,
) -> FieldView:
    """Build the field of one parameter from its schema and value."""
    name, kind, value = param
    schema = action.schema if action else {}
    spec = schema.get("properties", {}).get(name)
    local = f"{kind}.{name}"
    for failed in state.errors:
        if local not in state.errors and failed.split(".", 1)[-1] == name:
            kind, local = failed.split(".", 1)[0], failed
    required = name in schema.get("required", ())
    slot = slot_of(action, name)
    view = FieldView(
        id=f"s{index}-p{number}",
        name=f"s{index}.{local}",
        label=str(spec.get("title") or humanize(name))
        if isinstance(spec, dict)
        else name,
        widget=widget_for(kind, spec, slot, value),
        required=required,
        help=field_help(kind, spec, action),
    )
    if kind == "kv":
        view.rows = shown_rows(state, name, value)
        view.row_op = f"row:{index}:{name}"
    else:
        view.value = shown_text(state, local, kind, value)
    if view.widget == "select":
        view.options = options_for(kind, spec, value, required)
    source = choices_source(app.key, name) if app else None
    if source and kind == "str" and view.widget == "text":
        view.choices_url = url_for(
            "workflows.choices", app=app.key, param=name, list=f"{view.id}-choices"
        )
    if local in state.errors:
        view.errors.append(state.errors[local])
    return view


def field_help(kind: str, spec: Any, action: Action | None) -> str:
    """Say what goes into a field: the schema's words, and JSON when it is JSON."""
    if action is not None and spec is None:
        return "Not a field of this action: clear it to remove it."
    words = str(spec.get("description", "")) if isinstance(spec, dict) else ""
    extra = {"json": "Written as JSON.", "kv": "One name and value per row."}
    return " ".join(part for part in (words, extra.get(kind, "")) if part)


def settings_fields(state: StepState, index: int) -> list[FieldView]:
    """Build a step's retry and timeout fields."""
    step = state.step if isinstance(state.step, dict) else {}
    retry = step.get("retry") if isinstance(step.get("retry"), dict) else {}
    specs = (
        (
            "max_attempts",
            "Attempts",
            "How many times to try (1–5). Only network errors are retried.",
        ),
        (
            "backoff_seconds",
            "Wait between attempts (seconds)",
            "Doubles after each attempt, at most 60.",
        ),
        (
            "timeout_seconds",
            "Timeout (seconds)",
            "Give up after this long (at most 300; 60 when empty).",
        ),
    )
    fields = []
    for name, label, help_text in specs:
        value = (
            step.get(name, MISSING)
            if name == "timeout_seconds"
            else retry.get(name, MISSING)
        )
        local = f"set.{name}"
        fields.append(
            FieldView(
                id=f"s{index}-{name}",
                name=f"s{index}.{local}",
                label=label,
                widget="number",
                value=shown_text(state, local, "num", value),
                help=help_text,
            )
        )
    return fields


def connect_url(app: App | None, connections: dict[str, str]) -> str:
    """Link to connecting the step's app, when it needs a connection it lacks."""
    if app is None or not app.needs_connection:
        return ""
    status = connections.get(app.key)
    if status == "active":
        return ""
    if status is None:
        return url_for("connections.new", app=app.key)
    return url_for("connections.index")


def step_view(state: StepState, index: int, connections: dict[str, str]) -> StepView:
    """Build one step's card."""
    step = state.step if isinstance(state.step, dict) else {}
    kind = str(step.get("type", ""))
    app, action = find_action(kind) if kind else (None, None)
    id_field = FieldView(
        id=f"s{index}-id",
        name=f"s{index}.id",
        label="Step id",
        widget="text",
        value=shown_text(state, "id", "str", step.get("id", MISSING)),
        required=True,
        help="Later steps use this step's output as steps.<id>.output: "
        "renaming it renames those references too.",
    )
    fields, more = [], []
    if not state.raw:
        wanted = main_params(action)
        for number, param in enumerate(param_kinds(step)):
            view = param_field(state, index, number, param, action, app)
            shown = param[0] in wanted or param[2] is not MISSING or view.errors
            (fields if shown else more).append(view)
    fix = None
    if kind and action is None:
        guess = closest(kind, action_types())
        if guess:
            fix = (f"Use {step_title(guess)}", f"retype:{index}:{guess}")
    return StepView(
        index=index,
        type=kind,
        title=step_title(kind) if kind else "A step with no action",
        icon=(app.icon if app and app.icon else "?"),
        description=action.description if action else "Not in the app catalog.",
        known=action is not None,
        raw=state.raw,
        id_field=id_field,
        fields=fields,
        settings=settings_fields(state, index),
        problems=[],
        has_with=isinstance(step.get("with"), dict),
        raw_field=raw_field(state, f"s{index}") if state.raw else None,
        fix=fix,
        more=more,
        connect_url=connect_url(app, connections),
    )


def main_params(action: Action | None) -> set[str]:
    """Name the parameters always shown: required, key, or first of a choice."""
    if action is None:
        return set()
    schema = action.schema
    wanted = set(schema.get("required", ())) | set(action.key_params)
    for branch in (schema.get("anyOf") or [])[:1]:
        wanted |= set(branch.get("required", ()) if isinstance(branch, dict) else ())
    return wanted


def raw_field(state: StepState, prefix: str) -> FieldView:
    """Build the JSON field of a part the builder cannot show as a form."""
    return FieldView(
        id=f"{prefix}-raw",
        name=f"{prefix}.raw",
        label="As JSON",
        widget="json",
        value=shown_text(state, "raw", "json", state.step),
        help="The builder cannot show all of this as a form, so it is shown as "
        "JSON, exactly as saved.",
        errors=[state.errors["raw"]] if "raw" in state.errors else [],
    )


def place_problems(view: StepView, problems: dict[str, list[str]]) -> None:
    """Put each problem of a step beside its field, the rest on the card."""
    by_param = {f.name.split(".", 2)[-1]: f for f in view.fields + view.more}
    by_setting = {f.name.split(".", 1)[-1]: f for f in view.settings}
    for key, messages in problems.items():
        if key == "id":
            view.id_field.errors += messages
        elif key.startswith("with.") and key[5:] in by_param:
            # A field whose text could not be read says so; what validation
            # makes of its absence would only repeat it.
            if not by_param[key[5:]].errors:
                by_param[key[5:]].errors += messages
        elif key.startswith("set.") or key == "settings":
            target = by_setting.get(key, view.settings[0])
            target.errors += messages
        else:
            view.problems += messages


def step_views(
    state: BuilderState,
    problems: dict[int, dict[str, list[str]]],
    connections: dict[str, str],
) -> list[StepView]:
    """Build every step's card with its problems."""
    views = []
    for index, step in enumerate(state.steps):
        view = step_view(step, index, connections)
        if not step.errors or not step.raw:
            place_problems(view, problems.get(index, {}))
        views.append(view)
    return views


def focus_id(state: BuilderState, views: list[StepView]) -> str:
    """Turn the state's focus wish into the id of the control to focus."""
    wanted = wanted_focus(state, views)
    for view in views:
        view.focus_in_more = any(
            wanted == item.id or wanted.startswith(f"{item.id}-") for item in view.more
        )
    return wanted


def wanted_focus(state: BuilderState, views: list[StepView]) -> str:
    """Find the id of the control the last change wants focused."""
    match = re.match(r"^s(\d+)-(first|row:(.+))$", state.focus)
    if not match:
        return state.focus
    index = int(match.group(1))
    if index >= len(views):
        return ""
    view = views[index]
    if match.group(3):
        for item in view.fields + view.more:
            if item.name.endswith(f"kv.{match.group(3)}"):
                return f"{item.id}-k{len(item.rows) - 1}"
        return ""
    return view.fields[0].id if view.fields else view.id_field.id

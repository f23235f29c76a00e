"""One field of the builder, from a parameter's schema, value and posted text.

Each field shows the text as it was posted while that text still means the
step's value (or could not be read), and the value written anew otherwise: after
a rename rewrote a reference, say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for

from synth_web.engine.apps import Action, App
from synth_web.workflows.builder import fields as kinds
from synth_web.workflows.builder.fields import MISSING, FieldError, same
from synth_web.workflows.builder.state import StepState
from synth_web.workflows.catalog_view import choices_source, slot_of

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


def failed_kind(state: StepState, name: str, kind: str) -> str:
    """Keep the kind a field was posted as while its text could not be read."""
    for local in state.errors:
        failed, _, param = local.partition(".")
        if param == name and f"{kind}.{name}" not in state.errors:
            return failed
    return kind


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
    kind = failed_kind(state, name, kind)
    local = f"{kind}.{name}"
    view = FieldView(
        id=f"s{index}-p{number}",
        name=f"s{index}.{local}",
        label=humanize(name),
        widget=widget_for(kind, spec, slot_of(action, name), value),
        required=name in schema.get("required", ()),
        help=field_help(kind, spec, action),
    )
    if kind == "kv":
        view.rows, view.row_op = shown_rows(state, name, value), f"row:{index}:{name}"
    else:
        view.value = shown_text(state, local, kind, value)
    if view.widget == "select":
        view.options = options_for(kind, spec, value, view.required)
    if (
        app
        and choices_source(app.key, name)
        and view.widget == "text"
        and kind == "str"
    ):
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


def id_field(state: StepState, index: int) -> FieldView:
    """Build the field of a step's id, which later steps' references use."""
    step = state.step if isinstance(state.step, dict) else {}
    return FieldView(
        id=f"s{index}-id",
        name=f"s{index}.id",
        label="Step id",
        widget="text",
        value=shown_text(state, "id", "str", step.get("id", MISSING)),
        required=True,
        help="Later steps use this step's output as steps.<id>.output: "
        "renaming it renames those references too.",
        errors=[state.errors["id"]] if "id" in state.errors else [],
    )


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

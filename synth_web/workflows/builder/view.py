"""The builder's step cards: fields, folded options, problems and focus."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import url_for

from synth_web.engine.apps import Action, App, find_action
from synth_web.engine.messages import closest
from synth_web.engine.validation import action_types
from synth_web.workflows.builder.definition import param_kinds
from synth_web.workflows.builder.fields import MISSING
from synth_web.workflows.builder.fields_view import (
    FieldView,
    id_field,
    param_field,
    raw_field,
    settings_fields,
)
from synth_web.workflows.builder.state import BuilderState, StepState
from synth_web.workflows.catalog_view import step_title


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
    fields, more = param_fields(state, index, step) if not state.raw else ([], [])
    return StepView(
        index=index,
        type=kind,
        title=step_title(kind) if kind else "A step with no action",
        icon=(app.icon if app and app.icon else "?"),
        description=action.description if action else "Not in the app catalog.",
        known=action is not None,
        raw=state.raw,
        id_field=id_field(state, index),
        fields=fields,
        settings=settings_fields(state, index),
        problems=[],
        has_with=isinstance(step.get("with"), dict),
        raw_field=raw_field(state, f"s{index}") if state.raw else None,
        fix=retype_fix(kind, action, index),
        more=more,
        connect_url=connect_url(app, connections),
    )


def param_fields(
    state: StepState, index: int, step: dict[str, Any]
) -> tuple[list[FieldView], list[FieldView]]:
    """Build a step's parameter fields: those always shown, and the folded ones."""
    app, action = find_action(str(step.get("type", "")))
    wanted = main_params(action)
    fields, more = [], []
    for number, param in enumerate(param_kinds(step)):
        view = param_field(state, index, number, param, action, app)
        shown = param[0] in wanted or param[2] is not MISSING or view.errors
        (fields if shown else more).append(view)
    return fields, more


def retype_fix(kind: str, action: Action | None, index: int) -> tuple[str, str] | None:
    """Offer the catalog action a misspelt type most likely meant."""
    guess = closest(kind, action_types()) if kind and action is None else None
    return (f"Use {step_title(guess)}", f"retype:{index}:{guess}") if guess else None


def main_params(action: Action | None) -> set[str]:
    """Name the parameters always shown: required, key, or first of a choice."""
    if action is None:
        return set()
    schema = action.schema
    wanted = set(schema.get("required", ())) | set(action.key_params)
    for branch in (schema.get("anyOf") or [])[:1]:
        wanted |= set(branch.get("required", ()) if isinstance(branch, dict) else ())
    return wanted


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

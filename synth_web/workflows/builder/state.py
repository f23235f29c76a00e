"""The builder's state: a trigger and steps, read from the posted form.

Nothing is kept on the server between two requests: every button posts the whole
form, which this module reads back into the workflow's trigger and actions, with
the text of each field as typed (so nothing typed is lost when it cannot be read).
Field names carry their kind (see fields.py): `s0.id`, `s0.type`, `s0.str.channel`,
`s0.kv.values` + `s0.kvv.values`, `s0.set.timeout_seconds`, `t.type`, `t.cron`…
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from synth_web.engine.validation import MAX_ACTIONS, MAX_DEFINITION_BYTES
from synth_web.workflows.builder import fields as kinds
from synth_web.workflows.builder.fields import MISSING, FieldError
from synth_web.workflows.builder.renames import rename_refs, renames_of
from synth_web.workflows.builder.schedule import Preset, cron_for

STEP_FIELD = re.compile(r"^s(\d{1,3})\.(.+)$")
# A few more than a workflow may have, so a builder over the limit still shows
# every step it was given (validation says how many are too many).
MAX_STEPS = MAX_ACTIONS + 10
SETTINGS = ("max_attempts", "backoff_seconds", "timeout_seconds")
TRIGGER_KEYS = {"schedule": ("cron", "timezone"), "app_event": ("app", "event")}

Posted = dict[str, list[str]]


@dataclass
class StepState:
    """One step: its value, and its fields as posted (for showing them again)."""

    step: Any
    posted: Posted = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    raw: bool = False


@dataclass
class BuilderState:
    """Everything the builder shows, between two posts of its form."""

    trigger: Any
    steps: list[StepState]
    trigger_posted: Posted = field(default_factory=dict)
    trigger_errors: dict[str, str] = field(default_factory=dict)
    trigger_raw: bool = False
    removed: dict[str, Any] | None = None
    notice: str = ""
    focus: str = ""

    @property
    def actions(self) -> list[Any]:
        """Return the steps as the workflow's actions."""
        return [state.step for state in self.steps]

    @property
    def has_errors(self) -> bool:
        """Tell whether some field could not be read (nothing may be saved then)."""
        return bool(self.trigger_errors) or any(s.errors for s in self.steps)


def first(posted: Posted, name: str, default: str = "") -> str:
    """Return the first posted value of a field."""
    values = posted.get(name)
    return values[0] if values else default


def typed(posted: Posted, name: str, errors: dict[str, str]) -> str:
    """Return a typed value, or note why it cannot be stored and return ""."""
    try:
        return kinds.storable(first(posted, name))
    except FieldError as exc:
        errors[name] = str(exc)
        return ""


def group(form: MultiDict[str, str]) -> tuple[Posted, dict[int, Posted]]:
    """Split the form into the trigger's fields and each step's, in form order."""
    trigger: Posted = {}
    steps: dict[int, Posted] = {}
    for key in form:
        if key.startswith("t."):
            trigger[key[2:]] = form.getlist(key)
            continue
        match = STEP_FIELD.match(key)
        if match:
            steps.setdefault(int(match.group(1)), {})[match.group(2)] = form.getlist(
                key
            )
    return trigger, dict(sorted(steps.items())[:MAX_STEPS])


def read_raw(posted: Posted, errors: dict[str, str]) -> Any:
    """Read a part shown as JSON; keep the text and say why when it is not JSON."""
    text = first(posted, "raw")
    try:
        return kinds.parse_json_text(text)
    except FieldError as exc:
        errors["raw"] = str(exc)
        return {}


def read_params(posted: Posted, errors: dict[str, str]) -> dict[str, Any]:
    """Read a step's parameters, each by the kind its field name says."""
    params: dict[str, Any] = {}
    for local, values in posted.items():
        kind, _, name = local.partition(".")
        if kind not in kinds.KINDS or not name:
            continue
        try:
            if kind == "kv":
                value = kinds.parse_rows(values, posted.get(f"kvv.{name}", []))
            else:
                value = kinds.parse(kind, values[0] if values else "")
        except FieldError as exc:
            errors[local] = str(exc)
            continue
        if value is not MISSING:
            params[name] = value
    return params


def read_step(posted: Posted) -> StepState:
    """Read one step from its fields."""
    errors: dict[str, str] = {}
    if "raw" in posted:
        return StepState(read_raw(posted, errors), posted, errors, raw=True)
    step: dict[str, Any] = {}
    for key in ("id", "type"):
        if first(posted, key):
            step[key] = typed(posted, key, errors)
    params = read_params(posted, errors)
    if params or "with" in posted:
        step["with"] = params
    settings = {
        name: kinds.parse("num", first(posted, f"set.{name}")) for name in SETTINGS
    }
    retry = {k: v for k, v in settings.items() if k != "timeout_seconds"}
    retry = {k: v for k, v in retry.items() if v is not MISSING}
    if retry:
        step["retry"] = retry
    if settings["timeout_seconds"] is not MISSING:
        step["timeout_seconds"] = settings["timeout_seconds"]
    return StepState(step, posted, errors)


def read_trigger(posted: Posted, op: str) -> tuple[Any, dict[str, str]]:
    """Read the trigger; a changed schedule preset writes its cron."""
    errors: dict[str, str] = {}
    if "raw" in posted:
        return read_raw(posted, errors), errors
    kind = typed(posted, "type", errors)
    trigger: dict[str, Any] = {"type": kind} if kind else {}
    if kind == "schedule":
        posted = {**posted, "cron": [chosen_cron(posted, op)]}
    for key in TRIGGER_KEYS.get(kind, ()):
        if first(posted, key):
            trigger[key] = typed(posted, key, errors)
    return trigger, errors


def chosen_cron(posted: Posted, op: str) -> str:
    """Return the cron meant: a changed preset wins over an untouched cron."""
    typed = first(posted, "cron")
    preset = Preset(first(posted, "preset"), first(posted, "at"), first(posted, "day"))
    written = cron_for(preset)
    if written and (op == "preset" or typed == first(posted, "cron_was", typed)):
        return written
    return typed


def read_builder(form: MultiDict[str, str], op: str = "") -> BuilderState:
    """Read the builder's form back into a trigger and steps."""
    trigger_posted, steps_posted = group(form)
    trigger, trigger_errors = read_trigger(trigger_posted, op)
    steps = [read_step(posted) for posted in steps_posted.values()]
    state = BuilderState(
        trigger,
        steps,
        trigger_posted,
        trigger_errors,
        trigger_raw="raw" in trigger_posted,
        removed=read_removed(form.get("removed", "")),
    )
    follow_renames(state, steps_posted)
    return state


def read_removed(text: str) -> dict[str, Any] | None:
    """Read the last removed step kept for Undo (any JSON the page wrote)."""
    if not text or len(text) > MAX_DEFINITION_BYTES:
        return None
    try:
        removed = json.loads(text)
    except (ValueError, RecursionError):
        return None
    ok = isinstance(removed, dict) and isinstance(removed.get("at"), int)
    return removed if ok and "step" in removed else None


def follow_renames(state: BuilderState, steps_posted: dict[int, Posted]) -> None:
    """Make references follow a step whose id was changed (`s0.was` → `s0.id`)."""
    ids = [s.step.get("id") if isinstance(s.step, dict) else None for s in state.steps]
    renames = renames_of([first(p, "was") for p in steps_posted.values()], ids)
    for step in state.steps if renames else ():
        if isinstance(step.step, dict) and "with" in step.step:
            step.step["with"] = rename_refs(step.step["with"], renames)

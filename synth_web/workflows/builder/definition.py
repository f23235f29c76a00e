"""A saved definition as the builder's state: exactly, or as JSON where it cannot be.

Each step (and the trigger) is written as the fields the builder would show and
read back; when that does not give the same value, it is shown as JSON instead.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from synth_web.engine.apps import find_action
from synth_web.workflows.builder import fields as kinds
from synth_web.workflows.builder.fields import MISSING, same
from synth_web.workflows.builder.schedule import preset_of
from synth_web.workflows.builder.state import (
    SETTINGS,
    BuilderState,
    Posted,
    StepState,
    read_step,
    read_trigger,
)


def step_fields(step: Any) -> Posted:
    """Write a step as the fields the builder shows for it (canonical text)."""
    if not isinstance(step, dict):
        return {"raw": [json.dumps(step)]}
    posted: Posted = {}
    for key in ("id", "type"):  # one-line inputs: a line break would be lost
        if isinstance(step.get(key), str) and kinds.one_line(step[key]):
            posted[key] = [step[key]]
    params = step.get("with")
    if isinstance(params, dict):
        posted["with"] = ["1"]
        for name, kind, value in param_kinds(step):
            if kind == "kv":
                rows = kinds.render_rows(value)
                posted[f"kv.{name}"] = [k for k, _ in rows]
                posted[f"kvv.{name}"] = [v for _, v in rows]
            else:
                posted[f"{kind}.{name}"] = [kinds.render(kind, value)]
    retry = step.get("retry") if isinstance(step.get("retry"), dict) else {}
    for name in SETTINGS:
        value = step.get(name) if name == "timeout_seconds" else retry.get(name)
        if value is not None:
            posted[f"set.{name}"] = [kinds.render("num", value)]
    return posted


def param_kinds(step: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """List (name, kind, value) for every parameter the step's form shows."""
    action = find_action(str(step.get("type", "")))[1]
    schema = action.schema.get("properties", {}) if action else {}
    params = step.get("with") if isinstance(step.get("with"), dict) else {}
    names = list(schema) + [name for name in params if name not in schema]
    return [
        (
            name,
            kinds.choose_kind(schema.get(name), params.get(name, MISSING)),
            params.get(name, MISSING),
        )
        for name in names
    ]


def step_state(step: Any) -> StepState:
    """Prepare a step for the builder; as JSON when fields cannot show it exactly."""
    if isinstance(step, dict) and same(read_step(step_fields(step)).step, step):
        return StepState(copy.deepcopy(step))
    return StepState(copy.deepcopy(step), raw=True)


def trigger_fields(trigger: Any) -> Posted:
    """Write a trigger as the fields the builder shows for it."""
    if not isinstance(trigger, dict):
        return {"raw": [json.dumps(trigger)]}
    posted = {
        key: [value]
        for key, value in trigger.items()
        if isinstance(value, str) and kinds.one_line(value)
    }
    if trigger.get("type") == "schedule":
        preset = preset_of(str(trigger.get("cron", "")))
        posted.update(preset=[preset.key], at=[preset.at], day=[preset.day])
    return posted


def from_definition(definition: Mapping[str, Any]) -> BuilderState:
    """Prepare a saved (or imported, or typed) definition for the builder."""
    trigger = definition.get("trigger", {})
    exact = isinstance(trigger, dict) and same(
        read_trigger(trigger_fields(trigger), "")[0], trigger
    )
    actions = definition.get("actions")
    steps = [step_state(step) for step in actions] if isinstance(actions, list) else []
    return BuilderState(copy.deepcopy(trigger), steps, trigger_raw=not exact)

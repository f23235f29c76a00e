"""What the builder's buttons do to its state: add, move, copy, remove, undo…

Each button posts `op` ("add:slack.post_message", "up:2", "trigger:webhook");
the state it changes is the one just read from the form, and only Save stores it.
A button that names a step which is not there (a stale page) changes nothing.
"""

from __future__ import annotations

import copy
from typing import Any

from synth_web.engine.apps import find_action
from synth_web.engine.triggers import TRIGGER_TYPES
from synth_web.workflows.builder.definition import step_state
from synth_web.workflows.builder.fields import render_rows
from synth_web.workflows.builder.schedule import Preset, cron_for
from synth_web.workflows.builder.state import MAX_STEPS, BuilderState, StepState

NEW_SCHEDULE = Preset("weekdays", "09:00")


def step_at(state: BuilderState, text: str) -> int | None:
    """Return the index a button names, if that step exists."""
    if not text.isdigit() or int(text) >= len(state.steps):
        return None
    return int(text)


def step_name(state: BuilderState, index: int) -> str:
    """Name a step in a notice: "Step 2 (notify)"."""
    step = state.steps[index].step
    step_id = step.get("id") if isinstance(step, dict) else None
    return f"Step {index + 1}" + (f" ({step_id})" if step_id else "")


def free_id(state: BuilderState, wanted: str) -> str:
    """Return `wanted`, or `wanted_2`, `wanted_3`… if a step already uses it."""
    taken = {s.step.get("id") for s in state.steps if isinstance(s.step, dict)}
    base = wanted[:36] or "step"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}_{number}", number + 1
    return candidate


def add_step(state: BuilderState, action_type: str) -> None:
    """Add a step of a catalog action at the end, with nothing filled in."""
    app, action = find_action(action_type)
    if app is None or action is None:
        return
    if len(state.steps) >= MAX_STEPS:
        state.notice = "This workflow has as many steps as it can hold."
        return
    step = {"id": free_id(state, action.name), "type": action_type}
    state.steps.append(StepState(step))
    state.focus = f"s{len(state.steps) - 1}-first"


def move(state: BuilderState, index: int, offset: int) -> None:
    """Move a step up or down; keep the focus on the button that moved it."""
    target = index + offset
    if not 0 <= target < len(state.steps):
        return
    steps = state.steps
    steps[index], steps[target] = steps[target], steps[index]
    button = "up" if offset < 0 else "down"
    edge = target == 0 if offset < 0 else target == len(steps) - 1
    state.focus = f"s{target}-{'down' if edge else button}"


def duplicate(state: BuilderState, index: int) -> None:
    """Put a copy of a step right after it, under a new id."""
    if len(state.steps) >= MAX_STEPS:
        state.notice = "This workflow has as many steps as it can hold."
        return
    step = copy.deepcopy(state.steps[index].step)
    if isinstance(step, dict) and isinstance(step.get("id"), str):
        step["id"] = free_id(state, step["id"])
    state.steps.insert(index + 1, step_state(step))
    state.focus = f"s{index + 1}-first"


def remove(state: BuilderState, index: int) -> None:
    """Remove a step, keeping it for Undo."""
    state.notice = f"{step_name(state, index)} was removed."
    removed = state.steps.pop(index)
    state.removed = {"at": index, "step": removed.step}
    state.focus = "builder-undo"


def undo(state: BuilderState) -> None:
    """Put the last removed step back where it was."""
    if state.removed is None:
        return
    at = max(0, min(int(state.removed["at"]), len(state.steps)))
    state.steps.insert(at, step_state(state.removed["step"]))
    state.removed = None
    state.notice = f"{step_name(state, at)} is back."
    state.focus = f"s{at}-first"


def set_trigger(state: BuilderState, kind: str, timezone: str) -> None:
    """Switch the trigger type; a new schedule starts on weekdays at 09:00."""
    if kind not in TRIGGER_TYPES:
        return
    current = state.trigger if isinstance(state.trigger, dict) else {}
    if current.get("type") == kind and not state.trigger_raw:
        return
    trigger: dict[str, Any] = {"type": kind}
    if kind == "schedule":
        trigger.update(cron=cron_for(NEW_SCHEDULE), timezone=timezone or "UTC")
    state.trigger, state.trigger_posted, state.trigger_raw = trigger, {}, False
    state.focus = f"trigger-{kind}"


def retype(state: BuilderState, index: int, action_type: str) -> None:
    """Change a step's action (the fix offered for a misspelt type)."""
    step = state.steps[index].step
    if isinstance(step, dict) and find_action(action_type)[1] is not None:
        state.steps[index] = step_state({**step, "type": action_type})
        state.focus = f"s{index}-first"


def add_row(state: BuilderState, index: int, param: str) -> None:
    """Add an empty name/value row to a step's list field."""
    step = state.steps[index]
    keys, values = f"kv.{param}", f"kvv.{param}"
    if keys not in step.posted:
        params = step.step.get("with") if isinstance(step.step, dict) else None
        value = params.get(param) if isinstance(params, dict) else None
        rows = render_rows(value)
        step.posted[keys] = [key for key, _ in rows]
        step.posted[values] = [text for _, text in rows]
    step.posted[keys] = [*step.posted[keys], ""]
    step.posted[values] = [*step.posted.get(values, []), ""]
    state.focus = f"s{index}-row:{param}"


def apply(state: BuilderState, op: str, timezone: str = "UTC") -> None:
    """Do what a builder button asks; anything else just shows the state again."""
    verb, _, rest = op.partition(":")
    head, _, tail = rest.partition(":")
    if verb == "add":
        add_step(state, rest)
    elif verb == "trigger":
        set_trigger(state, rest, timezone)
    elif verb == "undo":
        undo(state)
    elif verb in ("up", "down", "dup", "remove", "retype", "row"):
        index = step_at(state, head)
        if index is None:
            return
        if verb in ("up", "down"):
            move(state, index, -1 if verb == "up" else 1)
        elif verb == "dup":
            duplicate(state, index)
        elif verb == "remove":
            remove(state, index)
        elif verb == "retype":
            retype(state, index, tail)
        else:
            add_row(state, index, tail)

"""What a follow-up says about steps: where they go, what they say, new ones.

"use #ops instead" and "send it to #ops" move the step that takes a channel;
"say 'Done' instead" changes what it says; "also email me" adds a step that
carries the draft's text; "email me instead" replaces the draft's messages; a
condition or a wait goes right before the first step that does something.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from synth_web.engine.apps import find_action, get_app
from synth_web.planner.conditions import Condition
from synth_web.planner.contract import PlanContext
from synth_web.planner.fill import EXPECTED_ANY, Filling, fill
from synth_web.planner.references import where_from
from synth_web.planner.starts import count_words
from synth_web.planner.steps import Draft, actions_with, only_aimed, read_steps
from synth_web.planner.text import Request, neutral
from synth_web.planner.words import step_sentence

ALSO = re.compile(r"\b(?:also|too|as\s+well|in\s+addition|additionally|plus)\b")
INSTEAD = re.compile(r"\b(?:instead|rather)\b")
NOT_EFFECTS = ("core.filter", "core.delay")


class Ask(ValueError):
    """A follow-up that cannot be applied as said; the message is a question."""


@dataclass
class Editing:
    """A draft being changed by a follow-up, and what was changed."""

    request: Request
    workflow: dict[str, Any]
    context: PlanContext
    changes: list[str] = field(default_factory=list)
    # Steps added or changed: their sentences are written again.
    touched: set[str] = field(default_factory=set)
    # Kinds of the last draft's assumptions that are no longer true.
    stale: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    used: list[int] = field(default_factory=list)
    words: dict[str, str] = field(default_factory=dict)

    @property
    def steps(self) -> list[dict[str, Any]]:
        """Return the draft's steps, in order."""
        return self.workflow["actions"]


def slot_param(step: dict[str, Any] | Draft, kind: str) -> str | None:
    """Return the parameter of a step that takes a kind of value, if any."""
    if isinstance(step, Draft):
        return step.slot(kind)
    _, action = find_action(step["type"])
    slots = action.slots if action else {}
    return next((name for name, k in slots.items() if k == kind), None)


def message_param(step: dict[str, Any]) -> str | None:
    """Return the parameter that holds what a step says, if it says anything."""
    return slot_param(step, "message")


def is_effect(step: dict[str, Any]) -> bool:
    """Tell whether a step does something (not a check, a wait or a fetch)."""
    if step["type"] in NOT_EFFECTS:
        return False
    method = slot_param(step, "method")
    return not (method and str(step.get("with", {}).get(method, "GET")) == "GET")


def effect_index(steps: list[dict[str, Any]]) -> int:
    """Return where the first step that does something is (or the end)."""
    return next((i for i, step in enumerate(steps) if is_effect(step)), len(steps))


def last_fetch(steps: list[dict[str, Any]]) -> tuple[str, str] | None:
    """Return the (id, url) of the last step that fetches an address."""
    found = None
    for step in steps:
        url = slot_param(step, "url")
        if url and not is_effect(step) and step.get("with", {}).get(url):
            found = (step["id"], str(step["with"][url]))
    return found


def unique_id(base: str, steps: list[dict[str, Any]]) -> str:
    """Name a new step after its action, numbered when the name is taken."""
    taken = {step["id"] for step in steps}
    number, found = 1, base
    while found in taken:
        number += 1
        found = f"{base}_{number}"
    return found


def title(step: dict[str, Any]) -> str:
    """Name a step in a few words: "Slack step", "“Continue only if” step"."""
    app, action = find_action(step["type"])
    if app is None or action is None:
        return f"{step['type']} step"
    if app.needs_connection:
        return f"{app.name} step"
    return f"“{action.title or action.name}” step"


def edit_steps(
    editing: Editing, conditions: list[Condition], waits: list[Draft]
) -> None:
    """Retarget, reword, add or replace steps; add checks and waits."""
    editing.request.take_all(INSTEAD)  # edit words, not words of a message
    editing.request.take_all(ALSO)
    drafts = read_steps(editing.request)
    also = bool(ALSO.search(editing.request.raw))
    added = [
        d
        for d in drafts
        if not retarget(editing, d, also) and (also or not reword(editing, d))
    ]
    if added:
        add_steps(editing, added, bool(INSTEAD.search(editing.request.raw)))
    for condition in conditions:
        add_filter(editing, condition)
    for wait in waits:
        insert_step(editing, wait, {slot_param(wait, "duration"): wait.seconds})


def retarget(editing: Editing, draft: Draft, also: bool) -> bool:
    """Send a step somewhere else: "use #ops instead", "send it to #ops"."""
    kinds = [k for k in ("channel", "email", "url") if draft.targets.get(k)]
    if also or not kinds or draft.targets.get("quote"):
        return False
    same = [s for s in editing.steps if s["type"] == draft.type]
    if not same and not only_aimed((draft.app, draft.action), draft.words):
        return False
    for kind in kinds:
        owners = [s for s in same or editing.steps if slot_param(s, kind)]
        if not owners:
            return False
        owner = owners[-1]
        values = [editing.request.value(t) for t in draft.targets[kind]]
        value = values[0] if len(values) == 1 or kind != "email" else values
        owner.setdefault("with", {})[slot_param(owner, kind)] = value
        editing.touched.add(owner["id"])
        editing.stale.add(kind)
        shown = ", ".join(values)
        editing.changes.append(f"the {title(owner)} now goes to {shown}")
    return True


def reword(editing: Editing, draft: Draft) -> bool:
    """Change what a step says: "say 'Done' instead"."""
    quotes = draft.targets.get("quote")
    if not quotes or any(draft.targets.get(k) for k in ("channel", "email", "url")):
        return False
    same = [s for s in editing.steps if s["type"] == draft.type]
    if not same and count_words(draft.app.words, draft.words):
        return False
    owners = same or [s for s in editing.steps if message_param(s)]
    if not owners:
        return False
    owner = owners[-1]
    text = neutral(editing.request.value(quotes[0]))
    owner.setdefault("with", {})[message_param(owner)] = text
    editing.touched.add(owner["id"])
    editing.stale.add("message")
    editing.changes.append(f"the {title(owner)} now says “{text}”")
    return True


def add_steps(editing: Editing, drafts: list[Draft], instead: bool) -> None:
    """Add the steps said, carrying the draft's text; replace its messages."""
    steps = editing.steps
    state = filling_for(editing)
    at = drop_messages(editing) if instead else len(steps)
    for draft in drafts:
        step_id = unique_id(draft.action.name, steps)
        step = {"id": step_id, "type": draft.type, "with": fill(draft, step_id, state)}
        steps.insert(at, step)
        at += 1
        editing.touched.add(step_id)
        editing.changes.append(f"adds {step_sentence(step).rstrip('.')}")
    editing.notes += state.assumptions
    editing.used += state.used


def filling_for(editing: Editing) -> Filling:
    """Fill new steps as a fresh plan would, knowing the draft's text and fetch."""
    steps, trigger = editing.steps, editing.workflow["trigger"]
    said = [s.get("with", {}).get(message_param(s) or "") for s in steps]
    carried = next((text for text in said if isinstance(text, str) and text), None)
    app = get_app(str(trigger.get("app"))) if trigger["type"] == "app_event" else None
    state = Filling(
        editing.request,
        editing.context.email,
        trigger,
        app.events.get(str(trigger.get("event"))) if app else None,
        preferences=editing.context.preferences,
        carried=carried,
    )
    state.fetched = last_fetch(steps)
    return state


def drop_messages(editing: Editing) -> int:
    """Remove the draft's messages ("… instead"); return where the first one was."""
    steps = editing.steps
    replaced = [s for s in steps if message_param(s) and is_effect(s)]
    at = steps.index(replaced[0]) if replaced else len(steps)
    for step in replaced:
        steps.remove(step)
        editing.changes.append(f"no more {title(step)}")
    return at


def add_filter(editing: Editing, condition: Condition) -> None:
    """Add a check before the first step that does something."""
    fetch = last_fetch(editing.steps)
    kind = editing.workflow["trigger"].get("type")
    if fetch is not None:
        source = f"steps.{fetch[0]}.output"
        if condition.field == "status":
            fetched = next(s for s in editing.steps if s["id"] == fetch[0])
            fetched.setdefault("with", {})["expected_status"] = list(EXPECTED_ANY)
        else:
            source += ".json"
    elif kind in ("webhook", "app_event"):
        source = "trigger.body"
    else:
        raise Ask(where_from(condition.field.replace("_", " ")))
    app, action = actions_with("condition")[0]
    check = Draft(app, action, 0, condition.words, condition=condition)
    insert_step(
        editing, check, {slot_param(check, "condition"): condition.template(source)}
    )
    if condition.note:
        editing.notes.append(condition.note)


def insert_step(editing: Editing, draft: Draft, params: dict[str, Any]) -> None:
    """Put a check or a wait right before the first step that does something."""
    steps = editing.steps
    step_id = unique_id(draft.action.name, steps)
    step = {"id": step_id, "type": draft.type, "with": params}
    steps.insert(effect_index(steps), step)
    editing.touched.add(step_id)
    editing.words[step_id] = draft.words
    editing.changes.append(f"adds {step_sentence(step, draft.words).rstrip('.')}")

"""Put the steps read from words in order, fill them, and write the draft."""

from __future__ import annotations

from typing import Any

from synth_web.planner.contract import Plan, PlanContext
from synth_web.planner.fill import EXPECTED_ANY, Filling, fill, method
from synth_web.planner.starts import Start
from synth_web.planner.steps import Draft
from synth_web.planner.text import Request
from synth_web.planner.words import intent, name, step_sentence

MANUAL_NOTE = "No schedule or event was named, so it runs when you press Run now."


def is_effect(draft: Draft) -> bool:
    """Tell whether a step does something (not fetch, wait or check)."""
    if draft.seconds is not None or draft.condition is not None:
        return False
    if draft.slot("url") and draft.slot("method"):
        return method(draft, None) != "GET"  # type: ignore[arg-type]
    return True


def place_filters(steps: list[Draft], filters: list[Draft]) -> list[Draft]:
    """Put each condition right before the step it guards.

    It guards the first step that does something after the words of the
    condition ("if the status is not 200 post …"), or else the last one before
    them ("alert #ops if it's not 200").
    """
    ordered = sorted(steps, key=lambda d: d.position)
    for check in filters:
        url = check.condition.url if check.condition else None
        feeds = [d for d in ordered if url and d.source_url == url]
        for fetch in feeds:
            ordered.remove(fetch)  # it moves with the check it feeds
        effects = [d for d in ordered if is_effect(d)]
        after = [d for d in effects if d.position > check.position]
        before = [d for d in effects if d.position < check.position]
        guard = after[0] if after else (before[-1] if before else None)
        index = ordered.index(guard) if guard else len(ordered)
        ordered[index:index] = [*feeds, check]
    return ordered


def step_ids(steps: list[Draft]) -> list[str]:
    """Name steps after their action, numbered when one repeats."""
    ids, seen = [], {}
    for draft in steps:
        base = draft.action.name
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}_{seen[base]}")
    return ids


def assemble(
    start: Start | None,
    steps: list[Draft],
    filters: list[Draft],
    request: Request,
    context: PlanContext,
) -> Plan:
    """Build the draft workflow and the words that explain it."""
    assumptions: list[str] = []
    if start is None:
        start = Start({"type": "manual"}, assumptions=[MANUAL_NOTE])
    assumptions += start.assumptions
    ordered = place_filters(steps, filters)
    state = Filling(
        request,
        context.email,
        start.trigger,
        start.event,
        preferences=context.preferences,
    )
    actions = []
    for draft, step_id in zip(ordered, step_ids(ordered), strict=True):
        params = fill(draft, step_id, state)
        if draft.condition is not None and draft.condition.field == "status":
            expect_any_status(actions, state)
        actions.append({"id": step_id, "type": draft.type, "with": params})
    workflow: dict[str, Any] = {
        "name": name(start.trigger, actions),
        "intent": intent(start.trigger, actions),
        "trigger": start.trigger,
        "actions": actions,
    }
    explanation = [
        step_sentence(step, draft.words if draft.condition else "")
        for step, draft in zip(actions, ordered, strict=True)
    ]
    return Plan(
        "workflow",
        workflow=workflow,
        explanation=explanation,
        assumptions=list(dict.fromkeys(assumptions + state.assumptions)),
        memory_used=list(dict.fromkeys(start.memory_used + state.used)),
    )


def expect_any_status(actions: list[dict[str, Any]], state: Filling) -> None:
    """Let the checked fetch answer any usual status, so the condition can read it."""
    if state.fetched is None:
        return
    for step in actions:
        if step["id"] == state.fetched[0]:
            step["with"]["expected_status"] = list(EXPECTED_ANY)
    state.last["status_check"] = "yes"
    state.assumptions.append(
        "The check accepts any usual HTTP status, so the condition can read it; "
        "an address that does not answer at all fails the run."
    )

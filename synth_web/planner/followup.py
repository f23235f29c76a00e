"""Follow-ups change the conversation's last draft instead of starting over.

"make it 10am", "every Monday instead", "not on weekends", "in Tokyo time", "use
#ops instead", "also email me", "remove the Slack step", "say 'Done' instead".
The draft is the newest one an assistant message carries in its metadata
(`{"plan": Plan.as_dict()}`). It is data: only its name, intent, trigger and
steps are kept, and the edited draft goes through the same three validation
phases as any other. A request that is a workflow of its own (it names what
starts it, and what to do) is planned afresh.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from synth_web.planner.assemble import MANUAL_NOTE
from synth_web.planner.contract import Conversation, Plan, PlanContext, clarify
from synth_web.planner.followup_edits import Ask, Editing, edit_request
from synth_web.planner.schedule import Unsayable
from synth_web.planner.steps import Draft
from synth_web.planner.text import Request
from synth_web.planner.words import intent, name, step_sentence

# Words that always mean "the draft we were talking about".
STRONG = re.compile(
    r"\b(?:instead|rather|also|too|as\s+well|in\s+addition|additionally)\b"
)
TRIGGER_KEYS = ("type", "cron", "timezone", "app", "event")
STEP_KEYS = ("id", "type", "name", "with", "retry", "timeout_seconds")
# Assumptions of the last draft that an edit of a kind makes untrue.
STALE = {
    "time": ("No time was given", "times a day runs", "Office hours", "9 to 5"),
    "days": ("Every week runs", "Every month runs", "Every year runs", "Quarters"),
    "zone": ("No time zone was named",),
    "trigger": (MANUAL_NOTE, "must relay", "must POST", "No time", "Every ", "Office"),
    "channel": ("No channel was named", "I used #"),
    "email": ("No address was named", "your usual email address"),
    "message": ("No message was given",),
    "steps": ("The check accepts any usual HTTP status",),
}
Fresh = Callable[[Request, list[Draft], PlanContext], Plan]


@dataclass
class LastDraft:
    """The draft a follow-up edits, with the words that explained it."""

    workflow: dict[str, Any]
    explanation: dict[str, str]
    assumptions: list[str]


def last_draft(conversation: Conversation) -> LastDraft | None:
    """Return the newest draft an assistant message of the conversation carries."""
    for message in reversed(conversation):
        meta = message.get("metadata") if message.get("role") == "assistant" else None
        plan = meta.get("plan") if isinstance(meta, Mapping) else None
        if not isinstance(plan, Mapping):
            continue
        workflow = clean(plan.get("workflow"))
        if workflow is not None:
            return LastDraft(
                workflow,
                explained(workflow, plan.get("explanation")),
                texts(plan.get("assumptions")),
            )
    return None


def clean(workflow: Any) -> dict[str, Any] | None:
    """Keep a draft's own fields, copied; anything else it carries is dropped."""
    if not isinstance(workflow, Mapping):
        return None
    trigger, actions = workflow.get("trigger"), workflow.get("actions")
    if not isinstance(trigger, Mapping) or not isinstance(actions, list):
        return None
    steps = [
        {key: copy.deepcopy(step[key]) for key in STEP_KEYS if key in step}
        for step in actions
        if isinstance(step, Mapping) and isinstance(step.get("type"), str)
    ]
    if not steps or not all(isinstance(s.get("id"), str) for s in steps):
        return None
    return {
        "name": str(workflow.get("name") or "Draft")[:200],
        "intent": str(workflow.get("intent") or "")[:2000],
        "trigger": {k: copy.deepcopy(trigger[k]) for k in TRIGGER_KEYS if k in trigger},
        "actions": steps,
    }


def texts(value: Any) -> list[str]:
    """Return the strings of a list (and nothing else)."""
    return (
        [item for item in value if isinstance(item, str)]
        if isinstance(value, list)
        else []
    )


def explained(workflow: dict[str, Any], sentences: Any) -> dict[str, str]:
    """Map each step id to the sentence that explained it."""
    said = texts(sentences)
    steps = workflow["actions"]
    if len(said) != len(steps):
        return {}
    return {step["id"]: sentence for step, sentence in zip(steps, said, strict=True)}


def follow_up(
    request: Request,
    waits: list[Draft],
    last: LastDraft,
    context: PlanContext,
    fresh: Fresh,
) -> Plan:
    """Edit the last draft when the request reads as a change of it, else plan anew."""
    if not STRONG.search(request.text):
        answer = fresh(replace(request), waits, context)
        # A workflow of its own: it says what starts it, and what to do.
        if answer.workflow is not None and MANUAL_NOTE not in answer.assumptions:
            return answer
    editing = Editing(request, copy.deepcopy(last.workflow), context)
    try:
        edit_request(editing, waits)
    except (Unsayable, Ask) as exc:
        return clarify(str(exc))
    if not editing.changes:
        return fresh(request, waits, context)
    if not editing.workflow["actions"]:
        return clarify("That leaves the workflow with no steps. What should it do?")
    return redraft(last, editing)


def redraft(last: LastDraft, editing: Editing) -> Plan:
    """Write the edited draft, its words and what changed."""
    workflow = editing.workflow
    trigger, steps = workflow["trigger"], workflow["actions"]
    workflow["name"] = name(trigger, steps)
    workflow["intent"] = intent(trigger, steps)
    explanation = [
        last.explanation.get(step["id"])
        if step["id"] not in editing.touched and step["id"] in last.explanation
        else step_sentence(step, editing.words.get(step["id"], ""))
        for step in steps
    ]
    kept = [
        note
        for note in last.assumptions
        if not note.startswith("Changed your last draft")
        and not any(
            note.startswith(p) or p in note for k in editing.stale for p in STALE[k]
        )
    ]
    summary = "Changed your last draft: " + "; ".join(editing.changes) + "."
    return Plan(
        "workflow",
        workflow=workflow,
        explanation=explanation,
        assumptions=list(dict.fromkeys([summary, *kept, *editing.notes])),
        follow_up=True,
        memory_used=list(dict.fromkeys(editing.used)),
    )

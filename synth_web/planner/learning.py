"""What the planner remembers, written on purpose and kept small.

Three facts, no more (docs/assistant.md says why):

- `preference`: a preference the person stated ("my alerts channel is #ops",
  "email me at …", "I'm in Berlin"), relevance 0.9; saying it again keeps one
  entry;
- `preference`: the usual alerts channel learned from use, when a workflow made
  from a plan posts to a channel after a check (an alert), relevance 0.7, raised
  by 0.05 each time it is used again; never over a stated one;
- `workflow_decision`: a workflow was made from a plan (its name, what it does,
  the defaults chosen), relevance 0.6, once per workflow.

Every entry written or reinforced is marked used now (`last_accessed_at`). The
planner's own entries carry `metadata.source = "planner"` and their key, so a
second write updates them instead of adding another.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from synth_web.extensions import db
from synth_web.models import Memory, User, Workflow, utcnow
from synth_web.planner.contract import PREFERENCE_KEYS, Plan
from synth_web.planner.preferences import sentence, valid

STATED = 0.9
FROM_USE = 0.7
REINFORCE = 0.05
DECISION = 0.6
SOURCE = "planner"
# A workflow_decision is looked for among this many recent entries.
RECENT = 200


def learn(
    user: User, plan: Plan | Mapping[str, Any], workflow_id: int | None = None
) -> list[Memory]:
    """Remember what a plan taught: stated preferences, and a workflow made from it.

    Call it after showing an answer (stated preferences) and again with the id
    of a workflow made from the plan. The plan may be a Plan or its `as_dict()`
    kept in a message's metadata (read as data). Another person's workflow id is
    ignored.
    """
    data = plan.as_dict() if isinstance(plan, Plan) else plan
    facts = data.get("learned") if isinstance(data.get("learned"), list) else []
    notes = data.get("assumptions") if isinstance(data.get("assumptions"), list) else []
    written: list[Memory] = []
    for fact in facts:
        if not isinstance(fact, Mapping):
            continue
        key, value = fact.get("key"), fact.get("value")
        if key in PREFERENCE_KEYS and (value := valid(key, value)):
            entry = remember(user.id, key, value, STATED, "stated")
            written += [entry] if entry else []
    workflow = owned_workflow(user.id, workflow_id)
    if workflow is not None:
        chosen = [note[:300] for note in notes[:3] if isinstance(note, str)]
        written += learn_from_workflow(user.id, workflow, chosen)
    db.session.commit()
    return written


def owned_workflow(user_id: int, workflow_id: int | None) -> Workflow | None:
    """Return the person's own workflow by id, or None."""
    if not isinstance(workflow_id, int) or isinstance(workflow_id, bool):
        return None
    return db.session.scalar(
        select(Workflow).where(Workflow.id == workflow_id, Workflow.user_id == user_id)
    )


def learn_from_workflow(
    user_id: int, workflow: Workflow, chosen: list[str]
) -> list[Memory]:
    """Record the decision, and the channel its alerts go to."""
    written = []
    decision = decided(user_id, workflow, chosen)
    if decision is not None:
        written.append(decision)
    channel = alerts_channel(workflow.definition)
    if channel is not None:
        entry = remember(user_id, "alerts_channel", channel, FROM_USE, "used")
        written += [entry] if entry else []
    return written


def alerts_channel(definition: dict[str, Any]) -> str | None:
    """Return the channel a workflow posts to after a check, if it is an alert."""
    checked = False
    for step in definition.get("actions") or []:
        kind = step.get("type")
        checked = checked or kind == "core.filter"
        channel = (step.get("with") or {}).get("channel")
        if checked and kind == "slack.post_message" and isinstance(channel, str):
            return valid("alerts_channel", channel)
    return None


def remember(
    user_id: int, key: str, value: str, score: float, how: str
) -> Memory | None:
    """Write, reinforce or change the planner's entry for a preference."""
    entry = planner_entry(user_id, "preference", key)
    text = sentence(key, value)
    if entry is None:
        entry = Memory(
            user_id=user_id,
            context_type="preference",
            content=text,
            relevance_score=score,
            meta={"source": SOURCE, "key": key, "how": how},
        )
        db.session.add(entry)
    elif entry.content == text:
        bump = REINFORCE if how == "used" else 0.0
        entry.relevance_score = min(1.0, max(entry.relevance_score, score) + bump)
    elif how == "used" and entry.meta.get("how") == "stated":
        return None  # what the person said wins over what they did once
    else:
        entry.content = text
        entry.relevance_score = score
        entry.meta = {"source": SOURCE, "key": key, "how": how}
    entry.last_accessed_at = utcnow()
    return entry


def planner_entry(user_id: int, context_type: str, key: str) -> Memory | None:
    """Return the planner's own entry of a type for a key, if there is one."""
    rows = db.session.scalars(
        select(Memory)
        .where(Memory.user_id == user_id, Memory.context_type == context_type)
        .order_by(Memory.created_at.desc(), Memory.id.desc())
        .limit(RECENT)
    )
    for entry in rows:
        meta = entry.meta if isinstance(entry.meta, dict) else {}
        if meta.get("source") == SOURCE and meta.get("key") == key:
            return entry
    return None


def decided(user_id: int, workflow: Workflow, chosen: list[str]) -> Memory | None:
    """Record once that a workflow was made from a plan, with the defaults chosen."""
    key = f"workflow:{workflow.id}"
    if planner_entry(user_id, "workflow_decision", key) is not None:
        return None
    content = f"Made “{workflow.name}” from a chat request: {workflow.intent}"
    if chosen:
        content += " Defaults chosen: " + " ".join(chosen)
    entry = Memory(
        user_id=user_id,
        context_type="workflow_decision",
        content=content[:2000],
        relevance_score=DECISION,
        last_accessed_at=utcnow(),
        meta={"source": SOURCE, "key": key, "workflow_id": workflow.id},
    )
    db.session.add(entry)
    return entry

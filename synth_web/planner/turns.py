"""A conversation with the planner: read its end, answer in words, keep both sides.

The chat page and `POST /api/v1/plans` with a `conversation_id` use the same
three functions: `conversation_for` reads the latest messages for the planner,
`reply_text` says a Plan in words (the transcript and search show it), and
`save_turn` appends the request and the answer, whose metadata carries the Plan
(`{"plan": Plan.as_dict()}`), in one transaction.
"""

from __future__ import annotations

import re
from typing import Any

from synth_web.engine.apps import app_label
from synth_web.extensions import db
from synth_web.models import ChatMessage, utcnow
from synth_web.planner.bounds import MAX_MESSAGES
from synth_web.planner.contract import Plan

MARKS = re.compile(r"([\\`*_\[\]<>#])")


def conversation_for(
    user_id: int,
    conversation_id: str,
    limit: int = MAX_MESSAGES,
    before: ChatMessage | None = None,
) -> list[dict[str, Any]]:
    """Return the latest messages of one of the person's conversations, oldest first.

    With `before`, only those before that message (a card asked to try again).
    """
    # Imported here: the chat package's pages import the planner.
    from synth_web.chat.services import in_conversation, read_older

    edge = (before.created_at, before.id) if before is not None else None
    rows, _ = read_older(in_conversation(user_id, conversation_id), edge, limit)
    return [
        {
            "id": row.id,
            "role": row.role,
            "content": row.content,
            "metadata": row.meta if isinstance(row.meta, dict) else {},
        }
        for row in rows
    ]


def reply_text(plan: Plan, brief: bool = False) -> str:
    """Say a Plan in a few lines of Markdown, for the transcript.

    `brief` says only the lead sentence, for the chat page, whose plan card shows
    the steps and the alternatives.
    """
    if plan.outcome == "clarify":
        return markdown_text(plan.question or "What would you like Synth to automate?")
    if plan.outcome == "unsupported":
        names = markdown_text(", ".join(plan.unsupported) or "that")
        rest = "" if brief else markdown_text(plan.alternatives or "")
        return f"Synth cannot do this yet: {names}. {rest}".strip()
    workflow = plan.workflow or {}
    lead = "I changed the draft" if plan.follow_up else "Here is a draft"
    name = markdown_text(str(workflow.get("name") or "Workflow"))
    lines = [f"{lead}: **{name}**."]
    if plan.outcome == "needs_connection" and brief:
        apps = " and ".join(app_label(key) for key in plan.missing) or "its apps"
        lines.append(markdown_text(f"Connect {apps} first."))
    elif plan.outcome == "needs_connection":
        lines.append(markdown_text(plan.alternatives or "Connect its apps first."))
    if not brief:
        lines += [f"- {markdown_text(sentence)}" for sentence in plan.explanation]
    return "\n".join(lines)


def markdown_text(text: str) -> str:
    """Escape Markdown's marks, so words from the request show as typed."""
    return MARKS.sub(r"\\\1", " ".join(text.split()))


def save_turn(
    user_id: int, conversation_id: str, request: str, plan: Plan
) -> tuple[ChatMessage, ChatMessage]:
    """Append the person's request and the planner's answer, with its Plan."""
    now = utcnow()
    asked = ChatMessage(
        user_id=user_id,
        conversation_id=conversation_id,
        role="user",
        content=request,
        meta={},
        created_at=now,
    )
    answered = ChatMessage(
        user_id=user_id,
        conversation_id=conversation_id,
        role="assistant",
        content=reply_text(plan),
        meta={"plan": plan.as_dict()},
        created_at=now,
    )
    db.session.add(asked)
    db.session.flush()  # the request's id comes first: (created_at, id) orders them
    db.session.add(answered)
    db.session.commit()
    return asked, answered

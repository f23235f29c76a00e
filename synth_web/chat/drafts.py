"""Drafts in plan cards: read one, open it in the editor, create its workflow.

A card is an assistant message whose metadata carries a Plan. Its metadata is
data (a program may have appended it through the API): every value is checked
for its shape here, and creating goes through the same services and the same
three-phase validation as the editor and the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from synth_web.engine.validation import Problem
from synth_web.extensions import db
from synth_web.inputs import MAX_ID
from synth_web.models import ChatMessage, User, Workflow, WorkflowOrigin
from synth_web.planner import learn
from synth_web.planner.contract import OUTCOMES
from synth_web.workflows.services import (
    create_workflow,
    definition_problems,
    set_status,
)

DRAFT_OUTCOMES = ("workflow", "needs_connection")


@dataclass
class Created:
    """What pressing Create did: the workflow, or the problems that stopped it."""

    workflow: Workflow | None
    problems: list[Problem] = field(default_factory=list)
    already: bool = False


def plan_of(message: ChatMessage) -> dict[str, Any] | None:
    """Return the Plan an assistant message carries, if it carries one.

    The chat stores it under `plan`; a program may store the Plan's fields as
    the metadata itself, and that reads the same.
    """
    meta = message.meta or {}
    planned = meta.get("plan") if isinstance(meta.get("plan"), dict) else meta
    if message.role != "assistant" or not isinstance(planned, dict):
        return None
    return planned if planned.get("outcome") in OUTCOMES else None


def draft_of(message: ChatMessage) -> dict[str, Any] | None:
    """Return the draft workflow of a card (a definition), if it has one."""
    planned = plan_of(message)
    workflow = planned.get("workflow") if planned else None
    if not isinstance(workflow, dict) or planned["outcome"] not in DRAFT_OUTCOMES:
        return None
    name, intent = workflow.get("name"), workflow.get("intent")
    return {
        "name": name if isinstance(name, str) else "Workflow from chat",
        "intent": intent if isinstance(intent, str) else "",
        "trigger": workflow.get("trigger"),
        "actions": workflow.get("actions"),
    }


def get_message_or_404(
    message_id: int, conversation_id: str | None = None
) -> ChatMessage:
    """Return one of the signed-in person's messages, or answer 404."""
    if not 0 < message_id <= MAX_ID:
        abort(404)
    query = select(ChatMessage).where(
        ChatMessage.id == message_id, ChatMessage.user_id == current_user.id
    )
    if conversation_id is not None:
        query = query.where(ChatMessage.conversation_id == conversation_id)
    message = db.session.scalar(query)
    if message is None:
        abort(404)
    return message


def get_draft_or_404(value: str) -> dict[str, Any]:
    """Return the draft of the person's card named in a URL, or answer 404."""
    if not value.isdigit():
        abort(404)
    draft = draft_of(get_message_or_404(int(value)))
    if draft is None:
        abort(404)
    return draft


def created_from(message: ChatMessage) -> Workflow | None:
    """Return the workflow a card already created, if any."""
    origin = db.session.scalar(
        select(WorkflowOrigin).where(WorkflowOrigin.message_id == message.id)
    )
    return origin.workflow if origin else None


def create_from_card(message: ChatMessage, switch_on: bool) -> Created:
    """Create a card's draft as a workflow (switched on if asked), once."""
    existing = created_from(message)
    if existing is not None:
        return Created(existing, already=True)
    draft = draft_of(message)
    if draft is None:
        abort(404)
    problems = definition_problems(message.user_id, draft)
    if problems:
        return Created(None, problems)
    origin = WorkflowOrigin(
        user_id=message.user_id,
        conversation_id=message.conversation_id,
        message_id=message.id,
    )
    try:
        workflow, _ = create_workflow(message.user_id, draft, origin=origin)
    except IntegrityError:  # the same card, pressed twice at once
        db.session.rollback()
        return Created(created_from(message), already=True)
    if switch_on:
        set_status(workflow, active=True)
    # The decision, and the channel its alerts go to, are remembered for next time.
    learn(db.session.get(User, message.user_id), plan_of(message) or {}, workflow.id)
    return Created(workflow)

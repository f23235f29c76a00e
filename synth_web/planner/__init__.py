"""Plain words -> Plan: `plan(user, request, conversation=None)`.

Brains sit behind one small interface (`Brain.plan(text, context) -> Plan`). The
offline brain is the default and always there; the model brain (any
OpenAI-compatible endpoint, `planner/model.py`) is chosen by `brain="model"`, by
`SYNTH_PLANNER_BRAIN`, or by setting `SYNTH_PLANNER_URL`, and falls back to the
offline brain. A brain sees only the PlanContext: the person's address, time
zone, connection states, preferences and memory, and the conversation so far;
never a secret and never another person's data.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from flask import current_app, has_app_context

from synth_web.engine.checks import connection_statuses
from synth_web.models import User
from synth_web.planner.bounds import bounded_conversation
from synth_web.planner.contract import (
    MAX_REQUEST_CHARS,
    Conversation,
    Note,
    Plan,
    PlanContext,
    Remembered,
    clarify,
)
from synth_web.planner.learning import learn
from synth_web.planner.model import ModelBrain
from synth_web.planner.offline import OfflineBrain
from synth_web.planner.preferences import notes_for, preferences_for
from synth_web.planner.statements import take_statements
from synth_web.planner.text import read_request
from synth_web.planner.turns import conversation_for, reply_text, save_turn

__all__ = [
    "MAX_REQUEST_CHARS",
    "Brain",
    "Note",
    "Plan",
    "PlanContext",
    "Remembered",
    "context_for",
    "conversation_for",
    "learn",
    "plan",
    "plan_for",
    "register_brain",
    "reply_text",
    "save_turn",
]


class Brain(Protocol):
    """Something that turns a request in words into a Plan."""

    name: str

    def plan(self, text: str, context: PlanContext) -> Plan:
        """Plan one request for one person."""


BRAINS: dict[str, Brain] = {"offline": OfflineBrain(), "model": ModelBrain()}


def register_brain(brain: Brain) -> None:
    """Make a brain available by its name."""
    BRAINS[brain.name] = brain


def brain_name(name: str | None) -> str:
    """Return the brain asked for, the configured one, or the offline brain."""
    if name is None and has_app_context():
        name = current_app.config.get("SYNTH_PLANNER_BRAIN")
    return name if name in BRAINS else "offline"


def context_for(user: User, notes: bool = False) -> PlanContext:
    """Gather what a brain may know about this person (`notes`: their memory)."""
    return PlanContext(
        email=user.email,
        timezone=user.timezone or "UTC",
        connections=connection_statuses(user.id),
        preferences=preferences_for(user.id),
        notes=tuple(notes_for(user.id)) if notes else (),
    )


def plan_for(
    text: str,
    context: PlanContext,
    conversation: Conversation | None = None,
    brain: str | None = None,
) -> Plan:
    """Plan a request for a person described by a context (no database needed)."""
    if not text or not text.strip():
        return clarify("What would you like Synth to automate?")
    if len(text) > MAX_REQUEST_CHARS:
        return clarify(
            f"That request is {len(text):,} characters; say it in at most "
            f"{MAX_REQUEST_CHARS:,}."
        )
    # Preferences said in this request count now, and are offered to `learn`.
    stated = take_statements(read_request(text, ()))
    preferences = {**context.preferences}
    preferences |= {s.key: Remembered(s.key, s.value) for s in stated}
    if conversation is not None:
        turns = bounded_conversation(conversation, text)
        context = replace(context, conversation=turns)
    context = replace(context, preferences=preferences)
    answer = BRAINS[brain_name(brain)].plan(text, context)
    answer.learned = [{"key": s.key, "value": s.value} for s in stated]
    return answer


def plan(
    user: User,
    request: str,
    conversation: Conversation | None = None,
    brain: str | None = None,
) -> Plan:
    """Plan a request in plain words for this person. Nothing is saved.

    The memory entries the answer used are marked as used (`last_accessed_at`).
    """
    name = brain_name(brain)
    context = context_for(user, notes=name == "model")
    answer = plan_for(request, context, conversation, name)
    if answer.memory_used:
        # Imported here: feature packages' pages import the planner.
        from synth_web.memory.services import mark_used

        mark_used(user.id, answer.memory_used)
    return answer

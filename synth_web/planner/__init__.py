"""Plain words -> Plan: `plan(user, request, conversation=None)`.

Brains sit behind one small interface (`Brain.plan(text, context) -> Plan`). The
offline brain is the default and always there; a model brain (issue 16) registers
itself under "model" with `register_brain` and is chosen by `brain="model"` or
by `SYNTH_PLANNER_BRAIN`. A brain sees only the PlanContext: the person's address,
time zone and connection states, never a secret and never another person's data.
"""

from __future__ import annotations

from typing import Protocol

from flask import current_app, has_app_context

from synth_web.engine.checks import connection_statuses
from synth_web.models import User
from synth_web.planner.contract import (
    MAX_REQUEST_CHARS,
    Conversation,
    Plan,
    PlanContext,
    clarify,
)
from synth_web.planner.offline import OfflineBrain

__all__ = [
    "MAX_REQUEST_CHARS",
    "Brain",
    "Plan",
    "PlanContext",
    "context_for",
    "plan",
    "plan_for",
    "register_brain",
]


class Brain(Protocol):
    """Something that turns a request in words into a Plan."""

    name: str

    def plan(self, text: str, context: PlanContext) -> Plan:
        """Plan one request for one person."""


BRAINS: dict[str, Brain] = {"offline": OfflineBrain()}


def register_brain(brain: Brain) -> None:
    """Make a brain available by its name (the model brain does this)."""
    BRAINS[brain.name] = brain


def context_for(user: User) -> PlanContext:
    """Gather what a brain may know about this person."""
    return PlanContext(
        email=user.email,
        timezone=user.timezone or "UTC",
        connections=connection_statuses(user.id),
    )


def chosen_brain(name: str | None) -> Brain:
    """Return the brain asked for, the configured one, or the offline brain."""
    if name is None and has_app_context():
        name = current_app.config.get("SYNTH_PLANNER_BRAIN")
    return BRAINS.get(name or "offline", BRAINS["offline"])


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
    # The offline brain reads each request on its own; the conversation is for
    # brains that follow up (issue 16).
    del conversation
    return chosen_brain(brain).plan(text, context)


def plan(
    user: User,
    request: str,
    conversation: Conversation | None = None,
    brain: str | None = None,
) -> Plan:
    """Plan a request in plain words for this person. Nothing is saved."""
    return plan_for(request, context_for(user), conversation, brain)

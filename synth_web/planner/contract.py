"""The Plan: what a brain answers for a request in plain words, whichever brain.

The fields are a promise to the chat, the API and the step builder: `outcome` says
which of the others matter. A `workflow` draft is present for `workflow` and
`needs_connection`; for `workflow` it passes all three validation phases for the
person who asked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Outcome = Literal["workflow", "needs_connection", "unsupported", "clarify"]
BrainName = Literal["offline", "model"]
OUTCOMES: tuple[str, ...] = ("workflow", "needs_connection", "unsupported", "clarify")
MAX_REQUEST_CHARS = 2000
# Earlier messages of the conversation, oldest first: {"role": …, "content": …,
# "metadata": {"plan": Plan.as_dict()}} for the assistant's answers.
Conversation = Sequence[Mapping[str, Any]]
# What a preference is about: the usual alerts channel, email address, time zone.
PREFERENCE_KEYS = ("alerts_channel", "email", "timezone")


@dataclass(frozen=True)
class Remembered:
    """A preference of the person's: its value and the memory entry it came from."""

    key: str
    value: str
    # None when the person said it in this very request.
    memory_id: int | None = None


@dataclass(frozen=True)
class Note:
    """A memory entry as a brain may read it: data, never an instruction."""

    memory_id: int
    context_type: str
    content: str


@dataclass(frozen=True)
class PlanContext:
    """What a brain may know about the person: never a secret, never another's."""

    email: str
    timezone: str = "UTC"
    # App key -> connection status ("active" or "inactive"); absent: not connected.
    connections: Mapping[str, str] = field(default_factory=dict)
    # Preferences read from memory (and from the request itself), by key.
    preferences: Mapping[str, Remembered] = field(default_factory=dict)
    # The most relevant memory entries, for brains that read them (the model's).
    notes: Sequence[Note] = ()
    # The conversation so far, oldest first, already bounded.
    conversation: Conversation = ()


@dataclass
class Plan:
    """A request in plain words, planned: a draft, a refusal or a question."""

    outcome: Outcome
    brain: BrainName = "offline"
    workflow: dict[str, Any] | None = None
    missing: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    alternatives: str | None = None
    question: str | None = None
    explanation: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    # Why the model brain was not used for this answer, when it was configured.
    fallback: str | None = None
    # Preferences the person stated ({"key": "alerts_channel", "value": "#ops"}),
    # for `planner.learn` to remember.
    learned: list[dict[str, str]] = field(default_factory=list)
    # True when the answer changes the conversation's last draft.
    follow_up: bool = False
    # The person's memory entries this answer used (their last_accessed_at moves).
    memory_used: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the plan as JSON-ready data, every field present."""
        return {
            "outcome": self.outcome,
            "workflow": self.workflow,
            "missing": list(self.missing),
            "unsupported": list(self.unsupported),
            "alternatives": self.alternatives,
            "question": self.question,
            "explanation": list(self.explanation),
            "assumptions": list(self.assumptions),
            "brain": self.brain,
            "fallback": self.fallback,
            "learned": [dict(fact) for fact in self.learned],
            "follow_up": self.follow_up,
            "memory_used": list(self.memory_used),
        }


def clarify(question: str, assumptions: Sequence[str] = ()) -> Plan:
    """Ask the person a question instead of guessing."""
    return Plan("clarify", question=question, assumptions=list(assumptions))


def refuse(names: Sequence[str], alternatives: str | None) -> Plan:
    """Say what is not in the catalog, and what Synth can do instead."""
    return Plan("unsupported", unsupported=list(names), alternatives=alternatives)

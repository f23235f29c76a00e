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
# Earlier messages of the conversation, oldest first: {"role": …, "content": …}.
Conversation = Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class PlanContext:
    """What a brain may know about the person: never a secret, never another's."""

    email: str
    timezone: str = "UTC"
    # App key -> connection status ("active" or "inactive"); absent: not connected.
    connections: Mapping[str, str] = field(default_factory=dict)


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
        }


def clarify(question: str, assumptions: Sequence[str] = ()) -> Plan:
    """Ask the person a question instead of guessing."""
    return Plan("clarify", question=question, assumptions=list(assumptions))


def refuse(names: Sequence[str], alternatives: str | None) -> Plan:
    """Say what is not in the catalog, and what Synth can do instead."""
    return Plan("unsupported", unsupported=list(names), alternatives=alternatives)

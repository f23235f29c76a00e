"""Plan cards, as a transcript shows them.

A card tells a Plan for people: the trigger as a sentence with its next fire
times, each step in words, the problems the draft has for the person now (a
connection switched off since it was planned, say), the apps to connect, and
the workflow it created (links.py finds it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import url_for

from synth_web.chat.drafts import draft_of, plan_of
from synth_web.chat.links import MadeWorkflow
from synth_web.engine.apps import get_app
from synth_web.engine.checks import connection_statuses, workflow_problems
from synth_web.models import ChatMessage, Workflow
from synth_web.workflows.describe import (
    ShownProblem,
    TriggerWords,
    describe_steps,
    describe_trigger,
    explain_problems,
)


@dataclass
class MissingApp:
    """An app a plan needs: where to connect it (or switch it on), and its state."""

    key: str
    name: str
    url: str
    # "absent" (never connected), "off" (switched off) or "on" (fine now).
    state: str

    @property
    def connected_now(self) -> bool:
        """Tell whether the app is connected and on by now."""
        return self.state == "on"


@dataclass
class Card:
    """A plan, told for people, with what can be done with it now."""

    message_id: int
    outcome: str
    name: str | None = None
    trigger: TriggerWords | None = None
    steps: list[tuple[int, str, str]] = field(default_factory=list)
    problems: list[ShownProblem] = field(default_factory=list)
    missing: list[MissingApp] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    alternatives: str | None = None
    question: str | None = None
    assumptions: list[str] = field(default_factory=list)
    made: MadeWorkflow | None = None

    @property
    def can_create(self) -> bool:
        """Tell whether Create may be offered: a clean draft not yet created."""
        return self.outcome == "workflow" and not self.problems and not self.made

    @property
    def has_draft(self) -> bool:
        """Tell whether the card carries a draft (to create or open in the editor)."""
        return self.name is not None

    @property
    def can_retry(self) -> bool:
        """Tell whether "Try again" helps: an app was missing, or problems came."""
        return self.outcome == "needs_connection" or bool(self.problems)

    @property
    def connected_now(self) -> list[str]:
        """Name the missing apps that are connected and on by now."""
        return [app.name for app in self.missing if app.connected_now]

    @property
    def ready_to_retry(self) -> bool:
        """Tell whether every app it was missing is connected and on by now."""
        return bool(self.missing) and len(self.connected_now) == len(self.missing)


def texts(value: Any) -> list[str]:
    """Keep the strings of a list from metadata."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def text(value: Any) -> str | None:
    """Keep a string from metadata."""
    return value if isinstance(value, str) and value.strip() else None


def step_words(actions: Any, explanation: list[str]) -> list[tuple[int, str, str]]:
    """Tell each step: its number, icon and a sentence (the plan's, if it has one)."""
    steps = describe_steps(actions)
    said = explanation if len(explanation) == len(steps) else []
    told = []
    for step in steps:
        params = ", ".join(f"{key}: {value}" for key, value in step.params)
        fallback = f"{step.app_name} · {step.action_label}" + (
            f" ({params})" if params else ""
        )
        told.append(
            (step.number, step.icon, said[step.number - 1] if said else fallback)
        )
    return told


def missing_apps(
    keys: list[str], statuses: Mapping[str, str], back: str
) -> list[MissingApp]:
    """List the apps to connect (with a link that comes back here) or switch on."""
    found = []
    for key in keys:
        app = get_app(key)
        if app is None or not app.needs_connection:
            continue
        status = statuses.get(key)
        if status is None:
            url = url_for("connections.new", app=key, next=back)
            found.append(MissingApp(key, app.name, url, "absent"))
        else:
            url = url_for("connections.index")
            state = "on" if status == "active" else "off"
            found.append(MissingApp(key, app.name, url, state))
    return found


def build_card(
    message: ChatMessage,
    statuses: Mapping[str, str],
    made: MadeWorkflow | None,
    back: str,
) -> Card | None:
    """Tell one message's plan as a card, or None if it carries no plan."""
    planned = plan_of(message)
    if planned is None:
        return None
    card = Card(
        message_id=message.id,
        outcome=planned["outcome"],
        unsupported=texts(planned.get("unsupported")),
        # For a missing connection the buttons say what to do instead.
        alternatives=text(planned.get("alternatives"))
        if planned["outcome"] in ("unsupported", "clarify")
        else None,
        question=text(planned.get("question")),
        assumptions=texts(planned.get("assumptions")),
        missing=missing_apps(texts(planned.get("missing")), statuses, back),
        made=made,
    )
    draft = draft_of(message)
    if draft is not None:
        card.name = draft["name"]
        card.trigger = describe_trigger(draft["trigger"])
        card.steps = step_words(draft["actions"], texts(planned.get("explanation")))
        if card.outcome == "workflow" and made is None:
            probe = Workflow(user_id=message.user_id)
            probe.apply_definition(draft)
            shown = explain_problems(workflow_problems(probe, statuses), draft)
            card.problems = [p for group in shown.values() for p in group]
    return card


def build_cards(
    user_id: int,
    messages: Iterable[ChatMessage],
    made: Mapping[int, list[MadeWorkflow]],
) -> dict[int, Card]:
    """Tell the plans of a window of messages as cards, by message id."""
    with_plans = [m for m in messages if plan_of(m) is not None]
    if not with_plans:
        return {}
    statuses = connection_statuses(user_id)
    cards = {}
    for message in with_plans:
        back = url_for(
            "chat.show", conversation_id=message.conversation_id, at=message.id
        )
        here = next((w for w in made.get(message.id, []) if w.created_here), None)
        cards[message.id] = build_card(message, statuses, here, f"{back}#m{message.id}")
    return cards

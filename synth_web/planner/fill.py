"""Each step's `with`, filled from the words of its clause by the kind of each slot.

A message maps what came before it: the result of an earlier fetch
(`{{ steps.<id>.output… }}`), the event or webhook that started the run, or the
words the person wrote. Defaults the planner chose are said in `assumptions`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from synth_web.engine.apps import Event
from synth_web.planner.contract import Remembered
from synth_web.planner.preferences import saying
from synth_web.planner.steps import Draft
from synth_web.planner.text import Request
from synth_web.planner.wording import message, subject

DEFAULT_CHANNEL = "#general"
METHOD = re.compile(r"\b(get|post|put|patch|delete|head)\b")
PUSH = re.compile(r"\b(?:send|sends|forward|push|submit|deliver|mirror|relay)\b")
ME = re.compile(r"\b(?:me|myself)\b")
PAYLOAD_METHODS = ("POST", "PUT", "PATCH")
EXPECTED_ANY = [200, 201, 202, 204, 301, 302, 304, 400, 401, 403, 404, 405, 408, 409]
EXPECTED_ANY += [410, 422, 429, 500, 502, 503, 504]


@dataclass
class Filling:
    """What the steps know of each other while their `with` is filled."""

    request: Request
    email: str
    trigger: dict[str, Any]
    event: Event | None
    last: dict[str, str] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)
    fetched: tuple[str, str] | None = None  # (step id, url) of the latest fetch
    preferences: Mapping[str, Remembered] = field(default_factory=dict)
    # Memory entries used so far (their last_accessed_at moves).
    used: list[int] = field(default_factory=list)
    # The text of the draft a follow-up edits, for steps it adds ("also email me").
    carried: str | None = None

    def usual(self, key: str) -> Remembered | None:
        """Use a remembered preference: note it, and say so once."""
        found = self.preferences.get(key)
        if found is not None:
            if found.memory_id and found.memory_id not in self.used:
                self.used.append(found.memory_id)
            note = f"I used {saying(found)}."
            if note not in self.assumptions:
                self.assumptions.append(note)
        return found


def fill(draft: Draft, step_id: str, state: Filling) -> dict[str, Any]:
    """Return the `with` of one step."""
    params: dict[str, Any] = {}
    for name, kind in draft.action.slots.items():
        value = FILLERS[kind](draft, state)
        if value is not None:
            params[name] = value
    if draft.slot("url") and draft.slot("method"):
        note_fetch(draft, step_id, params, state)
    return params


def note_fetch(draft: Draft, step_id: str, params: dict, state: Filling) -> None:
    """Remember a fetch so later steps can map its result."""
    if params.get(draft.slot("method") or "") == "GET":
        state.fetched = (step_id, params[draft.slot("url") or "url"])


def channel(draft: Draft, state: Filling) -> str:
    """Use the clause's #channel, the last one said, or #general."""
    said = draft.targets.get("channel")
    if said:
        state.last["channel"] = state.request.value(said[0])
    elif "channel" not in state.last:
        usual = state.usual("alerts_channel")
        state.last["channel"] = usual.value if usual else DEFAULT_CHANNEL
        if usual is None:
            state.assumptions.append(
                f"No channel was named, so it posts to {DEFAULT_CHANNEL}."
            )
    return state.last["channel"]


def email(draft: Draft, state: Filling) -> str | list[str]:
    """Use the clause's addresses, "me", or the person's own address."""
    said = [state.request.value(t) for t in draft.targets.get("email", [])]
    if ME.search(draft.words) or not said and "email" not in state.last:
        usual = state.usual("email")
        mine = usual.value if usual else state.email
        if mine not in said:
            said.append(mine)
        if not ME.search(draft.words) and usual is None:
            state.assumptions.append(
                f"No address was named, so it emails you ({state.email})."
            )
    if not said:
        return state.last["email"]
    state.last["email"] = said[0]
    return said[0] if len(said) == 1 else said


def url(draft: Draft, state: Filling) -> str | None:
    """Use the clause's URL."""
    if draft.source_url:
        return draft.source_url
    said = draft.targets.get("url")
    return state.request.value(said[0]) if said else None


def method(draft: Draft, state: Filling) -> str:
    """Use the method said, POST for "send it to", else GET."""
    said = METHOD.search(draft.words)
    if said and not draft.source_url:
        return said.group(1).upper()
    if not draft.source_url and PUSH.search(draft.words):
        return "POST"
    return "GET"


def payload(draft: Draft, state: Filling) -> str | None:
    """Pass the trigger's data on when the request sends something on."""
    if method(draft, state) in PAYLOAD_METHODS and state.trigger["type"] in (
        "webhook",
        "app_event",
    ):
        return "{{ trigger.body }}"
    return None


def condition(draft: Draft, state: Filling) -> str | None:
    """Write the condition over the latest fetch, or over the trigger's data."""
    if draft.condition is None:
        return None
    if draft.condition.note:
        state.assumptions.append(draft.condition.note)
    if state.fetched:
        step_id = state.fetched[0]
        if draft.condition.reads_status or draft.condition.field == "status":
            return draft.condition.template(f"steps.{step_id}.output")
        return draft.condition.template(f"steps.{step_id}.output.json")
    return draft.condition.template("trigger.body")


def duration(draft: Draft, state: Filling) -> float | None:
    """Use the seconds the wait said."""
    return draft.seconds


FILLERS = {
    "channel": channel,
    "email": email,
    "url": url,
    "method": method,
    "payload": payload,
    "condition": condition,
    "duration": duration,
    "message": message,
    "subject": subject,
}

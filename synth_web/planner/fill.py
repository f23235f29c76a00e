"""Each step's `with`, filled from the words of its clause by the kind of each slot.

A message maps what came before it: the result of an earlier fetch
(`{{ steps.<id>.output… }}`), the event or webhook that started the run, or the
words the person wrote. Defaults the planner chose are said in `assumptions`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from synth_web.engine.apps import Event
from synth_web.planner.starts import word_pattern
from synth_web.planner.steps import Draft
from synth_web.planner.text import Request, neutral

DEFAULT_CHANNEL = "#general"
METHOD = re.compile(r"\b(get|post|put|patch|delete|head)\b")
PUSH = re.compile(r"\b(?:send|sends|forward|push|submit|deliver|mirror|relay)\b")
SAYING = re.compile(
    r"\b(?:saying|that\s+says|which\s+says|with\s+the\s+text|reading)\s+(.+)$"
)
SUBJECT = re.compile(
    r"\b(?:with\s+)?(?:the\s+)?subject(?:\s+line)?\s*(?:of\s+)?(quote_\d+)"
)
REMIND = re.compile(r"\bremind(?:s|ed)?\b")
ME = re.compile(r"\b(?:me|myself)\b")
RESULT = re.compile(
    r"\b(?:it|result|results|response|output|data|json|payload|body|them)\b"
)
STATUS = re.compile(r"\bstatus(?:\s+code)?\b")
# Words at the edges of what is left of a clause that are not the message.
EDGE = {
    "a",
    "an",
    "the",
    "to",
    "in",
    "on",
    "at",
    "into",
    "for",
    "with",
    "via",
    "of",
    "that",
    "me",
    "us",
    "please",
    "and",
    "then",
    "it",
    "its",
    "so",
    "this",
    "by",
    "slack",
    "gmail",
    "email",
    "message",
    "channel",
    "every",
    "each",
    "just",
}
# How people start asking, never the message: "schedule a …", "could you …".
ASKING = {
    "schedule",
    "create",
    "make",
    "set",
    "setup",
    "add",
    "build",
    "configure",
    "please",
    "kindly",
    "could",
    "can",
    "would",
    "you",
    "i",
    "i'd",
    "want",
    "need",
    "like",
    "workflow",
    "automation",
    "weekly",
    "daily",
    "monthly",
    "hourly",
}
PAYLOAD_METHODS = ("POST", "PUT", "PATCH")
# Words that point at the data itself ("post it", "log the payload").
DATA_WORDS = {
    "it",
    "them",
    "this",
    "that",
    "the",
    "its",
    "result",
    "results",
    "response",
    "output",
    "data",
    "json",
    "payload",
    "body",
    "event",
    "events",
    "call",
    "request",
    "details",
    "content",
    "contents",
    "everything",
    "all",
    "whole",
}
EXPECTED_ANY = [200, 201, 202, 204, 301, 302, 304, 400, 401, 403, 404, 405, 408, 409]
EXPECTED_ANY += [410, 422, 429, 500, 502, 503, 504]


@dataclass
class Filling:
    """What the steps know of each other while their `with` is filled."""

    request: Request
    email: str
    trigger: dict[str, Any]
    event: Event | None
    ids: dict[int, str] = field(default_factory=dict)
    last: dict[str, str] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)
    fetched: tuple[str, str] | None = None  # (step id, url) of the latest fetch


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
        state.last["channel"] = DEFAULT_CHANNEL
        state.assumptions.append(
            f"No channel was named, so it posts to {DEFAULT_CHANNEL}."
        )
    return state.last["channel"]


def email(draft: Draft, state: Filling) -> str | list[str]:
    """Use the clause's addresses, "me", or the person's own address."""
    said = [state.request.value(t) for t in draft.targets.get("email", [])]
    if ME.search(draft.words) or not said and "email" not in state.last:
        said.append(state.email)
        if not ME.search(draft.words):
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
    if state.fetched:
        step_id = state.fetched[0]
        if draft.condition.reads_status or draft.condition.field == "status":
            return draft.condition.template(f"steps.{step_id}.output")
        return draft.condition.template(f"steps.{step_id}.output.json")
    return draft.condition.template("trigger.body")


def duration(draft: Draft, state: Filling) -> float | None:
    """Use the seconds the wait said."""
    return draft.seconds


def message(draft: Draft, state: Filling) -> str:
    """Say what the clause says: its quote, its words, or the data it passes on."""
    quotes = draft.targets.get("quote")
    if quotes:
        return neutral(state.request.value(quotes[0]))
    said = SAYING.search(draft.words)
    if said:
        return neutral(tidy(said.group(1), state.request))
    mapped = mapped_text(draft, state)
    if mapped:
        return mapped
    words = tidy(leftover(draft), state.request)
    if words and not set(words.lower().split()) <= DATA_WORDS:
        if REMIND.search(draft.words):
            return neutral(f"Reminder: {words[:1].lower()}{words[1:]}")
        return neutral(words)
    if state.event is not None:
        return state.event.summary
    if state.trigger["type"] == "webhook":
        return "New webhook call: {{ trigger.body | json }}"
    state.assumptions.append(
        "No message was given, so it sends a short note from Synth."
    )
    return "A message from your Synth workflow."


def mapped_text(draft: Draft, state: Filling) -> str | None:
    """Map an earlier fetch's result, or the event field the clause names."""
    if state.fetched:
        step_id, address = state.fetched
        if STATUS.search(draft.words) or state.last.get("status_check"):
            return f"{address} answered HTTP {{{{ steps.{step_id}.output.status }}}}."
        out = f"steps.{step_id}.output"
        return f"{{{{ {out}.json | default({out}.text) }}}}"
    if state.event is not None:
        named = [f for f in state.event.fields if re.search(rf"\b{f}\b", draft.words)]
        if named and named[0] != "to":
            return f"{{{{ trigger.body.{named[0]} }}}}"
    return None


def subject(draft: Draft, state: Filling) -> str:
    """Use the subject said, a short quote, or a plain default."""
    said = SUBJECT.search(draft.words)
    if said:
        draft.targets["quote"] = [
            q for q in draft.targets.get("quote", []) if q != said.group(1)
        ]
        return neutral(state.request.value(said.group(1)))
    quotes = draft.targets.get("quote")
    if quotes and len(state.request.value(quotes[0])) <= 78:
        return neutral(state.request.value(quotes[0]))
    if state.fetched:
        return f"Result of {urlsplit(state.fetched[1]).hostname or state.fetched[1]}"
    if state.event is not None:
        return state.event.title
    if state.trigger["type"] == "webhook":
        return "New webhook call"
    words = tidy(leftover(draft), state.request)
    return neutral(words[:78]) if words else "A message from your Synth workflow"


def leftover(draft: Draft) -> str:
    """Return the clause without its verb, targets and filler at the edges."""
    text = draft.words
    verbs = word_pattern(draft.action.words)
    if verbs:
        text = verbs.sub(" ", text, count=1)
    text = re.sub(r"\b(?:channel|email|url)_\d+\b", " ", text)
    text = re.sub(r"\b(?:with\s+)?(?:the\s+)?subject(?:\s+line)?\b", " ", text)
    text = re.sub(r"\b(?:on|in|to|via)\s+(?:slack|gmail)\b", " ", text)
    words = text.split()
    while words and (words[0] in EDGE | ASKING or "_" in words[0]):
        words.pop(0)
    while words and (words[-1] in EDGE or "_" in words[-1]):
        words.pop()
    return " ".join(words)


def tidy(words: str, request: Request) -> str:
    """Put quoted values back and start with a capital letter."""
    text = re.sub(r"\bquote_\d+\b", lambda m: request.value(m.group(0)), words).strip()
    text = text.rstrip(" .,;")
    return text[:1].upper() + text[1:] if text else ""


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

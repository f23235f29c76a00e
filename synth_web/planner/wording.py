"""The words of a step: its message and subject, from the clause or the data.

A message maps what came before it: the result of an earlier fetch
(`{{ steps.<id>.output… }}`), the event field the clause names, or else the words
the person wrote; a webhook or event without words sends its payload or summary.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from synth_web.planner.references import field_reference
from synth_web.planner.steps import Draft
from synth_web.planner.text import Request, neutral

if TYPE_CHECKING:
    from synth_web.planner.fill import Filling

SAYING = re.compile(
    r"\b(?:saying|that\s+says|which\s+says|with\s+the\s+text|reading)\s+(.+)$"
)
SUBJECT = re.compile(
    r"\b(?:with\s+)?(?:the\s+)?subject(?:\s+line)?\s*(?:of\s+)?(quote_\d+)"
)
REMIND = re.compile(r"\bremind(?:s|ed)?\b")
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


def message(draft: Draft, state: Filling) -> str:
    """Say what the clause says: its quote, its words, or the data it passes on."""
    quotes = draft.targets.get("quote")
    if quotes:
        return neutral(state.request.value(quotes[0]))
    said = SAYING.search(draft.words)
    if said:
        return neutral(tidy(said.group(1), state.request))
    if state.carried:
        return state.carried  # "also email me": the same text as the draft's
    mapped = mapped_text(draft, state)
    if mapped:
        return mapped
    if state.trigger["type"] == "webhook" and (named := field_reference(draft)):
        state.assumptions.append(named[1])
        return named[0]
    words = tidy(leftover(draft), state.request)
    if words and not set(words.lower().split()) <= DATA_WORDS:
        if REMIND.search(draft.words):
            return neutral(f"Reminder: {words[:1].lower()}{words[1:]}")
        return neutral(words)
    if state.event is not None:
        return state.event.summary
    if state.trigger["type"] == "webhook":
        return "New webhook call: {{ trigger.body | json }}"
    if state.last.get("subject"):
        return state.last["subject"]  # "email me with subject Weekly plan"
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
        state.last["subject"] = neutral(state.request.value(said.group(1)))
        return state.last["subject"]
    quotes = draft.targets.get("quote")
    if quotes and len(state.request.value(quotes[0])) <= 78:
        return neutral(state.request.value(quotes[0]))
    if state.fetched:
        return f"Result of {urlsplit(state.fetched[1]).hostname or state.fetched[1]}"
    if state.carried and len(state.carried) <= 78 and "{" not in state.carried:
        return neutral(state.carried)
    if state.event is not None:
        return state.event.title
    if state.trigger["type"] == "webhook":
        return "New webhook call"
    words = tidy(leftover(draft), state.request)
    return neutral(words[:78]) if words else "A message from your Synth workflow"


def leftover(draft: Draft) -> str:
    """Return the clause without its verb, targets and filler at the edges."""
    text = re.sub(r"\b(?:channel|email|url)_\d+\b", " ", draft.without_verb())
    text = re.sub(r"\b(?:with\s+)?(?:the\s+)?subject(?:\s+line)?\b", " ", text)
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

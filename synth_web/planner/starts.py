"""What starts a workflow, read from words: by hand, a webhook, or an app's event.

App events come from the catalog: each app's words ("email", "slack") and each
event's words ("joins", "new message") are scored inside a "when …" clause, so an
app module that declares an event is understood with no change here. Schedules are
read by `schedule.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from synth_web.engine.apps import App, Event, catalog
from synth_web.planner.conditions import Condition
from synth_web.planner.text import Request

MANUAL = re.compile(
    r"\b(?:by\s+hand|manually(?:\s+triggered)?|manual\s+(?:workflow|trigger|run)|"
    r"on\s+demand|on\s+request|when(?:ever)?\s+i\s+(?:click|press|hit|push|tap|ask|"
    r"say\s+so|want|tell\s+you|run\s+it|need\s+it)(?:\s+(?:run|it|the\s+button))?|"
    r"(?:a\s+)?button\s+(?:that\s+)?i\s+can\s+(?:press|click|push)(?:\s+to)?|run\s+now)\b"
)
WEBHOOK = re.compile(
    r"\b(?:(?:receive|get|on|for|any|every|each)\s+(?:an?\s+)?)?(?:incoming\s+)?"
    r"(?:web\s*hooks?|hooks?|endpoint)(?:\s+(?:calls?|requests?|posts?|url|"
    r"payloads?|arrives?|comes?\s+in))?\b"
)
# A "when …" clause: up to the next comma, semicolon, full stop or "then".
WHEN = re.compile(
    r"\b(?:when(?:ever)?|every\s+time|each\s+time|any\s*time|as\s+soon\s+as|once|"
    r"if|on\s+(?:every|each)|after|for\s+(?:every|each))\b(?P<clause>[^,;.()]{1,100}?)"
    r"(?=,|;|\.|\(|\)|\bthen\b|$)"
)
ARRIVAL = re.compile(
    r"\b(?:arrives?|comes?\s+in|came\s+in|signs?\s+up|signed\s+up|submitted|placed|"
    r"created|happens|fails|failed|succeeds|paid|calls|sends|posts|hits|lands|"
    r"opened|closed|updated|registers|registered|is\s+added|gets\s+added|new\s+\w+|"
    r"reports|reported|submits|pushes|emits|records|detects|notifies|tells\s+us)\b"
)
AFTER_WORDS = (
    r"arrives?|comes?\s+in|is\s+received|is\s+called|gets\s+called|calls?|fires|"
    r"is\s+triggered|is\s+posted|lands|hits"
)
EVENT_THRESHOLD = 3


@dataclass
class Start:
    """The trigger read from words, with what was assumed to read it."""

    trigger: dict[str, Any]
    event: Event | None = None
    app: App | None = None
    assumptions: list[str] = field(default_factory=list)
    # Conditions said with the event ("a new email from boss@example.com").
    conditions: list[Condition] = field(default_factory=list)
    # Memory entries it used (the person's usual time zone).
    memory_used: list[int] = field(default_factory=list)


@cache
def word_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """Match any of the words, with their usual endings."""
    if not words:
        return None
    alternatives = "|".join(
        r"\s+".join(re.escape(part) for part in word.split())
        for word in sorted(words, key=len, reverse=True)
    )
    return re.compile(rf"\b(?:{alternatives})(?:s|es|ed|d|ing)?\b")


def count_words(words: tuple[str, ...], text: str) -> int:
    """Count how many different words of a list appear in a text."""
    return sum(1 for word in words if (p := word_pattern((word,))) and p.search(text))


def take_manual(request: Request) -> Start | None:
    """Read "by hand", "on demand", "when I click run"."""
    if request.take(MANUAL):
        return Start({"type": "manual"})
    return None


def take_webhook(request: Request) -> Start | None:
    """Read an explicit webhook, taking the "when …" words that describe it."""
    if take_clauses(request, WEBHOOK, first_only=True) or request.take(WEBHOOK):
        take_clauses(request, ARRIVAL)  # the same event, told in other words
        return Start({"type": "webhook"})
    return None


def take_clauses(request: Request, pattern: re.Pattern[str], first_only=False) -> int:
    """Take "when …" clauses up to the words the pattern finds in them."""
    taken = 0
    for match in list(WHEN.finditer(request.text)):
        found = pattern.search(match.group("clause"))
        if found:
            end = match.start("clause") + found.end()
            request.blank(match.start(), extend(request.text, end))
            taken += 1
            if first_only:
                break
    return taken


def extend(text: str, end: int) -> int:
    """Reach past an arrival verb that follows ("… webhook arrives")."""
    after = re.match(rf"\s*(?:{AFTER_WORDS})\b", text[end:])
    return end + after.end() if after else end


def take_event(request: Request) -> Start | None:
    """Read an app's event from a "when …" clause, scored with the catalog's words."""
    for match in WHEN.finditer(request.text):
        clause = match.group("clause")
        best = best_event(clause)
        if best is None:
            continue
        app, event = best
        offset = match.start("clause")
        end = offset + last_word_end(app, event, clause)
        checks = event_conditions(request, event, clause, offset, end)
        request.blank(match.start(), end)
        trigger = {"type": "app_event", "app": app.key, "event": event.name}
        note = (
            f"{app.name} must relay “{event.title.lower()}” to this workflow's "
            "webhook URL."
        )
        return Start(trigger, event, app, [note], checks)
    return None


def last_word_end(app: App, event: Event, clause: str) -> int:
    """Return where the last word naming the app or the event ends."""
    ends = [0]
    for words in (app.words, event.words):
        pattern = word_pattern(words)
        if pattern:
            ends += [m.end() for m in pattern.finditer(clause)]
    for match in re.finditer(r"\b(?:channel|email)_\d+\b", clause):
        ends.append(match.end())
    return extend(clause, max(ends))


def event_conditions(
    request: Request, event: Event, clause: str, offset: int, end: int
) -> list[Condition]:
    """Read "from boss@example.com" after an event as a condition on its field."""
    fields = "|".join(re.escape(f) for f in event.fields)
    if not fields:
        return []
    found = []
    pattern = re.compile(rf"\b(?P<field>{fields})\s+(?P<value>(?:email|quote)_\d+)\b")
    for match in pattern.finditer(clause):
        value = request.value(match.group("value"))
        start = offset + match.start()
        found.append(
            Condition(match.group("field"), "contains", value, start, match[0])
        )
        request.blank(start, offset + match.end())
    return found


def best_event(clause: str) -> tuple[App, Event] | None:
    """Return the catalog event a clause names best, if one is named clearly."""
    scored = []
    for app in catalog().values():
        app_named = 2 if names_app(app, clause) else 0
        for event in app.events.values():
            score = app_named + count_words(event.words, clause)
            if app_named and score >= EVENT_THRESHOLD:
                scored.append((score, app, event))
    if not scored:
        return None
    scored.sort(key=lambda item: -item[0])
    return scored[0][1], scored[0][2]


def names_app(app: App, clause: str) -> bool:
    """Tell whether a clause names an app, by its words or a target only it takes."""
    if count_words(app.words, clause):
        return True
    kinds = {kind for action in app.actions.values() for kind in action.slots.values()}
    return any(f"{kind}_" in clause for kind in kinds & {"channel", "email"})


def take_arrival(request: Request) -> Start | None:
    """Read "when a new customer signs up" as a webhook someone must call."""
    if not take_clauses(request, ARRIVAL, first_only=True):
        return None
    note = "Whatever sends these events must POST them to this workflow's webhook URL."
    return Start({"type": "webhook"}, assumptions=[note])


def event_spans(request: Request) -> list[tuple[int, int]]:
    """Return where catalog events are named, so their words are not read again."""
    return [
        match.span()
        for match in WHEN.finditer(request.raw)
        if best_event(match.group("clause")) is not None
    ]

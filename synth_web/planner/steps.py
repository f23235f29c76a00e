"""Steps read from words: each clause of a request is matched to a catalog action.

An action is chosen by the words its catalog entry declares ("post", "notify"), the
app's own words ("slack"), and the targets the clause holds (#channel, address, URL)
for the parameters its `slots` say they fill. Waits and conditions are read by their
own grammar and become the actions whose slots take a duration or a condition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from synth_web.engine.apps import Action, App, catalog
from synth_web.planner.conditions import Condition
from synth_web.planner.starts import count_words, word_pattern
from synth_web.planner.text import PLACEHOLDER, Request

SPLIT = re.compile(
    r",|;|:|\?|!|\.(?=\s|$)|\band\s+then\b|\bthen\b|\bafter\s+that\b|\band\b|"
    r"\balso\b|\bplus\b|\bas\s+well\s+as\b"
)
# A URL that data comes from: "the status of https://…", "the JSON at https://…".
SOURCE = re.compile(
    r"\b(?:of|from|at)\s+(?:(?P<method>get)\s+)?(?:the\s+)?(?P<url>url_\d+)"
)
TARGET_KINDS = ("channel", "email", "url")
# Slot kinds a clause never needs to spell out: the planner knows a default.
DEFAULTABLE = {"channel", "email", "message", "subject", "method", "payload"}
APP_WORD_WEIGHT = 2
FIRST_VERB_WEIGHT = 2
ME = re.compile(r"\b(?:me|myself)\b")
TARGET_WEIGHT = 3


@dataclass
class Draft:
    """A step being planned: its action and the words it came from."""

    app: App
    action: Action
    position: float
    words: str = ""
    # A fetch read from "the status of <url>", not from its own clause.
    source_url: str | None = None
    seconds: float | None = None
    condition: Condition | None = None
    targets: dict[str, list[str]] = field(default_factory=dict)

    @property
    def type(self) -> str:
        """Return `app.action`."""
        return f"{self.app.key}.{self.action.name}"

    def without_verb(self) -> str:
        """Return the clause's words without the action's verb and "on Slack"."""
        text = self.words
        verbs = word_pattern(self.action.words)
        if verbs:
            text = verbs.sub(" ", text, count=1)
        return re.sub(r"\b(?:on|in|to|via)\s+(?:slack|gmail)\b", " ", text)

    def slot(self, kind: str) -> str | None:
        """Return the parameter this step fills with a kind of value, if any."""
        return next((p for p, k in self.action.slots.items() if k == kind), None)


@cache
def actions_with(kind: str) -> tuple[tuple[App, Action], ...]:
    """Return the catalog actions that take a kind of value."""
    return tuple(
        (app, action)
        for app in catalog().values()
        for action in app.actions.values()
        if kind in action.slots.values()
    )


def segment_actions() -> list[tuple[App, Action]]:
    """Return the actions a clause can ask for by words alone."""
    found = []
    for app in catalog().values():
        for action in app.actions.values():
            required = set(action.schema.get("required", ()))
            kinds = {action.slots.get(name) for name in required}
            if action.words and kinds <= DEFAULTABLE | set(TARGET_KINDS):
                found.append((app, action))
    return found


def targets_in(request: Request, text: str) -> dict[str, list[str]]:
    """Return the placeholders of each target kind in a piece of text."""
    found: dict[str, list[str]] = {}
    for match in PLACEHOLDER.finditer(text):
        found.setdefault(match.group(1), []).append(match.group(0))
    return found


def score(app: App, action: Action, text: str, targets: dict) -> int:
    """Score how well a clause asks for an action; 0 when it cannot be it."""
    kinds = set(action.slots.values())
    required = {action.slots.get(n) for n in action.schema.get("required", ())}
    for kind in required & set(TARGET_KINDS) - DEFAULTABLE:
        if not targets.get(kind):
            return 0  # a URL cannot be guessed
    hits = count_words(action.words, text)
    aimed = sum(
        TARGET_WEIGHT for kind in TARGET_KINDS if kind in kinds and targets.get(kind)
    )
    if hits and "email" in kinds and not targets.get("email") and ME.search(text):
        aimed += TARGET_WEIGHT  # "me" is the person's own address
    if not hits and not aimed:
        return 0
    named = APP_WORD_WEIGHT if count_words(app.words, text) else 0
    return hits + aimed + named


def first_verbs(text: str, candidates: list[tuple[App, Action]]) -> list[Action]:
    """Return the actions whose word comes first in a clause: its main verb."""
    found = []
    for _, action in candidates:
        pattern = word_pattern(action.words)
        match = pattern.search(text) if pattern else None
        if match:
            found.append((match.start(), action))
    first = min((start for start, _ in found), default=None)
    leading = [action for start, action in found if start == first]
    # A verb that several actions share ("send", "post") does not decide.
    return leading if len(leading) == 1 else []


def read_steps(request: Request) -> list[Draft]:
    """Read the steps each clause asks for, in the order they were said."""
    drafts = take_sources(request)
    leftovers: list[tuple[int, dict[str, list[str]]]] = []
    for start, end in segments(request.text):
        text = request.text[start:end]
        targets = targets_in(request, text)
        best = best_action(text, targets)
        if best is None or only_aimed(best, text) and takes_targets(drafts, targets):
            # "…, to team@x.io": an address for the step before, not a step.
            leftovers.append((start, targets))
            continue
        app, action = best
        drafts.append(Draft(app, action, start, text.strip(), targets=targets))
    spans = segments(request.text)
    for draft in drafts:
        if draft.source_url:
            # A fetch comes before the step whose clause names its URL.
            starts = [a for a, _ in spans if a <= draft.position + 1]
            draft.position = (starts[-1] if starts else 0) - 0.5
    drafts.sort(key=lambda d: d.position)
    give_leftovers(drafts, leftovers)
    return drafts


def only_aimed(best: tuple[App, Action], text: str) -> bool:
    """Tell whether a clause names a target but no word of the action or its app."""
    app, action = best
    return not count_words(action.words, text) and not count_words(app.words, text)


def takes_targets(drafts: list[Draft], targets: dict[str, list[str]]) -> bool:
    """Tell whether the last step said so far takes these targets ("…, to x@y.io").

    It takes an address it lacks, or more addresses; a second channel is a
    second message.
    """
    if not drafts:
        return False
    last = max(drafts, key=lambda d: d.position)
    kinds = set(last.action.slots.values())
    return all(
        kind in kinds and (not last.targets.get(kind) or kind == "email")
        for kind in targets
        if kind in TARGET_KINDS
    )


def best_action(text: str, targets: dict) -> tuple[App, Action] | None:
    """Return the action a clause asks for most clearly, or None."""
    scored = [
        (score(app, action, text, targets), index, app, action)
        for index, (app, action) in enumerate(segment_actions())
    ]
    scored = [item for item in scored if item[0] > 0]
    verbs = first_verbs(text, segment_actions())
    scored = [
        (points + (FIRST_VERB_WEIGHT if action in verbs else 0), index, app, action)
        for points, index, app, action in scored
    ]
    if not scored:
        return None
    scored.sort(key=lambda item: (-item[0], item[1]))
    return scored[0][2], scored[0][3]


def segments(text: str) -> list[tuple[int, int]]:
    """Split the text left to read into clauses, as (start, end) spans."""
    spans, start = [], 0
    for match in SPLIT.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def take_sources(request: Request) -> list[Draft]:
    """Read "the status of <url>" as a fetch that comes first."""
    fetchers = [pair for pair in actions_with("url")]
    if not fetchers:
        return []
    app, action = fetchers[0]
    drafts = []
    for match in request.take_all(SOURCE):
        url = request.value(match.group("url"))
        drafts.append(Draft(app, action, match.start() - 1, "get", source_url=url))
    return drafts


def give_leftovers(drafts: list[Draft], leftovers: list) -> None:
    """Hand targets said in a clause of their own to the step before (or after)."""
    for position, targets in leftovers:
        if not drafts or not targets:
            continue
        before = [d for d in drafts if d.position <= position]
        owner = before[-1] if before else drafts[0]
        for kind, items in targets.items():
            owner.targets.setdefault(kind, []).extend(items)

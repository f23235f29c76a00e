"""Message text said in words, set aside like a quote before any rule reads it.

"saying the daily special is ready", "with subject Weekly plan", "that says standup
starts at 9:30", "reminding them to send the weekly report": what follows such a
marker is the person's text, up to the end of its clause. It becomes a `quote_N`
placeholder, so the schedule, condition and step rules never read inside it
("daily", "weekly" and "at 9:30" stay in the message). A schedule said at the very
end of the text ("… with subject Weekly plan every Monday at 9") goes back to the
request when nothing else in it says when to run.
"""

from __future__ import annotations

import re

WHO = r"(?:them|him|her|us|everyone|everybody|people|me|the\s+team|the\s+\w+)"
MARKER = re.compile(
    r"\b(?:(?P<say>saying|that\s+says|which\s+says|that\s+reads|which\s+reads|"
    r"with\s+the\s+(?:text|message|words?)|with\s+(?:text|message)|"
    r"(?<=message\s)reading|(?<=note\s)reading|(?<=line\s)reading)\s*:?"
    rf"|(?P<remind>(?:reminding|to\s+remind)\s+(?:{WHO}\s+)?(?:to|that|about)|"
    r"(?:an?\s+|the\s+)?reminder\s+(?:to|that|about))"
    rf"|(?P<tell>(?:telling|asking)\s+{WHO}\s+(?:to|that))"
    r"|(?P<subject>with\s+(?:the\s+|a\s+)?subject(?:\s+line)?(?:\s+of)?\s*:?|"
    r"(?:the\s+)?subject(?:\s+line)?\s*:))"
    r"\s+(?!(?:quote|email|url|channel)_\d|(?:to|in|on|for|of|at|and|is|as)\b)",
    re.I,
)
# Where the text ends: the clause's end, a target, a trigger, the next marker.
END = re.compile(
    r"[,;!?]|[.:](?=\s|$)|\s+(?:and\s+then|then)\b|\s+to\s+(?:me|us|myself)\b"
    r"|\s+(?:to|in|on|via|at|for)\s+(?:channel|email|url)_\d+"
    r"|\s+(?:channel|email|url|quote)_\d+"
    r"|\s+(?:on|in|via|through|over)\s+(?:slack|gmail|e-?mail)\b"
    r"|\s+(?:when|whenever|if|unless|once|as\s+soon\s+as|every\s+time|each\s+time)\b"
    r"|\s+and\s+(?:also\s+)?(?:post|send|email|e-mail|mail|log|notify|tell|alert|"
    r"message|ping|fetch|call|wait|pause|write|forward)\b"
    r"|\s+(?=(?:saying|that\s+says|with\s+(?:the\s+)?subject|reminding|telling)\b)",
    re.I,
)
SCHEDULE_WORD = (
    r"(?:every|each|on|at|in|the|of|and|daily|weekly|monthly|hourly|yearly|weekdays?|"
    r"weekends?|mornings?|afternoons?|evenings?|nights?|noon|midnight|day|week|"
    r"month|year|hour|minutes?|\w+days?|first|last|o'clock|\d{1,2}(?:[:.]\d{2})?"
    r"(?:\s*[ap]\.?m\.?)?|[ap]\.?m\.?)"
)
TAIL = re.compile(rf"(?:\s+{SCHEDULE_WORD})+\s*$", re.I)
TAIL_START = re.compile(
    r"\s+(?:every|each|daily|weekly|monthly|hourly|on\s+\w+days?|at\s+\d|"
    r"at\s+(?:noon|midnight)|in\s+the\s+(?:morning|afternoon|evening))\b",
    re.I,
)
SCHEDULE_HINT = re.compile(
    r"\b(?:every|each|daily|weekly|monthly|hourly|yearly|annually|weekdays?|weekends?|"
    r"mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?|noon|"
    r"midnight|mornings?|evenings?|afternoons?|twice|at\s+\d)\b",
    re.I,
)
PREFIX = {"remind": "Reminder: "}


def set_aside_phrases(text: str, values: dict[str, list[str]]) -> str:
    """Replace each message phrase by a `quote_N` placeholder, keeping its text."""
    quotes = values.setdefault("quote", [])
    position = 0
    while match := MARKER.search(text, position):
        start = match.end()
        end = phrase_end(text, start)
        said = text[start:end].strip()
        if not said:
            position = match.end()
            continue
        said, end = release_schedule(text, match.start(), start, said, end)
        kind = match.lastgroup or "say"
        quotes.append(PREFIX.get(kind, "") + capital(said, kind))
        placeholder = f" quote_{len(quotes) - 1} "
        text = text[:start] + placeholder + text[end:]
        position = start + len(placeholder)
    return text


def phrase_end(text: str, start: int) -> int:
    """Return where the text of a phrase ends."""
    found = END.search(text, start)
    return found.start() if found else len(text)


def release_schedule(
    text: str, marker: int, start: int, said: str, end: int
) -> tuple[str, int]:
    """Give a schedule at the end of the phrase back, when nothing else says when."""
    outside = text[:marker] + " " + text[end:]
    if SCHEDULE_HINT.search(outside):
        return said, end
    for tail in TAIL_START.finditer(" " + said):
        rest = (" " + said)[tail.start() :]
        if TAIL.fullmatch(rest) and tail.start() > 0:
            kept = said[: tail.start()].rstrip()
            return kept, start + text[start:end].find(kept) + len(kept)
    return said, end


def capital(said: str, kind: str) -> str:
    """Start the text with a capital letter (after "Reminder: ", lower-case)."""
    said = said.rstrip(" .")
    if kind == "remind":
        return said
    return said[:1].upper() + said[1:]

"""Preferences the person states in a request, for the planner to use and remember.

"my usual alerts channel is #ops", "use #ops for alerts", "email me at
ada@work.example", "my email is …", "my time zone is Europe/Paris", "I'm in
Berlin", "I work in Paris time". The statement is taken out of the request (it is
not a step), used for this plan, and listed in `Plan.learned` so the chat can
remember it (`planner.learn`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from synth_web.planner.preferences import valid
from synth_web.planner.text import Request, read_request
from synth_web.planner.zones import take_zone

ALERTS = r"(?:usual\s+|default\s+|main\s+)?(?:alerts?|alerting|notifications?)"
CHANNEL_STATEMENTS = (
    rf"\b(?:my|our)\s+{ALERTS}(?:\s+channel)?\s+(?:is|are|=|:|should\s+be|will\s+be)"
    r"\s+(?:in\s+|to\s+)?(?P<value>channel_\d+)",
    rf"\b(?:use|make)\s+(?P<value>channel_\d+)\s+(?:as|for)\s+(?:my\s+|our\s+)?"
    rf"{ALERTS}(?:\s+channel)?",
    rf"(?P<value>channel_\d+)\s+is\s+(?:my|our)\s+{ALERTS}\s+channel",
    rf"\b(?:my\s+|our\s+)?{ALERTS}\s+(?:always\s+|usually\s+)?go\s+to\s+"
    r"(?P<value>channel_\d+)",
)
EMAIL_STATEMENTS = (
    r"\bmy\s+(?:usual\s+|work\s+|main\s+)?(?:e-?mail(?:\s+address)?|address)\s+"
    r"(?:is|=|:)\s+(?P<value>email_\d+)",
    r"\b(?:use|make)\s+(?P<value>email_\d+)\s+(?:as|for)\s+my\s+"
    r"(?:usual\s+)?(?:e-?mail(?:\s+address)?|address)",
    # Inside a request: "email me at …" both asks and says which address is mine.
    r"\b(?:e-?mail|mail|write\s+to|send\s+it\s+to)\s+me\s+at\s+(?P<value>email_\d+)",
)
ZONE_STATEMENTS = (
    r"\bmy\s+(?:usual\s+)?(?:time\s*zone|tz)\s+is\s+(?P<value>[a-z/_\s]{2,40}?)"
    r"(?=[,;.!?]|\band\b|$)",
    r"\bi(?:'m|\s+am|\s+live|\s+work)\s+(?:based\s+|located\s+)?in\s+"
    r"(?P<value>[a-z_\s]{2,30}?)(?:\s+time)?(?=[,;.!?]|\band\b|$)",
)
STATEMENTS = [
    (key, re.compile(pattern))
    for key, patterns in (
        ("alerts_channel", CHANNEL_STATEMENTS),
        ("email", EMAIL_STATEMENTS),
        ("timezone", ZONE_STATEMENTS),
    )
    for pattern in patterns
]
# "email me at x@y.io" stays a request: only the preference is taken from it.
KEEP_WORDS = re.compile(r"^\s*(?:e-?mail|mail|write\s+to|send\s+it\s+to)\s+me")


@dataclass(frozen=True)
class Statement:
    """A preference the person stated, and where."""

    key: str
    value: str


def take_statements(request: Request) -> list[Statement]:
    """Take the preferences stated in a request out of it, in order."""
    found: dict[str, Statement] = {}
    for key, pattern in STATEMENTS:
        for match in list(pattern.finditer(request.text)):
            value = statement_value(request, key, match.group("value"))
            if value is None or key in found:
                continue
            found[key] = Statement(key, value)
            keep = KEEP_WORDS.match(match.group(0))
            request.blank(match.start() + (keep.end() if keep else 0), match.end())
    return list(found.values())


def statement_value(request: Request, key: str, said: str) -> str | None:
    """Read the value of a statement: a placeholder, or the words of a zone."""
    if key != "timezone":
        return valid(key, request.value(said))
    words = said.strip()
    zone = take_zone(read_request(f"{words} time", ())) if words else None
    return valid("timezone", zone) if zone else None

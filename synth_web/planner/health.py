"""Conditions on what a fetched address answers: its status, down, an error.

"if it's not 200", "if https://… returns anything other than 200", "if the site is
down", "tell #ops if it's returning an error", "email me if it fails", "when it is
not OK". A status of 400 or more is an error (down); below 400 it is fine (up).
"""

from __future__ import annotations

import re

from synth_web.planner.conditions import NEGATIONS, Condition
from synth_web.planner.text import Request

SUBJECT = (
    r"(?P<subject>it|that|url_\d+|the\s+(?:response|site|website|page|api|server|"
    r"service|endpoint|check|request|call|url|address|health\s*check))"
)
NEGATION = (
    r"(?:(?P<neg>not|n't|anything\s+(?:other\s+than|but|except)|"
    r"something\s+other\s+than)\s+)?"
)
STATUS = re.compile(
    rf"\b(?:if|when|whenever|unless)\s+{SUBJECT}(?:'s|\s+is|\s+returns|\s+answers|"
    r"\s+responds(?:\s+with)?|\s+gives(?:\s+back)?|\s+goes)\s+"
    + NEGATION
    + r"(?P<value>\d{3}|down|up|offline|online|unreachable|broken)\b"
)
# Errors in words: only about an address the request names (it is fetched).
ERROR = re.compile(
    rf"\b(?:if|when|whenever|unless)\s+{SUBJECT}(?:'s|\s+is|\s+are)?\s+"
    + NEGATION
    + r"(?P<value>(?:returning|returns|giving|gives|answering|answers|throwing|"
    r"throws|showing|shows|responding\s+with|responds\s+with|sending\s+back|"
    r"sends\s+back)\s+(?:an?\s+)?(?:errors?|error\s+codes?|failures?|[45]xx)"
    r"|fails|failed|failing|errors(?:\s+out)?|erroring|errored|breaks|broke|"
    r"crashes|crashed|stops\s+(?:working|responding)|goes\s+down|in\s+error"
    r"|ok|okay|healthy|unhealthy|working|fine)\b"
)
DOWN = {"down", "offline", "unreachable", "broken"}
FINE = {"ok", "okay", "healthy", "working", "fine"}


def take_status_checks(request: Request) -> list[Condition]:
    """Read every condition on a fetched address's answer, in order."""
    found = [read_status(request, m) for m in request.take_all(STATUS)]
    if request.values.get("url"):
        found += [read_error(request, m) for m in request.take_all(ERROR)]
    return found


def read_status(request: Request, match: re.Match[str]) -> Condition:
    """Read a condition on an HTTP status ("is not 200", "is down")."""
    said = match.group("value")
    negated = match.group("neg") is not None
    if said.isdigit():
        op, value = ("!=" if negated else "=="), float(said)
        return checked(request, match, op, value)
    return checked(request, match, *down_or_up((said in DOWN) != negated))


def read_error(request: Request, match: re.Match[str]) -> Condition:
    """Read "returns an error", "fails", "is not OK" as a status of 400 or more."""
    fine = match.group("value") in FINE
    negated = match.group("neg") is not None
    return checked(request, match, *down_or_up(fine == negated))


def down_or_up(down: bool) -> tuple[str, float]:
    """Return the comparison for an answer that is an error, or one that is not."""
    return (">=" if down else "<"), 400.0


def checked(request: Request, match: re.Match[str], op: str, value: float) -> Condition:
    """Build the condition, turned around by "unless", with the address it names."""
    if match.group(0).startswith("unless"):
        op = NEGATIONS[op]
    subject = match.group("subject")
    url = request.value(subject) if subject.startswith("url_") else None
    return Condition("status", op, value, match.start(), match.group(0), url)

"""Words for numbers, hours of the day and spans of time, shared by the recognisers."""

from __future__ import annotations

import re


class Unsayable(ValueError):
    """A schedule a 5-field cron cannot express; the message is a question."""


NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
}
NUMBER = r"(?:\d{1,3}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"
ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "tenth": 10,
    "fifteenth": 15,
    "twentieth": 20,
}
UNITS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "day": 86400,
    "days": 86400,
}
UNIT = r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|s|m|h)"
DURATION = re.compile(rf"\b(?P<n>{NUMBER}|half an?)\s*(?P<unit>{UNIT})\b")
# A time of day: 8:15, 7.30, 2pm, 2 p.m., 14h30, 8 o'clock, noon, midnight.
AMPM = r"(?:a\.?m\.?|p\.?m\.?)"
TIME_ATOM = (
    rf"(?:\d{{1,2}}[:.h]\d{{2}}\s*{AMPM}?|\d{{1,2}}\s*{AMPM}|\d{{1,2}}\s*o'?clock"
    r"|noon|midday|midnight)"
)
TIME_OR_HOUR = rf"(?:{TIME_ATOM}|\d{{1,2}}(?![\d:.]))"
ATOM = re.compile(
    r"(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2}))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?)?"
    r"|(?P<word>noon|midday|midnight)"
)


def number(text: str) -> int | None:
    """Read a number written in digits or in words."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    return NUMBER_WORDS.get(text)


def seconds_of(match: re.Match[str]) -> float | None:
    """Return the seconds a DURATION match says."""
    amount = match.group("n")
    if amount.startswith("half"):
        value: float | None = 0.5
    else:
        value = number(amount)
    unit = UNITS.get(match.group("unit"))
    if value is None or unit is None:
        return None
    return value * unit


def time_of_day(text: str) -> tuple[int, int] | None:
    """Read one time of day as (hour, minute), 24-hour; None when impossible."""
    match = ATOM.search(text)
    if not match:
        return None
    word = match.group("word")
    if word:
        return (0, 0) if word == "midnight" else (12, 0)
    hour, minute = int(match.group("h")), int(match.group("m") or 0)
    ampm = (match.group("ampm") or "").replace(".", "")
    if ampm and not 1 <= hour <= 12:
        return None
    if ampm == "pm" and hour != 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return hour, minute


def has_ampm(text: str) -> bool:
    """Tell whether a time was written with am or pm."""
    return bool(re.search(AMPM + r"$", text.strip()))

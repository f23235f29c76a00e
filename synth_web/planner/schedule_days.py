"""Which days a schedule runs on: weekdays, named days, days of the month, dates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from synth_web.planner import clock
from synth_web.planner.text import Request

DAYS = {
    "sunday": 0,
    "monday": 1,
    "tuesday": 2,
    "tues": 2,
    "wednesday": 3,
    "weds": 3,
    "thursday": 4,
    "thurs": 4,
    "friday": 5,
    "saturday": 6,
}
MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "january february march april may june july august september october "
            "november december"
        ).split(),
        1,
    )
}
MONTHS.update({"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7})
MONTHS.update({"aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12})
DAY = r"(?:" + "|".join(sorted(DAYS, key=len, reverse=True)) + r")s?"
MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"
ORDINAL = r"(?:\d{1,2}(?:st|nd|rd|th)|" + "|".join(clock.ORDINALS) + ")"
JOIN = r"\s*(?:,|and|&|or|\+)\s*(?:on\s+)?(?:the\s+)?"
WEEKDAYS = re.compile(
    r"\b(?:(?:on|every|each)\s+)?(?:weekdays?|workdays?|business\s+days?|"
    r"working\s+days?|week\s*days|mon(?:day)?\s*(?:-|–|to|through|thru|till)\s*"
    r"fri(?:day)?)\b"
)
WEEKENDS = re.compile(r"\b(?:(?:on|every|each)\s+)?(?:the\s+)?weekends?\b")
DAY_RANGE = re.compile(
    rf"\b(?P<a>{DAY})\s*(?:-|–|to|through|thru|till|until)\s*(?P<b>{DAY})\b"
)
DAY_LIST = re.compile(rf"\b(?:(?:on|every|each)\s+)?{DAY}(?:{JOIN}{DAY})*\b")
DATE = re.compile(
    rf"\b(?P<m1>{MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b"
    rf"|\b(?:the\s+)?(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{MONTH})\b"
)
MONTH_DAYS = re.compile(
    rf"\b(?:on\s+)?(?:the\s+|every\s+|each\s+)?(?P<list>{ORDINAL}(?:{JOIN}{ORDINAL})*)"
    r"(?:\s+day)?(?:\s+of\s+(?:the|each|every|a)\s+(?:month|quarter))?"
)
EVERY_MONTH = re.compile(r"\b(?:monthly|(?:every|each|once\s+a|per)\s+month)\b")
EVERY_WEEK = re.compile(r"\b(?:weekly|(?:every|each|once\s+a|per)\s+week)\b")
EVERY_YEAR = re.compile(r"\b(?:yearly|annually|(?:every|each|once\s+a|per)\s+year)\b")
EVERY_QUARTER = re.compile(r"\b(?:quarterly|(?:every|each|once\s+a|per)\s+quarter)\b")
EVERY_DAY = re.compile(r"\b(?:daily|(?:every|each|once\s+a|per)\s+day|every\s*day)\b")
RECURRING = re.compile(r"\b(?:every|each|annually|yearly)\b")


@dataclass
class Days:
    """What the words said about days: cron's last three fields."""

    dom: str = "*"
    month: str = "*"
    dow: str = "*"
    seen: bool = False
    one_off: bool = False
    notes: list[str] = field(default_factory=list)


def numbers(items: list[int]) -> str:
    """Write a cron list, sorted, without repeats."""
    return ",".join(str(item) for item in sorted(set(items)))


def day_number(word: str) -> int:
    """Return the cron number of a day name ("fridays" -> 5)."""
    return DAYS[word.removesuffix("s") if word not in DAYS else word]


def ordinal(word: str) -> int | None:
    """Read "15th" or "first" as a number."""
    digits = re.match(r"\d+", word)
    if digits:
        return int(digits.group(0))
    return clock.ORDINALS.get(word)


def take_days(request: Request) -> Days:
    """Read the days a schedule runs on."""
    days = Days()
    recurring = bool(RECURRING.search(request.text))
    take_week(request, days)
    take_dates(request, days, recurring)
    take_periods(request, days)
    return days


def take_week(request: Request, days: Days) -> None:
    """Read weekdays, weekends, day ranges and lists of day names."""
    if request.take(WEEKDAYS):
        days.dow, days.seen = "1-5", True
        return
    if request.take(WEEKENDS):
        days.dow, days.seen = "0,6", True
        return
    span = request.take(DAY_RANGE)
    if span:
        first, last = day_number(span.group("a")), day_number(span.group("b"))
        days.dow = f"{first}-{last}" if first < last else f"{first}-6,0-{last}"
        days.seen = True
        return
    found: list[int] = []
    for match in request.take_all(DAY_LIST):
        found += [day_number(w) for w in re.findall(DAY, match.group(0))]
    if found:
        days.dow, days.seen = numbers(found), True


def take_dates(request: Request, days: Days, recurring: bool) -> None:
    """Read dates ("January 1st"), and days of the month ("the 1st and 15th")."""
    date = request.take(DATE)
    if date:
        month = MONTHS[date.group("m1") or date.group("m2")]
        day = int(date.group("d1") or date.group("d2"))
        days.dom, days.month, days.seen = str(day), str(month), True
        days.one_off = not recurring
        return
    match = request.take(MONTH_DAYS)
    if match:
        listed = [ordinal(w) for w in re.findall(ORDINAL, match.group("list"))]
        found = [n for n in listed if n is not None and 1 <= n <= 31]
        if found:
            days.dom, days.seen = numbers(found), True


def take_periods(request: Request, days: Days) -> None:
    """Read every day / week / month / quarter / year, with their defaults."""
    if request.take_all(EVERY_QUARTER):
        days.month, days.seen = "1,4,7,10", True
        if days.dom == "*":
            days.dom = "1"
        days.notes.append("Quarters start in January, April, July and October.")
    if request.take_all(EVERY_YEAR):
        days.seen, days.one_off = True, False
        if days.month == "*":
            days.dom, days.month = "1", "1"
            days.notes.append("Every year runs on January 1st.")
    if request.take_all(EVERY_MONTH):
        days.seen = True
        if days.dom == "*" and days.dow == "*":
            days.dom = "1"
            days.notes.append("Every month runs on the 1st.")
    if request.take_all(EVERY_WEEK):
        days.seen = True
        if days.dow == "*":
            days.dow = "1"
            days.notes.append("Every week runs on Mondays.")
    if request.take_all(EVERY_DAY):
        days.seen = True

"""Schedules in plain words -> a 5-field cron and a time zone.

"weekdays at 8:15", "every Tuesday and Thursday at 2pm Berlin time", "three times a
day", "every 10 minutes during office hours", "on the 15th of each month", "every
other hour", "at noon New York time", "each January 1st". Defaults: no time is
09:00; office hours (or 9 to 5) are 09:00-16:59 Monday to Friday; no zone is the
person's. What cron cannot say ("the last Friday of the month", "every 45
minutes", a one-off "tomorrow") raises Unsayable with a question to ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from croniter import croniter

from synth_web.planner import clock
from synth_web.planner.clock import Unsayable
from synth_web.planner.schedule_days import Days, take_days
from synth_web.planner.schedule_hours import (
    Clock,
    take_interval,
    take_times,
    take_window,
)
from synth_web.planner.text import Request
from synth_web.planner.zones import take_zone

DEFAULT_HOUR = 9
PERIODS = {
    "morning": 9,
    "mornings": 9,
    "lunchtime": 12,
    "lunch time": 12,
    "afternoon": 14,
    "afternoons": 14,
    "end of the day": 17,
    "end of day": 17,
    "end of the workday": 17,
    "evening": 18,
    "evenings": 18,
    "night": 21,
    "nights": 21,
    "tonight": 21,
}
LATE_PERIODS = ("afternoon", "evening", "night", "tonight")
N = clock.NUMBER
WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
# What cron cannot say, and the question to ask; {said} is what the person wrote.
UNSAYABLE = (
    (
        re.compile(
            rf"\bevery\s+(?:other|second|alternate|{N})\s+(?:weeks?|days?|months?|"
            rf"{WEEKDAY}s?)\b|\bfortnight(?:ly)?\b|\bbi-?weekly\b"
        ),
        "Cron cannot count weeks, so it cannot run “{said}”. Shall it run every "
        "week instead, or on fixed days of the month?",
    ),
    (
        re.compile(
            r"\blast\s+(?:day|week|weekday|business\s+day|working\s+day|\w+day)"
            r"(?:\s+of\s+(?:the|each|every)\s+month)?\b"
        ),
        "Cron cannot say “the {said}”: months end on different days. Shall it run "
        "on a fixed day instead, like the 28th?",
    ),
    (
        re.compile(
            r"\b(?:first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th)\s+"
            rf"(?:{WEEKDAY}|weekday|working\s+day|business\s+day)"
            r"(?:\s+of\s+(?:the|each|every)\s+month)?"
        ),
        "Cron cannot say “the {said}”: it counts days of the month or weekdays, "
        "not both. Shall it run on a fixed day of the month, or every week on "
        "that day?",
    ),
    (
        re.compile(
            rf"\bevery\s+(?:{N}\s+)?(?:seconds?|secs?)\b"
            r"(?!\s+(?:hours?|days?|weeks?|months?))"
        ),
        "Schedules run at most once a minute, so not “{said}”. Shall it run every "
        "minute?",
    ),
    (
        re.compile(
            r"\b(?:tomorrow|today(?!')|tonight at|next\s+(?:week|month|\w+day)"
            rf"|this\s+(?:morning|afternoon|evening|\w+day)|in\s+{N}\s+(?:minutes?|"
            r"hours?|days?|weeks?))\b"
        ),
        "Synth's schedules repeat, and “{said}” happens once. Should this run every "
        "day (or every week) at that time, or would you rather press Run now "
        "yourself when it is time?",
    ),
)


@dataclass
class Schedule:
    """A schedule read from words."""

    cron: str
    timezone: str
    assumptions: list[str] = field(default_factory=list)
    # False when no zone was named and the person's own was used.
    zone_named: bool = True


@dataclass
class Parts:
    """What the words said of a schedule, before it is one cron."""

    zone: str | None
    hours: Clock
    days: Days
    period: str | None

    @property
    def seen(self) -> bool:
        """Tell whether the words said anything about when to run."""
        return self.hours.seen or self.days.seen or self.period is not None

    @property
    def says_time(self) -> bool:
        """Tell whether the words said a time of day or an interval."""
        return self.hours.seen or self.period is not None

    def cron(self) -> str:
        """Put the parts together as one checked cron."""
        if self.days.one_off:
            raise Unsayable(
                "Synth's schedules repeat: should this run every year on that date?"
            )
        cron = build_cron(self.hours, self.days, self.period)
        if not croniter.is_valid(cron):
            raise Unsayable(
                "I could not turn that into a schedule. When should it run?"
            )
        return cron


def take_parts(request: Request) -> Parts:
    """Take what the words say of a schedule; ask when cron cannot say it."""
    for pattern, question in UNSAYABLE:
        found = pattern.search(request.text)
        if found:
            said = " ".join(found[0].split())
            said = re.sub(WEEKDAY, lambda m: m[0].capitalize(), said)
            raise Unsayable(question.format(said=said))
    zone = take_zone(request)
    hours = Clock()
    take_window(request, hours)
    take_interval(request, hours)
    days = take_days(request)
    take_times(request, hours)
    return Parts(zone, hours, days, take_period(request))


def take_schedule(
    request: Request, person_zone: str, zone_note: str | None = None
) -> Schedule | None:
    """Read a schedule from the request, or return None when it names none.

    Without a zone in the words it runs in `person_zone`, said with `zone_note`.
    """
    parts = take_parts(request)
    if not parts.seen:
        return None
    cron = parts.cron()
    notes = parts.hours.notes + parts.days.notes
    zone = parts.zone
    if zone is None:
        zone = person_zone
        notes.append(zone_note or f"No time zone was named, so it uses yours: {zone}.")
    return Schedule(cron, zone, notes, parts.zone is not None)


def take_period(request: Request) -> str | None:
    """Read a part of the day ("every evening", "in the morning")."""
    names = "|".join(sorted(PERIODS, key=len, reverse=True))
    match = request.take(
        re.compile(rf"\b(?:in\s+the\s+|at\s+|every\s+|each\s+)?({names})\b")
    )
    return match.group(1) if match else None


def build_cron(hours: Clock, days: Days, period: str | None) -> str:
    """Put the parts together as `minute hour day-of-month month day-of-week`."""
    minute, hour = clock_fields(hours, period)
    if days.dom != "*" and days.dow != "*":
        raise Unsayable(
            "Cron runs when either the day of the month or the weekday matches, "
            "not both. Which one do you mean?"
        )
    dow = days.dow
    if hours.window is not None and hours.window == (9, 17) and dow == "*":
        if days.dom == "*":
            dow = "1-5"
    return f"{minute} {hour} {days.dom} {days.month} {dow}"


def clock_fields(hours: Clock, period: str | None) -> tuple[str, str]:
    """Return the minute and hour fields."""
    window = f"{hours.window[0]}-{hours.window[1] - 1}" if hours.window else None
    if hours.minute is not None and hours.hour is None:
        return hours.minute, window or "*"
    if hours.hour is not None:
        if hours.hour == "*" and window:
            return hours.minute or "0", window
        if hours.hour.startswith("*/") and window:
            return hours.minute or "0", f"{window}/{hours.hour[2:]}"
        return hours.minute or "0", hours.hour
    times = late(hours.times, period)
    if not times and hours.usual_times:
        times = hours.usual_times
        said = ", ".join(f"{h:02d}:00" for h, _ in times)
        hours.notes.append(f"{len(times)} times a day runs at {said}.")
    if times:
        if len({m for _, m in times}) > 1:
            raise Unsayable(
                "Cron can run at several hours only at the same minute (like 09:15 "
                "and 17:15). Which times do you mean?"
            )
        return str(times[0][1]), ",".join(str(h) for h in sorted({h for h, _ in times}))
    if window:
        return "0", window
    hour = PERIODS.get(period or "", DEFAULT_HOUR)
    if period is None:
        hours.notes.append(f"No time was given, so it runs at {DEFAULT_HOUR:02d}:00.")
    return "0", str(hour)


def late(times: list[tuple[int, int]], period: str | None) -> list[tuple[int, int]]:
    """Read "at 6" in the evening as 18:00."""
    if period and any(word in period for word in LATE_PERIODS):
        return [(h + 12 if h < 12 else h, m) for h, m in times]
    return times

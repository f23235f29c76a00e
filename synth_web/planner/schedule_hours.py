"""Which minutes and hours a schedule runs at: times, intervals, office hours."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from synth_web.planner import clock
from synth_web.planner.clock import Unsayable
from synth_web.planner.text import Request

N = clock.NUMBER
TIMES_A_DAY = {1: [9], 2: [9, 17], 3: [9, 13, 17], 4: [9, 12, 15, 18]}
OFFICE = re.compile(
    r"\b(?:during|in|within|over)?\s*(?:the\s+)?(?:office|business|working|work)"
    r"\s+hours\b"
)


@dataclass
class Clock:
    """What the words said about minutes and hours."""

    minute: str | None = None
    hour: str | None = None
    window: tuple[int, int] | None = None
    times: list[tuple[int, int]] = field(default_factory=list)
    # "three times a day" without times said: 09:00, 13:00, 17:00.
    usual_times: list[tuple[int, int]] = field(default_factory=list)
    seen: bool = False
    notes: list[str] = field(default_factory=list)


def take_window(request: Request, hours: Clock) -> None:
    """Read office hours, "from 9 to 5" or "between 8am and 6pm"."""
    if request.take(OFFICE):
        hours.window, hours.seen = (9, 17), True
        hours.notes.append("Office hours are 09:00 to 17:00, Monday to Friday.")
        return
    hour = clock.TIME_OR_HOUR
    span = re.compile(
        rf"(?:\bfrom\s+)?(?P<a>{hour})\s*(?:to|till|until|-|–)\s*(?P<b>{hour})"
        rf"|\bbetween\s+(?P<c>{hour})\s*and\s*(?P<d>{hour})"
    )
    for match in span.finditer(request.text):
        said_end = match.group("b") or match.group("d")
        start = clock.time_of_day(match.group("a") or match.group("c"))
        end = clock.time_of_day(said_end)
        if start is None or end is None:
            continue
        first, last = start[0], end[0]
        if last <= first and last + 12 <= 23 and not clock.has_ampm(said_end):
            last += 12  # "from 9 to 5" means 17:00
        if last <= first:
            continue
        request.blank(match.start(), match.end())
        hours.window, hours.seen = (first, last), True
        if (first, last) == (9, 17):
            hours.notes.append("9 to 5 is 09:00 to 17:00, Monday to Friday.")
        return


def take_interval(request: Request, hours: Clock) -> None:
    """Read "every 10 minutes", "every other hour", "hourly", "3 times a day"."""
    minutes = request.take(
        re.compile(rf"\bevery\s+(?P<n>{N})\s*(?:minutes?|mins?|m)\b")
    )
    if minutes:
        step = clock.number(minutes.group("n")) or 0
        if step >= 60 and step % 60 == 0:
            set_hour_step(hours, step // 60)
        elif step < 1 or 60 % step:
            raise Unsayable(
                f"Cron cannot repeat every {step} minutes: only steps that divide "
                "an hour (5, 10, 15, 20, 30) or whole hours. Which is closest?"
            )
        else:
            hours.minute, hours.seen = f"*/{step}" if step > 1 else "*", True
        return
    if request.take(re.compile(r"\b(?:every|each|once a|once an|once per)\s+minute\b")):
        hours.minute, hours.seen = "*", True
        return
    every = request.take(
        re.compile(rf"\bevery\s+(?P<n>other|second|{N})\s*(?:hours?|hrs?|h)\b")
    )
    if every:
        word = every.group("n")
        set_hour_step(hours, 2 if word in ("other", "second") else clock.number(word))
        return
    if request.take(
        re.compile(r"\b(?:hourly|every\s+hour|each\s+hour|once\s+(?:an|per)\s+hour)\b")
    ):
        hours.minute, hours.hour, hours.seen = hours.minute or "0", "*", True
        return
    take_times_a_day(request, hours)


def set_hour_step(hours: Clock, step: int | None) -> None:
    """Repeat every `step` hours, when the hours of a day divide evenly."""
    if not step or 24 % step:
        raise Unsayable(
            f"Cron can repeat every {step} hours only if that divides a day. "
            "Every 2, 3, 4, 6 or 12 hours?"
        )
    hours.minute, hours.hour, hours.seen = "0", "*" if step == 1 else f"*/{step}", True


def take_times_a_day(request: Request, hours: Clock) -> None:
    """Read "twice a day", "three times a day", "once daily"."""
    match = request.take(
        re.compile(
            rf"\b(?:(?P<n>once|twice|thrice)|(?P<count>{N})\s*times?)\s*"
            r"(?:a|per|each|every)\s+day"
            r"\b|\btwice\s+daily\b"
        )
    )
    if not match:
        return
    word = match.group("n") or "twice"
    count = {"once": 1, "twice": 2, "thrice": 3}.get(word)
    if match.group("count"):
        count = clock.number(match.group("count"))
    hours.seen = True
    if count == 1:
        return
    if count in TIMES_A_DAY:
        hours.usual_times = [(hour, 0) for hour in TIMES_A_DAY[count]]
    elif count and 24 % count == 0:
        set_hour_step(hours, 24 // count)
    else:
        raise Unsayable(f"At which hours should it run {count} times a day?")


def take_times(request: Request, hours: Clock) -> None:
    """Read times of day: "at 8:15", "at 9am and 5pm", "at 8 and 20", "at noon"."""
    listed = re.compile(
        rf"(?:\b(?:at|@|around|by)\s+)?(?P<first>{clock.TIME_ATOM})"
        rf"(?P<rest>(?:\s*(?:,|and|&)\s*(?:at\s+)?{clock.TIME_OR_HOUR})*)"
        rf"|\b(?:at|@)\s+(?P<bare>\d{{1,2}})(?![\d:.])(?!\s*(?:%|percent|{clock.UNIT}\b))"
        rf"(?P<more>(?:\s*(?:,|and|&)\s*(?:at\s+)?{clock.TIME_OR_HOUR})*)"
    )
    for match in request.take_all(listed):
        text = match.group(0)
        atoms = re.findall(
            clock.TIME_OR_HOUR, re.sub(r"^\s*(?:at|@|around|by)", "", text)
        )
        for atom in atoms:
            parsed = clock.time_of_day(atom)
            if parsed is None:
                raise Unsayable(
                    f"“{atom.strip()}” is not a time of day. When should it run?"
                )
            hours.times.append(parsed)
            hours.seen = True

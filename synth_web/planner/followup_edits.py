"""What a follow-up changes in a draft: when it runs, and which steps it drops.

Each edit reads the follow-up with the same grammar as a fresh request (the
schedule parser, the trigger readers, the catalog's words for steps) and changes
only what the words name: a time keeps the days, days keep the time, "not on
weekends" takes days away, "remove the … step" drops the steps the catalog's
words name. Steps said are handled by `followup_steps.py`.
"""

from __future__ import annotations

import re
from typing import Any

from croniter import croniter

from synth_web.engine.apps import find_action
from synth_web.planner.conditions import take_conditions
from synth_web.planner.followup_steps import Ask, Editing, edit_steps, title
from synth_web.planner.health import take_status_checks
from synth_web.planner.preferences import zone_for
from synth_web.planner.schedule import Parts, take_parts
from synth_web.planner.schedule_days import DAY, JOIN, day_number
from synth_web.planner.starts import (
    count_words,
    take_arrival,
    take_event,
    take_manual,
    take_webhook,
)
from synth_web.planner.steps import Draft
from synth_web.planner.words import trigger_sentence

__all__ = ["Ask", "Editing", "edit_request"]

DAYS_OFF = re.compile(
    r"\b(?:not|never|except|excluding|but\s+not|skip(?:ping)?|no|(?:don'?t|do\s+not)"
    r"\s+\w+)\s+(?:on\s+)?(?:the\s+)?"
    rf"(?P<days>weekends?|weekdays?|{DAY}(?:{JOIN}{DAY})*)\b"
)
REMOVE = re.compile(
    r"\b(?:remove|drop|delete|get\s+rid\s+of|skip|without|no\s+more|don'?t|do\s+not|"
    r"stop)\s+(?:the\s+|that\s+|any\s+|my\s+)?(?P<what>[a-z][a-z'\s-]{0,40}?)"
    r"(?:\s+(?:steps?|part|action|one|bit|messages?))?\s*"
    r"(?=$|[,;.!?]|\b(?:and|then|but|please|instead)\b)"
)


def edit_request(editing: Editing, waits: list[Draft]) -> None:
    """Apply everything the follow-up says to the draft."""
    conditions = take_status_checks(editing.request) + take_conditions(editing.request)
    days_off(editing)
    edit_trigger(editing)
    remove_steps(editing)
    edit_steps(editing, conditions, waits)


def days_off(editing: Editing) -> None:
    """Read "not on weekends", "except Fridays": days the schedule skips."""
    match = editing.request.take(DAYS_OFF)
    if match is None:
        return
    trigger = editing.workflow["trigger"]
    fields = str(trigger.get("cron", "")).split()
    if trigger.get("type") != "schedule" or len(fields) != 5 or fields[2] != "*":
        raise Ask("Which days and at what time should it run?")
    said = match.group("days")
    if said.startswith("weekend"):
        off = {0, 6}
    elif said.startswith("weekday"):
        off = {1, 2, 3, 4, 5}
    else:
        off = {day_number(word) for word in re.findall(DAY, said)}
    days = weekdays(fields[4]) - off
    if not days:
        raise Ask("That leaves no day to run on. On which days should it run?")
    fields[4] = compact(days)
    set_schedule(editing, " ".join(fields), trigger.get("timezone") or "UTC")
    editing.stale.add("days")


def weekdays(field_text: str) -> set[int]:
    """Expand a cron day-of-week field ("1-5", "0,6", "*") into day numbers."""
    found: set[int] = set()
    for part in field_text.split(","):
        if part == "*":
            found |= set(range(7))
        elif re.fullmatch(r"\d-\d", part):
            first, last = (int(n) % 7 for n in part.split("-"))
            found |= set(range(first, last + 1)) if first <= last else set()
        elif re.fullmatch(r"\d", part):
            found.add(int(part) % 7)
        else:
            raise Ask("Which days should it run on?")
    return found


def compact(days: set[int]) -> str:
    """Write day numbers as a short cron field: runs become ranges."""
    ordered, runs = sorted(days), []
    for day in ordered:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(
        f"{run[0]}-{run[-1]}" if len(run) > 2 else ",".join(map(str, run))
        for run in runs
    )


def edit_trigger(editing: Editing) -> None:
    """Read a new time, days, zone or trigger for the draft."""
    request = editing.request
    manual = take_manual(request)
    parts = take_parts(request)
    if parts.seen:
        reschedule(editing, parts)
        return
    if parts.zone:
        rezone(editing, parts.zone)
    start = manual or take_webhook(request) or take_event(request)
    start = start or take_arrival(request)
    if start is not None:
        editing.workflow["trigger"] = start.trigger
        editing.notes += start.assumptions
        editing.stale.add("trigger")
        editing.changes.append(said_trigger(start.trigger))


def reschedule(editing: Editing, parts: Parts) -> None:
    """Change when the draft runs: a time keeps the days, days keep the time."""
    new = parts.cron().split()
    old_trigger = editing.workflow["trigger"]
    old = str(old_trigger.get("cron", "")).split()
    if old_trigger.get("type") == "schedule" and len(old) == 5:
        fields = (new[:2] if parts.says_time else old[:2]) + (
            new[2:] if parts.days.seen else old[2:]
        )
        zone = parts.zone or old_trigger.get("timezone") or editing.context.timezone
        editing.stale |= {"time"} if parts.says_time else set()
        editing.stale |= {"days"} if parts.days.seen else set()
    else:
        fields, zone = new, parts.zone
        if zone is None:
            zone, note, used = zone_for(editing.context)
            editing.notes.append(note)
            editing.used += used
        editing.notes += parts.hours.notes + parts.days.notes
        editing.stale.add("trigger")
    if parts.zone:
        editing.stale.add("zone")
    set_schedule(editing, " ".join(fields), zone)


def set_schedule(editing: Editing, cron: str, zone: str) -> None:
    """Put a checked schedule on the draft and say so."""
    if not croniter.is_valid(cron):
        raise Ask("I could not turn that into a schedule. When should it run?")
    editing.workflow["trigger"] = {"type": "schedule", "cron": cron, "timezone": zone}
    editing.changes.append(said_trigger(editing.workflow["trigger"]))


def rezone(editing: Editing, zone: str) -> None:
    """Run the draft's schedule in another time zone."""
    trigger = editing.workflow["trigger"]
    if trigger.get("type") != "schedule":
        raise Ask(f"It does not run on a schedule. When should it run, {zone} time?")
    trigger["timezone"] = zone
    editing.stale.add("zone")
    editing.changes.append(f"it runs in {zone} time")


def said_trigger(trigger: dict[str, Any]) -> str:
    """Say what starts the draft now."""
    words = trigger_sentence(trigger)
    verb = "runs" if trigger["type"] == "schedule" else "starts"
    return f"it now {verb} {words[:1].lower()}{words[1:]}"


def remove_steps(editing: Editing) -> None:
    """Drop the steps the follow-up names ("remove the Slack step")."""
    for match in list(REMOVE.finditer(editing.request.text)):
        gone = [s for s in editing.steps if names_step(s, match.group("what"))]
        if not gone:
            continue
        editing.request.blank(match.start(), match.end())
        for step in gone:
            editing.steps.remove(step)
            editing.changes.append(f"no more {title(step)}")
        editing.stale.add("steps")


def names_step(step: dict[str, Any], words: str) -> bool:
    """Tell whether words name a step, by the catalog's words for it."""
    app, action = find_action(step["type"])
    if app is None or action is None:
        return False
    names = list(action.words)
    if app.needs_connection or app.words and app.key != "core":
        names += [*app.words, app.key, app.name.lower()]
    return count_words(tuple(names), words) > 0

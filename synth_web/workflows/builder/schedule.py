"""Schedule presets ("every weekday at 09:00") as cron, and a cron told in words.

A preset is only read back from a cron that it writes exactly the same way, so
showing a schedule as a preset and saving it unchanged never alters the cron.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from synth_web.workflows.describe import cron_words, next_fire_times

PRESETS = {
    "hourly": "Every hour",
    "daily": "Every day at…",
    "weekdays": "Every weekday at…",
    "weekly": "Every week on…",
    "monthly": "The 1st of every month at…",
    "custom": "Custom (cron)",
}
DAYS = (
    ("1", "Monday"),
    ("2", "Tuesday"),
    ("3", "Wednesday"),
    ("4", "Thursday"),
    ("5", "Friday"),
    ("6", "Saturday"),
    ("0", "Sunday"),
)
TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
PREVIEW_COUNT = 5


@dataclass(frozen=True)
class Preset:
    """A schedule as the preset fields show it."""

    key: str = "custom"
    at: str = "09:00"
    day: str = "1"


def cron_for(preset: Preset) -> str | None:
    """Write a preset as cron; None for a custom schedule or a time that is wrong."""
    if preset.key == "hourly":
        return "0 * * * *"
    match = TIME.match(preset.at)
    if preset.key not in PRESETS or preset.key == "custom" or match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    day = preset.day if preset.day in dict(DAYS) else "1"
    tails = {
        "daily": "* * *",
        "weekdays": "* * 1-5",
        "weekly": f"* * {day}",
        "monthly": "1 * *",
    }
    return f"{minute} {hour} {tails[preset.key]}"


def preset_of(cron: str) -> Preset:
    """Find the preset that writes exactly this cron, else a custom one."""
    fields = cron.split(" ")
    if len(fields) != 5:
        return Preset()
    minute, hour, *_ = fields
    at = (
        f"{int(hour):02d}:{int(minute):02d}"
        if minute.isdigit() and hour.isdigit()
        else ""
    )
    for key in PRESETS:
        for day, _ in DAYS if key == "weekly" else (("1", ""),):
            candidate = Preset(key, at or "09:00", day)
            if cron_for(candidate) == cron:
                return candidate
    return Preset("custom", at or "09:00")


@dataclass
class SchedulePreview:
    """A schedule in words with its next fire times, for the person checking it."""

    words: str
    zone: str
    times: list[datetime] = field(default_factory=list)
    error: str = ""


def preview(cron: str, zone: str) -> SchedulePreview:
    """Tell a cron in words and list its next five fire times in its zone."""
    zone = zone or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return SchedulePreview("", zone, error=f"`{zone}` is not a time zone.")
    if len(cron.split()) != 5:
        return SchedulePreview("", zone, error="A cron schedule has 5 fields.")
    times = next_fire_times(cron, zone, PREVIEW_COUNT)
    if not times:
        return SchedulePreview("", zone, error=f"`{cron}` is not a valid schedule.")
    return SchedulePreview(cron_words(cron), zone, times)

"""What the run detail page shows: steps as a timeline, JSON pretty and folded."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from synth_web.engine.record import StepRecord
from synth_web.executions.cut import cut, cut_text
from synth_web.models import Execution

# Strings longer than FOLD_AT show their first PREVIEW characters in place.
FOLD_AT = 2000
PREVIEW = 500
TEXT_FOLD_AT = 10_000
SHOW_AT_MOST = 100_000
LONG_TEXTS_SHOWN = 20
MAX_LOG_LINES = 1000
# A run's timeline shows at most this many steps (the API's limit for reports).
MAX_STEPS_SHOWN = 200

STEP_BADGES = {
    "success": "success",
    "failure": "failure",
    "cancelled": "cancelled",
    "running": "running",
    "waiting": "queued",
    "filtered": "filtered",
}


@dataclass(frozen=True)
class LongText:
    """A string too long to show in place: where it is, and all of it."""

    path: str
    text: str
    total: int

    @property
    def cut(self) -> bool:
        """Tell whether even "show all" stops before the end."""
        return self.total > len(self.text)


@dataclass(frozen=True)
class Folded:
    """A value as text: long strings shortened in place, each one shown whole below.

    A value that is still long after that (a big list, say) shows its first
    TEXT_FOLD_AT characters, with the rest behind "show the rest".
    """

    text: str
    rest: str | None = None
    long: tuple[LongText, ...] = ()
    total: int = 0

    @property
    def is_folded(self) -> bool:
        """Tell whether anything is hidden behind a "show" switch."""
        return bool(self.rest or self.long)


def pretty(value: Any) -> str:
    """Return text as it is and anything else as indented JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def shorten(value: Any, path: str, found: list[LongText], at: int) -> Any:
    """Copy a JSON value with every string longer than `at` cut, noting each one."""
    if isinstance(value, str) and len(value) > at:
        found.append(LongText(path or "value", value[:SHOW_AT_MOST], len(value)))
        cut = min(at, PREVIEW)
        return f"{value[:cut]}… [{len(value) - cut:,} more characters, shown below]"
    if isinstance(value, dict):
        return {
            key: shorten(item, f"{path}.{key}" if path else str(key), found, at)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [
            shorten(item, f"{path}[{i}]", found, at) for i, item in enumerate(value)
        ]
    return value


def fold(value: Any, at: int = FOLD_AT) -> Folded | None:
    """Pretty-print a value for a page, folding what is too long to read in place."""
    if value is None:
        return None
    found: list[LongText] = []
    text = pretty(shorten(value, "", found, at))
    long = tuple(found[:LONG_TEXTS_SHOWN])
    if len(text) <= TEXT_FOLD_AT:
        return Folded(text, long=long, total=len(text))
    rest = text[TEXT_FOLD_AT:SHOW_AT_MOST]
    return Folded(text[:TEXT_FOLD_AT], rest=rest, long=long, total=len(text))


@dataclass
class StepView:
    """One step of a run as the timeline shows it."""

    number: int
    id: str
    type: str
    status: str
    started_at: datetime | None = None
    duration_ms: int | None = None
    attempts: int = 0
    input: Folded | None = None
    output: Folded | None = None
    error: str | None = None
    logs: list[str] = field(default_factory=list)

    @property
    def badge(self) -> str:
        """Return the badge style of the step's status."""
        return STEP_BADGES.get(self.status, "cancelled")

    @property
    def label(self) -> str:
        """Return the step's status in words."""
        return {"filtered": "stopped here", "waiting": "waiting"}.get(
            self.status, self.status
        )

    @property
    def has_details(self) -> bool:
        """Tell whether there is anything to expand."""
        return bool(self.input or self.output or self.error or self.logs)

    @property
    def opens(self) -> bool:
        """Open failed steps at once: that is what the person came to read."""
        return self.status in ("failure", "filtered")


def parse_time(value: Any) -> datetime | None:
    """Read an ISO timestamp from a step record."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def step_view(number: int, record: StepRecord, stopped_at: str | None) -> StepView:
    """Turn one step record from `results` into what the timeline shows.

    Every field is read defensively: a stored row may be older than the shape, or
    come from an outside engine that bent it.
    """
    status = str(record.get("status") or "unknown")
    if stopped_at is not None and record.get("id") == stopped_at:
        status = "filtered"
    logs = record.get("logs")
    return StepView(
        number=number,
        id=str(record.get("id") or f"step {number}"),
        type=str(record.get("type") or ""),
        status=status,
        started_at=parse_time(record.get("started_at")),
        duration_ms=record.get("duration_ms"),
        attempts=int(record.get("attempts") or 0),
        input=fold(cut(record.get("input"))),
        output=fold(cut(record.get("output"))),
        error=cut_text(str(record["error"])) if record.get("error") else None,
        logs=[cut_text(str(line)) for line in logs[:MAX_LOG_LINES]]
        if isinstance(logs, list)
        else [],
    )


def stopped_at(execution: Execution) -> str | None:
    """Return the id of the filter step that ended a run early, if one did."""
    meta = execution.meta if isinstance(execution.meta, dict) else {}
    if not meta.get("filtered"):
        return None
    if meta.get("filtered_at"):
        return str(meta["filtered_at"])
    results = execution.results or []
    return str(results[-1].get("id")) if results else None


def timeline(execution: Execution) -> list[StepView]:
    """Return the run's steps in order, with the ones still to come while it runs."""
    results = execution.results if isinstance(execution.results, list) else []
    records = [r for r in results[:MAX_STEPS_SHOWN] if isinstance(r, dict)]
    stop = stopped_at(execution)
    steps = [step_view(i + 1, r, stop) for i, r in enumerate(records)]
    if not execution.is_finished:
        actions = execution.workflow.actions if execution.workflow else []
        for index, action in enumerate(actions[len(steps) :], start=len(steps)):
            if isinstance(action, dict):
                steps.append(
                    StepView(
                        index + 1,
                        str(action.get("id")),
                        str(action.get("type")),
                        "waiting",
                    )
                )
    return steps


def trigger_words(trigger_type: str) -> str:
    """Name a trigger type for people."""
    return {
        "manual": "Run now",
        "schedule": "Schedule",
        "webhook": "Webhook",
        "app_event": "App event",
        "external": "Outside engine",
        "test": "Test step",
    }.get(trigger_type, trigger_type.replace("_", " ").capitalize())

"""The record of one step in a run's `results`: one shape for everyone who reads it.

The runner writes it, the demo lays out its recorded runs with it, the run page reads
it, and the API's `StepRecord` model accepts exactly these fields from outside engines
(a test keeps the two equal).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, NotRequired, TypedDict, get_args

StepStatus = Literal["success", "failure", "cancelled", "running", "skipped"]
STEP_STATUSES: tuple[str, ...] = get_args(StepStatus)


class StepRecord(TypedDict):
    """One step as it ran: what it was given, what it gave back, how it ended.

    Times are ISO 8601 text with a zone, as JSON columns keep them.
    """

    id: str
    type: str
    status: StepStatus
    started_at: NotRequired[str | None]
    finished_at: NotRequired[str | None]
    duration_ms: NotRequired[int | None]
    attempts: NotRequired[int]
    input: NotRequired[Any]
    output: NotRequired[Any]
    error: NotRequired[str | None]
    logs: NotRequired[list[str]]


def new_record(action: dict[str, Any], started_at: datetime) -> StepRecord:
    """The record of a step that has just started: no attempt, input or output yet."""
    return {
        "id": action["id"],
        "type": action["type"],
        "status": "running",
        "started_at": started_at.isoformat(),
        "attempts": 0,
        "input": None,
        "output": None,
        "error": None,
    }


def close_record(
    record: StepRecord,
    status: StepStatus,
    finished_at: datetime,
    duration_ms: int,
    error: str | None = None,
) -> StepRecord:
    """End a step's record: how it ended, when, after how long, and why if it failed."""
    record.update(
        status=status,
        error=error,
        finished_at=finished_at.isoformat(),
        duration_ms=duration_ms,
    )
    return record

"""What the execution endpoints accept and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from synth_web.api.common import (
    JsonObject,
    JsonValue,
    Out,
    PageQuery,
    Strict,
    Timestamp,
    cursor_field,
    unset,
)
from synth_web.api.pagination import BY_TIME
from synth_web.engine.record import StepStatus
from synth_web.engine.triggers import RUN_TRIGGER_TYPES, SLUG
from synth_web.executions.cut import cut, cut_text
from synth_web.executions.external import is_external
from synth_web.executions.listing import RunRow
from synth_web.inputs import MAX_ID
from synth_web.models import Execution

Status = Literal["queued", "running", "success", "failure", "cancelled", "refused"]
# Outside engines report runs they ran: an event refused is Synth's own record.
ReportedStatus = Literal["queued", "running", "success", "failure", "cancelled"]
TriggerType = Literal[RUN_TRIGGER_TYPES]  # type: ignore[valid-type]
MAX_STEPS = 200
MAX_ERROR_LOG = 65_536
Engine = Annotated[str, StringConstraints(pattern=SLUG)]


class ExecutionQuery(PageQuery):
    """Filters of the execution log."""

    status: Status | None = None
    workflow_id: int | None = Field(None, ge=1, le=MAX_ID)
    trigger_type: TriggerType | None = None
    q: str | None = Field(None, max_length=200, description="Text in the error log.")
    cursor: str = cursor_field(BY_TIME)


class StepRecord(Strict):
    """One step's record, in the shape Synth's own runner writes.

    The fields are those of `engine.record.StepRecord` (a test keeps them equal),
    with the limits an outside engine's report must keep.
    """

    id: str = Field(min_length=1, max_length=100)
    type: str = Field(
        min_length=1, max_length=100, description="Like `slack.post_message`."
    )
    status: StepStatus
    started_at: Timestamp | None = None
    finished_at: Timestamp | None = None
    duration_ms: int | None = Field(None, ge=0)
    attempts: int = Field(1, ge=0, le=100)
    input: JsonValue = None
    output: JsonValue = None
    error: str | None = Field(None, max_length=MAX_ERROR_LOG)
    logs: list[str] | None = Field(None, max_length=1000)


class ExternalRunCreate(Strict):
    """A run an outside engine executed or is executing."""

    status: ReportedStatus
    engine: Engine | None = Field(None, description="Who ran it, like `n8n`.")
    started_at: Timestamp | None = None
    finished_at: Timestamp | None = None
    results: list[StepRecord] = Field(default_factory=list, max_length=MAX_STEPS)
    error_log: str | None = Field(None, max_length=MAX_ERROR_LOG)
    metadata: JsonObject = Field(
        default_factory=dict, description="Anything the engine wants kept with it."
    )


class ExternalRunUpdate(Strict):
    """What changed about a reported run; what is left out stays."""

    status: ReportedStatus = unset()
    started_at: Timestamp = unset()
    finished_at: Timestamp = unset()
    results: list[StepRecord] = unset(max_length=MAX_STEPS)
    error_log: str | None = unset(max_length=MAX_ERROR_LOG)
    metadata: JsonObject = unset()


class ExecutionSummary(Out):
    """A run as the log lists it (without its step records)."""

    id: int
    workflow_id: int
    workflow_name: str
    status: Status
    trigger_type: str
    source: Literal["synth", "external"]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: int | None
    error: str | None = Field(description="The start of the error log.")


class ExecutionOut(ExecutionSummary):
    """A run with its step records, error log and metadata."""

    results: list[JsonObject] = Field(description="One record per step, in order.")
    error_log: str | None
    metadata: JsonObject


class ExecutionList(Out):
    """One page of runs, newest first."""

    data: list[ExecutionSummary]
    next_cursor: str | None


def source_of(trigger_type: str) -> Literal["synth", "external"]:
    """Tell who executed a run of this trigger type."""
    return "external" if trigger_type == "external" else "synth"


def summary_out(row: RunRow) -> ExecutionSummary:
    """Describe a log row for the API."""
    return ExecutionSummary(
        id=row.id,
        workflow_id=row.workflow_id,
        workflow_name=row.workflow_name,
        status=row.status,
        trigger_type=row.trigger_type,
        source=source_of(row.trigger_type),
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        duration_ms=row.duration_ms,
        error=row.error_preview,
    )


def execution_out(execution: Execution) -> ExecutionOut:
    """Describe a run, with its steps, for the API."""
    results = execution.results if isinstance(execution.results, list) else []
    return ExecutionOut(
        id=execution.id,
        workflow_id=execution.workflow_id,
        workflow_name=execution.workflow.name,
        status=execution.status,
        trigger_type=execution.trigger_type,
        source="external" if is_external(execution) else "synth",
        created_at=execution.created_at,
        started_at=execution.started_at,
        finished_at=execution.finished_at,
        duration_ms=execution.duration_ms,
        error=(execution.error_log or "")[:300] or None,
        # Records kept before records were bounded are sent cut, saying so.
        results=[cut(r) for r in results[:MAX_STEPS] if isinstance(r, dict)],
        error_log=cut_text(execution.error_log),
        metadata=cut(execution.meta) if isinstance(execution.meta, dict) else {},
    )

"""The executions table: one row per run of a workflow, with its step records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from synth_web.extensions import db
from synth_web.models.types import JSONType, UTCDateTime, utcnow
from synth_web.models.workflow import Workflow

# `refused`: an event arrived but could not run (workflow off, blocked by a
# connection, problems). It is kept with its payload, for replay.
EXECUTION_STATUSES = (
    "queued",
    "running",
    "success",
    "failure",
    "cancelled",
    "refused",
)
FINISHED_STATUSES = ("success", "failure", "cancelled", "refused")
# The conditions of the partial indexes of unfinished runs; queries write them
# as they are here (a literal, not a parameter), or the index cannot be used.
QUEUED = "status = 'queued'"
RUNNING = "status = 'running'"
DEDUPED = "dedupe_key IS NOT NULL"


class RunTiming:
    """Status and timing words shared by an Execution and a lighter list row."""

    status: str
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def is_finished(self) -> bool:
        """Tell whether the run has reached a final status."""
        return self.status in FINISHED_STATUSES

    @property
    def is_refused(self) -> bool:
        """Tell whether this is an event that arrived but could not run."""
        return self.status == "refused"

    @property
    def duration_ms(self) -> int | None:
        """Return how long the run took, or has taken so far, in milliseconds."""
        if self.started_at is None:
            return None
        end = self.finished_at or utcnow()
        return int((end - self.started_at).total_seconds() * 1000)


class Execution(RunTiming, db.Model):
    """A run: queued, then claimed by one worker, then finished."""

    __tablename__ = "executions"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'success', 'failure', 'cancelled', "
            "'refused')",
            name="status_valid",
        ),
        # The execution log, newest first, keyset-paginated on (created_at, id).
        # Both databases scan these backwards for ORDER BY ... DESC. Retention
        # prunes each person's old runs through the first one as well.
        Index("ix_executions_user_created", "user_id", "created_at", "id"),
        Index("ix_executions_workflow_created", "workflow_id", "created_at", "id"),
        # One index serves the log filtered by status (keyset on created_at, id)
        # and the dashboard's counts, chart and median run time, read from it
        # alone (an index-only scan on PostgreSQL): one range per status, with
        # timings and the trigger type that leaves test runs out. Every index
        # here is written twice per run (its insert, then its finish), so there
        # are as few as the pages need (issue 20).
        Index(
            "ix_executions_user_status_timing",
            "user_id",
            "status",
            "created_at",
            "id",
            "started_at",
            "finished_at",
            "trigger_type",
        ),
        # Fair shares count each person's running runs, and the sweep reads
        # them all: an index of running rows only. An index of every row's
        # status offered the planner a path that looked selective to its
        # statistics (few rows queued or running) and read a whole backlog on
        # every claim (issue 20); a run's finish adds no entry here.
        Index(
            "ix_executions_running",
            "user_id",
            postgresql_where=text(RUNNING),
            sqlite_where=text(RUNNING),
        ),
        # Claims skip through the queue person by person, each person's runs in
        # order (claim_next.queue_heads): an index of queued rows only, so it stays
        # as small as the queue however long the history.
        Index(
            "ix_executions_queued",
            "user_id",
            "id",
            postgresql_where=text(QUEUED),
            sqlite_where=text(QUEUED),
        ),
        # Runs with a dedupe key are the few (schedules, Idempotency-Key, replays):
        # the unique index holds only those, not an entry for every webhook run.
        Index(
            "uq_executions_dedupe_key",
            "dedupe_key",
            unique=True,
            postgresql_where=text(DEDUPED),
            sqlite_where=text(DEDUPED),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[int] = mapped_column(
        ForeignKey("workflows.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    # Copied from the trigger that started the run, for filtering the log.
    trigger_type: Mapped[str] = mapped_column(String(32), default="manual")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    error_log: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)
    # "schedule:<workflow>:<fire time>" or "webhook:<workflow>:<Idempotency-Key>":
    # a second insert with the same key fails, so the run happens once.
    dedupe_key: Mapped[str | None] = mapped_column(String(255))

    workflow: Mapped[Workflow] = relationship(lazy="select")

    @property
    def trigger_payload(self) -> dict[str, Any] | None:
        """What the trigger handed the run (body, headers, query…), if anything."""
        trigger = self._meta.get("trigger")
        return trigger if isinstance(trigger, dict) else None

    @property
    def started_by(self) -> str | None:
        """Who pressed Run now (a person, an API token, an outside engine)."""
        who = (self.trigger_payload or {}).get("started_by")
        return who if isinstance(who, str) else None

    @property
    def retry_of(self) -> int | None:
        """The id of the run this one retries, if it is a retry."""
        value = self._meta.get("retry_of")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def replay_of(self) -> int | None:
        """The id of the refused event this run replays, if it is a replay."""
        return self._int("replay_of")

    @property
    def start_step(self) -> int | None:
        """The step (1-based) a retry started at, reusing the outputs before it."""
        return self._int("start_step")

    def _int(self, key: str) -> int | None:
        value = self._meta.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def worker(self) -> str | None:
        """Which worker ran it (`thread:host:pid`, `celery:…`, `demo`)."""
        value = self._meta.get("worker")
        return value if isinstance(value, str) else None

    @property
    def _meta(self) -> dict[str, Any]:
        return self.meta if isinstance(self.meta, dict) else {}

    def __repr__(self) -> str:
        return f"<Execution {self.id} {self.status}>"

"""What the dashboard shows: counts, live runs, failures and connections to look at.

Every function takes the person's id (and `now` where time matters), so tests
pass a fixed clock. The windowed run figures live in figures.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, distinct, func, select

from synth_web.dashboard.figures import (
    UNFINISHED,
    RunSummary,
    median_run_time,
    run_summary,
    turn_off_jit,
)
from synth_web.dashboard.memo import Figures, remembered
from synth_web.engine.apps import app_label
from synth_web.engine.triggers import TEST
from synth_web.executions.listing import RunRow, row_query, to_rows
from synth_web.extensions import db
from synth_web.models import ChatMessage, Connection, Execution, Memory, Workflow
from synth_web.words import plural

RUNNING_SHOWN = 10
FAILURES_SHOWN = 5


@dataclass(frozen=True)
class Attention:
    """A connection that is off or failed its latest check."""

    id: int
    name: str
    is_off: bool
    error: str | None


@dataclass
class Dashboard:
    """Everything the dashboard page shows."""

    workflows: int = 0
    active_workflows: int = 0
    runs: RunSummary = field(default_factory=RunSummary)
    median: timedelta | None = None
    # When the run figures were computed: `now`, or a few seconds before it.
    as_of: datetime | None = None
    running: list[RunRow] = field(default_factory=list)
    running_total: int = 0
    failures: list[RunRow] = field(default_factory=list)
    connections: int = 0
    attention: list[Attention] = field(default_factory=list)
    memories: int = 0
    conversations: int = 0
    # "12 events refused while Slack was off": the 7 days' refused events,
    # on their own (they are not runs, so no success rate counts them).
    refused: list[str] = field(default_factory=list)

    @property
    def median_ms(self) -> float | None:
        """Return the median run time in milliseconds, for the duration filter."""
        return self.median.total_seconds() * 1000 if self.median is not None else None

    @property
    def is_new(self) -> bool:
        """Tell whether the person has not made a workflow yet."""
        return self.workflows == 0


def workflow_counts(user_id: int) -> tuple[int, int]:
    """Return how many workflows the person has, and how many are active."""
    active = func.coalesce(func.sum(case((Workflow.status == "active", 1), else_=0)), 0)
    row = db.session.execute(
        select(func.count(), active).where(Workflow.user_id == user_id)
    ).one()
    return int(row[0]), int(row[1])


def running_now(user_id: int, limit: int = RUNNING_SHOWN) -> list[RunRow]:
    """Return the person's queued and running runs, newest first."""
    query = (
        row_query()
        .where(Execution.user_id == user_id, Execution.status.in_(UNFINISHED))
        .order_by(Execution.created_at.desc(), Execution.id.desc())
        .limit(limit)
    )
    return to_rows(db.session.execute(query))


def running_total(user_id: int) -> int:
    """Return how many of the person's runs are queued or running."""
    query = select(func.count()).where(
        Execution.user_id == user_id, Execution.status.in_(UNFINISHED)
    )
    return db.session.scalar(query) or 0


def recent_failures(user_id: int, limit: int = FAILURES_SHOWN) -> list[RunRow]:
    """Return the person's latest failed runs, newest first."""
    query = (
        row_query()
        .where(
            Execution.user_id == user_id,
            Execution.status == "failure",
            Execution.trigger_type != TEST,
        )
        .order_by(Execution.created_at.desc(), Execution.id.desc())
        .limit(limit)
    )
    return to_rows(db.session.execute(query))


def connections_to_check(user_id: int) -> tuple[int, list[Attention]]:
    """Return how many connections the person has, and those off or failing."""
    connections = db.session.scalars(
        select(Connection)
        .where(Connection.user_id == user_id)
        .order_by(Connection.app_name)
    ).all()
    attention = []
    for connection in connections:
        last_error = connection.last_error
        if connection.is_active and last_error is None:
            continue
        attention.append(
            Attention(
                connection.id,
                app_label(connection.app_name),
                not connection.is_active,
                last_error.message if last_error else None,
            )
        )
    return len(connections), attention


def memory_count(user_id: int) -> int:
    """Return how many memory entries the person has."""
    query = select(func.count()).select_from(Memory).where(Memory.user_id == user_id)
    return db.session.scalar(query) or 0


def conversation_count(user_id: int) -> int:
    """Return how many conversations the person has had."""
    query = select(func.count(distinct(ChatMessage.conversation_id))).where(
        ChatMessage.user_id == user_id
    )
    return db.session.scalar(query) or 0


def running_block(user_id: int) -> tuple[list[RunRow], int]:
    """Return the runs the live block shows, and how many there are in all."""
    rows = running_now(user_id)
    total = len(rows) if len(rows) < RUNNING_SHOWN else running_total(user_id)
    return rows, total


def run_figures(user_id: int, now: datetime, zone: ZoneInfo) -> Figures:
    """Compute the windowed run counts, the chart's days and the median."""
    turn_off_jit()
    runs = run_summary(user_id, now, zone)
    median = median_run_time(user_id, now) if runs.finished_7d else None
    return Figures(now, runs, median)


def build_dashboard(user_id: int, now: datetime, zone: ZoneInfo) -> Dashboard:
    """Gather everything the dashboard shows for a person at a moment."""
    workflows, active = workflow_counts(user_id)
    connections, attention = connections_to_check(user_id)
    board = Dashboard(
        workflows=workflows,
        active_workflows=active,
        connections=connections,
        attention=attention,
        memories=memory_count(user_id),
        conversations=conversation_count(user_id),
    )
    if board.is_new:
        return board
    figures = remembered(
        (user_id, zone.key), now, lambda: run_figures(user_id, now, zone)
    )
    board.runs, board.median, board.as_of = figures.runs, figures.median, figures.as_of
    board.running, board.running_total = running_block(user_id)
    board.failures = recent_failures(user_id)
    board.refused = refused_lines(user_id, now)
    return board


def refused_lines(user_id: int, now: datetime) -> list[str]:
    """Say how many events were refused in 7 days, grouped by why."""
    because = Execution.meta[("refused", "because")].as_string()
    rows = db.session.execute(
        select(because, func.count())
        .where(
            Execution.user_id == user_id,
            Execution.status == "refused",
            Execution.created_at > now - timedelta(days=7),
        )
        .group_by(because)
        .order_by(func.count().desc())
    )
    return [
        f"{plural(count, 'event')} refused {why or 'while the workflow could not run'}"
        for why, count in rows
    ]

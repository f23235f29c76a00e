"""The dashboard's run figures, each a function of the person and of `now`.

Definitions (docs/decisions.md repeats them):

- "Runs in the last 24 h" are the runs whose `created_at` is in `(now - 24 h, now]`,
  an absolute window, not "today" in the person's zone; "7 days" likewise.
- The success rate over 7 days is success / (success + failure) among the runs of
  that window. Cancelled runs are left out (nobody learns from them whether the
  workflow works), as are runs still queued or running; a run that a filter step
  ended early is a success. No finished run: no rate ("—").
- The median run time is the median of `finished_at - started_at` over the
  successful and failed runs of the 7-day window (cancelled runs are left out too:
  their time is when someone stopped them, not how long the work takes).
- Test runs (Test step in the editor) are left out of every figure.
- The chart's 14 days are calendar days in the person's time zone, today included.

Every count, the chart's included, comes from one statement: the window edges
(the chart's local midnights and the first instants of the 24-hour and 7-day
windows) cut time into slots, the database counts each (slot, status) range on the
index (user_id, status, created_at, ...), and Python adds the slots up. The edges
are UTC instants computed here with zoneinfo, so both databases agree and days of
23 or 25 hours (clock changes) come out right.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Interval, ScalarSelect, func, select, text, type_coerce

from synth_web.engine.triggers import TEST
from synth_web.extensions import db
from synth_web.models import Execution

CHART_DAYS = 14
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
# Timestamps keep microseconds on both databases: the first instant after an edge.
TICK = timedelta(microseconds=1)
UNFINISHED = ("queued", "running")
COUNTED = ("queued", "running", "success", "failure", "cancelled")
TIMED = ("success", "failure")
# Test step runs are tries, not the workflow at work: the figures leave them out
# (read from the timing index, which ends with the trigger type).
NOT_A_TEST = Execution.trigger_type != TEST


@dataclass(frozen=True)
class DayCount:
    """One calendar day of the chart, in the person's zone."""

    day: date
    succeeded: int = 0
    failed: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        """Return the runs drawn for the day (cancelled ones are not)."""
        return self.succeeded + self.failed

    @property
    def label(self) -> str:
        """Say the day and its numbers in words, for a bar's accessible name."""
        return (
            f"{self.day:%a} {self.day.day} {self.day:%b}: "
            f"{self.succeeded} succeeded, {self.failed} failed"
        )


@dataclass(frozen=True)
class RunSummary:
    """Counts of the 24-hour and 7-day windows and the chart's days."""

    last_24h: int = 0
    last_7d: int = 0
    succeeded_7d: int = 0
    failed_7d: int = 0
    days: list[DayCount] = field(default_factory=list)

    @property
    def finished_7d(self) -> int:
        """Return the runs the success rate is computed over."""
        return self.succeeded_7d + self.failed_7d

    @property
    def success_rate(self) -> float | None:
        """Return success / (success + failure) over 7 days, None without runs."""
        if not self.finished_7d:
            return None
        return self.succeeded_7d / self.finished_7d

    @property
    def rate_text(self) -> str:
        """Write the success rate as a percentage, "—" without finished runs.

        Rounding never shows 100% while a run failed, nor 0% while one succeeded.
        """
        rate = self.success_rate
        if rate is None:
            return "—"
        percent = rate * 100
        if self.failed_7d and percent >= 99.5:
            return f"{math.floor(percent * 10) / 10}%"
        if self.succeeded_7d and percent < 0.5:
            return f"{math.ceil(percent * 10) / 10}%"
        # Half up (Python's round() would give 62% for 62.5%).
        return f"{math.floor(percent + 0.5)}%"

    @property
    def chart_total(self) -> int:
        """Return how many runs the chart draws."""
        return sum(day.total for day in self.days)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Return the UTC instant a local calendar day starts at."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def chart_days(now: datetime, zone: ZoneInfo) -> list[date]:
    """Return the chart's calendar days in the person's zone, oldest first."""
    today = now.astimezone(zone).date()
    return [today - timedelta(days=back) for back in range(CHART_DAYS - 1, -1, -1)]


def window_edges(now: datetime, zone: ZoneInfo) -> list[datetime]:
    """Return the sorted UTC instants where a run's slot changes.

    Each local day start of the chart, and the first instant inside the 7-day
    and the 24-hour windows (both exclude their start: `(now - 24 h, now]`).
    """
    starts = {day_start(day, zone) for day in chart_days(now, zone)}
    return sorted(starts | {now - WEEK + TICK, now - DAY + TICK})


def slot_counts(
    user_id: int, edges: list[datetime], now: datetime
) -> list[ScalarSelect[int]]:
    """Build one range count per (slot, status), slot i from edges[i] to the next.

    Each is a plain count over one range of (user_id, status, created_at): an
    index-only scan that evaluates nothing per row, so one statement of ~80 of
    them reads the 14 days faster than grouping by a computed slot (75 ms against
    175 ms for 500,000 runs).
    """
    counts = []
    for index, start in enumerate(edges):
        ends = (
            Execution.created_at < edges[index + 1]
            if index + 1 < len(edges)
            else Execution.created_at <= now
        )
        for status in COUNTED:
            counts.append(
                select(func.count())
                .select_from(Execution)
                .where(
                    Execution.user_id == user_id,
                    Execution.status == status,
                    Execution.created_at >= start,
                    ends,
                    NOT_A_TEST,
                )
                .scalar_subquery()
            )
    return counts


def turn_off_jit() -> None:
    """Skip PostgreSQL's JIT for this transaction: compiling costs more than it saves.

    The dashboard's aggregates read many index entries but do little with each;
    above `jit_above_cost` PostgreSQL would spend tens of milliseconds compiling.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def run_summary(user_id: int, now: datetime, zone: ZoneInfo) -> RunSummary:
    """Count the person's runs in the 24-hour and 7-day windows and per chart day."""
    edges = window_edges(now, zone)
    counts = db.session.execute(select(*slot_counts(user_id, edges, now))).one()
    slots = [(i, status) for i in range(len(edges)) for status in COUNTED]
    rows = [(i, status, n) for (i, status), n in zip(slots, counts, strict=True) if n]
    return summarize(rows, edges, now, zone)


def summarize(
    rows: Iterable[tuple[int, str, int]],
    edges: list[datetime],
    now: datetime,
    zone: ZoneInfo,
) -> RunSummary:
    """Add up (slot, status, runs) rows into the windows and the chart's days."""
    days = chart_days(now, zone)
    starts = [day_start(day, zone) for day in days]
    per_day = {day: {"success": 0, "failure": 0, "cancelled": 0} for day in days}
    week_start, day_window = now - WEEK + TICK, now - DAY + TICK
    last_24h = last_7d = succeeded = failed = 0
    for slot, status, runs in rows:
        begins = edges[slot]
        day = days[max(i for i, start in enumerate(starts) if start <= begins)]
        if status in per_day[day]:
            per_day[day][status] += runs
        if begins >= day_window:
            last_24h += runs
        if begins >= week_start:
            last_7d += runs
            succeeded += runs if status == "success" else 0
            failed += runs if status == "failure" else 0
    return RunSummary(
        last_24h=last_24h,
        last_7d=last_7d,
        succeeded_7d=succeeded,
        failed_7d=failed,
        days=[
            DayCount(day, c["success"], c["failure"], c["cancelled"])
            for day, c in per_day.items()
        ],
    )


def median_run_time(user_id: int, now: datetime) -> timedelta | None:
    """Return the median time of the 7-day window's successful and failed runs.

    PostgreSQL computes it with percentile_cont. SQLite has no percentile: it
    counts the runs, then sorts the window's durations in the database and reads
    the middle one (or two, averaged), so no rows travel to Python.
    """
    where = (
        Execution.user_id == user_id,
        Execution.status.in_(TIMED),
        Execution.created_at > now - WEEK,
        Execution.created_at <= now,
        Execution.started_at.is_not(None),
        Execution.finished_at.is_not(None),
        NOT_A_TEST,
    )
    if db.session.get_bind().dialect.name == "postgresql":
        took = type_coerce(Execution.finished_at - Execution.started_at, Interval())
        median = func.percentile_cont(0.5).within_group(took)
        return db.session.scalar(select(median).where(*where))
    count = db.session.scalar(select(func.count()).select_from(Execution).where(*where))
    if not count:
        return None
    ms = (
        func.julianday(Execution.finished_at) - func.julianday(Execution.started_at)
    ) * 86_400_000
    middle = db.session.scalars(
        select(ms)
        .where(*where)
        .order_by(ms)
        .limit(2 - count % 2)
        .offset((count - 1) // 2)
    ).all()
    # julianday() is a double: about 50 µs of precision, so whole milliseconds.
    return timedelta(milliseconds=sum(round(value) for value in middle) / len(middle))

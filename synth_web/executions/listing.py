"""The execution log: filters, keyset pages on (created_at, id) and list rows.

Pages never use OFFSET and never COUNT the table: a page is the 50 rows after (or
before) a cursor, read backwards along an index that starts with the user (or the
workflow) and ends with (created_at, id). One extra row tells whether there is more.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select, tuple_

from synth_web.extensions import db
from synth_web.inputs import whole_number
from synth_web.models import Execution, Workflow, utcnow
from synth_web.models.execution import RunTiming

PAGE_SIZE = 50
ERROR_PREVIEW_CHARS = 300


class BadCursor(ValueError):
    """A page link whose cursor cannot be read."""


@dataclass(frozen=True)
class Filters:
    """What the person narrowed the log to; every value lives in the URL."""

    status: str | None = None
    workflow_id: int | None = None
    trigger_type: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str | None = None

    def as_args(self) -> dict[str, str]:
        """Return the filters as URL query arguments, leaving out empty ones."""
        args = {
            "status": self.status,
            "workflow": str(self.workflow_id) if self.workflow_id else None,
            "trigger": self.trigger_type,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "q": self.text,
        }
        return {key: value for key, value in args.items() if value}

    @property
    def active(self) -> bool:
        """Tell whether any filter narrows the log."""
        return bool(self.as_args())


@dataclass
class RunRow(RunTiming):
    """One line of a run list: only what a row shows, never the big JSON columns."""

    id: int
    status: str
    trigger_type: str
    workflow_id: int
    workflow_name: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error_preview: str | None
    filtered: bool = False
    retry_of: int | None = None
    started_by: str | None = None

    @property
    def first_error_line(self) -> str | None:
        """Return the first line of the error log, if there is one."""
        return first_line(self.error_preview)

    @property
    def error_summary(self) -> str | None:
        """Say which step failed and why, short enough for a row of a list."""
        return error_summary(self.error_preview)


@dataclass
class Page:
    """One page of runs and the cursors that lead to its neighbours."""

    rows: list[RunRow] = field(default_factory=list)
    older: str | None = None
    newer: str | None = None
    is_first: bool = True

    @property
    def label(self) -> str:
        """Say how many runs are shown without counting the whole table."""
        if not self.rows:
            return "No runs"
        more = "+" if self.older and self.is_first else ""
        noun = "run" if len(self.rows) == 1 and not more else "runs"
        return f"{len(self.rows)}{more} {noun}"


def first_line(text: str | None, limit: int = 160) -> str | None:
    """Return the first non-empty line of a text, cut to a readable length."""
    for line in (text or "").splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return None


# How the runner words a failed step: "Step 2 of 3, `notify` (slack.post_message)
# failed: <reason>". A list has room for the step's id and the reason only.
RUNNER_ERROR = re.compile(
    r"^Step \d+ of \d+, `(?P<step>[^`]+)` \([^)]*\) failed: (?P<reason>.+)$"
)


def error_summary(text: str | None) -> str | None:
    """Return "`step`: reason" for the runner's wording, else the first line."""
    line = first_line(text, limit=10_000)
    match = RUNNER_ERROR.match(line or "")
    if match:
        line = f"`{match['step']}`: {match['reason']}"
    return first_line(line)


def encode_cursor(created_at: datetime, execution_id: int) -> str:
    """Pack a row's place in the order into an opaque, URL-safe string."""
    raw = f"{created_at.astimezone(UTC).isoformat()}|{execution_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[datetime, int]:
    """Unpack a cursor, or raise BadCursor."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        stamp, _, number = raw.partition("|")
        created_at, execution_id = datetime.fromisoformat(stamp), whole_number(number)
        # 0001-01-01T00:00:00+14:00 is a valid text but before year 1 in UTC.
        created_at = created_at.astimezone(UTC) if created_at.tzinfo else None
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError) as exc:
        raise BadCursor(token) from exc
    if created_at is None or execution_id is None:
        raise BadCursor(token)
    return created_at, execution_id


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Return the UTC instant a local calendar day starts at."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def like_pattern(text: str) -> str:
    """Turn typed text into a LIKE pattern that matches it literally anywhere."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def row_query() -> Select[Any]:
    """Select the columns a run row shows, with the workflow's name."""
    meta = Execution.meta
    return select(
        Execution.id,
        Execution.status,
        Execution.trigger_type,
        Execution.workflow_id,
        Workflow.name.label("workflow_name"),
        Execution.created_at,
        Execution.started_at,
        Execution.finished_at,
        func.substr(Execution.error_log, 1, ERROR_PREVIEW_CHARS).label("error_preview"),
        # Single values out of the metadata JSON: the trigger payload it also
        # holds can be large, and a list never needs it.
        meta["filtered"].as_boolean().label("filtered"),
        meta["retry_of"].as_integer().label("retry_of"),
        meta[("trigger", "started_by")].as_string().label("started_by"),
    ).join(Workflow, Workflow.id == Execution.workflow_id)


def to_rows(rows: Any) -> list[RunRow]:
    """Build RunRow objects from selected rows."""
    return [RunRow(**{**row._mapping, "filtered": bool(row.filtered)}) for row in rows]


def filtered_query(user_id: int, filters: Filters, zone: ZoneInfo) -> Select[Any]:
    """Apply the person's filters to the row query."""
    query = row_query().where(Execution.user_id == user_id)
    if filters.status:
        query = query.where(Execution.status == filters.status)
    if filters.workflow_id:
        query = query.where(Execution.workflow_id == filters.workflow_id)
    if filters.trigger_type:
        query = query.where(Execution.trigger_type == filters.trigger_type)
    if filters.date_from:
        query = query.where(Execution.created_at >= day_start(filters.date_from, zone))
    if filters.date_to:
        end = day_start(filters.date_to + timedelta(days=1), zone)
        query = query.where(Execution.created_at < end)
    if filters.text:
        query = query.where(
            Execution.error_log.ilike(like_pattern(filters.text), escape="\\")
        )
    return query


def page_query(
    user_id: int,
    filters: Filters,
    zone: ZoneInfo,
    older: tuple[datetime, int] | None = None,
    size: int = PAGE_SIZE,
) -> Select[Any]:
    """Return the query of one page, newest first, starting below a cursor."""
    query = filtered_query(user_id, filters, zone)
    if older is not None:
        query = query.where(tuple_(Execution.created_at, Execution.id) < older)
    order = (Execution.created_at.desc(), Execution.id.desc())
    return query.order_by(*order).limit(size + 1)


def newer_query(
    user_id: int,
    filters: Filters,
    zone: ZoneInfo,
    newer: tuple[datetime, int],
    size: int = PAGE_SIZE,
) -> Select[Any]:
    """Return the query of the page just above a cursor, oldest first."""
    query = filtered_query(user_id, filters, zone)
    query = query.where(tuple_(Execution.created_at, Execution.id) > newer)
    order = (Execution.created_at.asc(), Execution.id.asc())
    return query.order_by(*order).limit(size + 1)


def list_runs(
    user_id: int,
    filters: Filters,
    zone: ZoneInfo,
    older: str | None = None,
    newer: str | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """Return one page of a person's runs, newest first; cursors may raise."""
    if newer:
        query = newer_query(user_id, filters, zone, decode_cursor(newer), size)
        rows = to_rows(db.session.execute(query))
        if len(rows) > size:
            # Still runs newer than this page: show the page just above the cursor.
            rows = list(reversed(rows[:size]))
            return Page(rows, older=cursor_of(rows[-1]), newer=cursor_of(rows[0]))
        # Reached the top: the newest page is the honest answer.
        older = None
    place = decode_cursor(older) if older else None
    rows = to_rows(db.session.execute(page_query(user_id, filters, zone, place, size)))
    more = len(rows) > size
    rows = rows[:size]
    return Page(
        rows,
        older=cursor_of(rows[-1]) if more else None,
        newer=cursor_of(rows[0]) if older and rows else None,
        is_first=not older,
    )


def cursor_of(row: RunRow) -> str:
    """Return the cursor that points at a row."""
    return encode_cursor(row.created_at, row.id)


def live_cursor(rows: list[RunRow]) -> str:
    """Return where a live list starts watching: its newest row, or now."""
    if rows:
        return cursor_of(rows[0])
    # Run ids start at 1; any run created after now is newer than (now, 1).
    return encode_cursor(utcnow(), 1)


def arrived_since(
    user_id: int, filters: Filters, zone: ZoneInfo, since: tuple[datetime, int]
) -> bool:
    """Tell whether a run matching the filters arrived after a cursor."""
    query = filtered_query(user_id, filters, zone).where(
        tuple_(Execution.created_at, Execution.id) > since
    )
    return db.session.execute(query.limit(1)).first() is not None

"""New execution rows: a run queued (or inserted already claimed), or an event refused.

One INSERT per row, built once per shape (Core, not the ORM's bulk insert: the
webhook's hot path paid more CPU to build and adapt the statement than to run
it), deduplicated on `dedupe_key`; the new row comes back as a clean Execution.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import bindparam, case, select, text
from sqlalchemy.dialects import postgresql, sqlite

from synth_web.engine.claims import fair_share, room_for_one_more
from synth_web.engine.runs import jsonable
from synth_web.engine.triggers import EXTERNAL
from synth_web.extensions import db
from synth_web.models import Execution, Workflow, detached, utcnow
from synth_web.models.execution import DEDUPED
from synth_web.models.types import UTCDateTime


def enqueue(
    workflow: Workflow,
    trigger_type: str,
    trigger: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
    meta: dict[str, Any] | None = None,
    results: list[dict[str, Any]] | None = None,
    claimed: bool = False,
) -> tuple[Execution, bool]:
    """Insert a queued execution; return it and whether it is new.

    `results` are step records it starts with (a retry from a step reuses them).
    `claimed` inserts it already running (with its heartbeat) when its owner is
    under their fair share and has nothing queued before it, in the same single
    statement; otherwise it is queued as usual. The caller reads `status`.

    With a dedupe key that already exists, nothing is inserted and the first
    execution is returned instead: schedule ticks and idempotent webhooks run once.
    """
    values = _row(workflow, "queued", trigger_type, trigger or {}, meta, dedupe_key)
    values["results"] = jsonable(results or [])
    return insert_once(values, claimed=claimed and trigger_type != EXTERNAL)


def refuse(
    workflow: Workflow,
    trigger_type: str,
    trigger: dict[str, Any],
    reason: str,
    dedupe_key: str | None = None,
    meta: dict[str, Any] | None = None,
) -> tuple[Execution, bool]:
    """Keep an event that arrived but could not run, finished as `refused`.

    It never runs: it waits, with its payload and the reason in words, for a
    person to replay it. Its dedupe key makes a sender's retries one event.
    """
    values = _row(workflow, "refused", trigger_type, trigger, meta, dedupe_key)
    values.update(finished_at=values["created_at"], error_log=reason, results=[])
    return insert_once(values)


def _row(
    workflow: Workflow,
    status: str,
    trigger_type: str,
    trigger: dict[str, Any],
    meta: dict[str, Any] | None,
    dedupe_key: str | None,
) -> dict[str, Any]:
    """The values every new row of a workflow's run has, created now."""
    return {
        "workflow_id": workflow.id,
        "user_id": workflow.user_id,
        "status": status,
        "trigger_type": trigger_type,
        "created_at": utcnow(),
        "meta": jsonable(
            {"trigger_type": trigger_type, "trigger": trigger, **(meta or {})}
        ),
        "dedupe_key": dedupe_key,
    }


# Every column of a new row: the ones a caller does not give start empty.
_EMPTY = {
    "started_at": None,
    "finished_at": None,
    "heartbeat_at": None,
    "error_log": None,
    "dedupe_key": None,
}


def insert_once(
    values: dict[str, Any], claimed: bool = False
) -> tuple[Execution, bool]:
    """Insert an execution row unless its dedupe key exists; return it and if new.

    `claimed` inserts it running when its owner has room (see enqueue). One
    INSERT built once per shape (Core, not the ORM's bulk insert: the webhook's
    hot path paid more CPU to build and adapt the statement than to run it);
    the new row comes back as a clean Execution, with no SELECT to read it.
    """
    values = {**_EMPTY, **values}
    dedupe_key = values["dedupe_key"]
    params = {
        ("metadata" if key == "meta" else key): value for key, value in values.items()
    }
    if claimed:
        params.update(room_user=values["user_id"], room_at=values["created_at"])
        for key in ("status", "started_at", "heartbeat_at"):
            del params[key]
    session = db.session()
    dialect = session.get_bind().dialect.name
    statement = _insert_statement(
        dialect, claimed, dedupe_key is not None, fair_share() if claimed else 0
    )
    row = session.connection().execute(statement, params).first()
    # Keep what the caller holds (its workflow) loaded: no SELECT to read it back.
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
    if row is None:
        existing = db.session.scalar(
            select(Execution).where(Execution.dedupe_key == dedupe_key)
        )
        return existing, False
    values.update(id=row.id, status=row.status, started_at=row.started_at)
    values["heartbeat_at"] = row.started_at
    execution = detached(Execution, values)
    session.add(execution)  # persistent and loaded: its workflow still lazy-loads
    return execution, True


@cache
def _insert_statement(dialect: str, claimed: bool, deduped: bool, share: int) -> Any:
    """Build the INSERT of one shape; its values are bound at execution."""
    table = Execution.__table__
    statement = insert_for(dialect)(table)
    if claimed:
        room = room_for_one_more(bindparam("room_user"), share)
        at = bindparam("room_at", type_=UTCDateTime())
        statement = statement.values(
            status=case((room, "running"), else_="queued"),
            started_at=case((room, at), else_=None),
            heartbeat_at=case((room, at), else_=None),
        )
    if deduped:
        # The unique index holds keyed rows only: the conflict target says so.
        statement = statement.on_conflict_do_nothing(
            index_elements=["dedupe_key"], index_where=text(DEDUPED)
        )
    return statement.returning(table.c.id, table.c.status, table.c.started_at)


def insert_for(dialect: str) -> Any:
    """Return the INSERT construct that knows ON CONFLICT for this dialect."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert

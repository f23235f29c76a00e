"""The life of an execution row: enqueue, refuse, claim, cancel, retry, sweep, prune.

Everything that changes an execution's status is an UPDATE guarded by the status it
expects, so two workers, a cancel and a sweep can race without breaking a run.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, case, delete, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from synth_web.engine.triggers import EXTERNAL
from synth_web.extensions import db
from synth_web.models import FINISHED_STATUSES, Execution, Workflow, utcnow
from synth_web.models.types import UTCDateTime

STALE_REASON = (
    "The worker running this stopped responding (no heartbeat for {seconds} s). "
    "Steps recorded before that are kept."
)
EXTERNAL_STALE_REASON = (
    "The outside engine running this sent no report for {seconds} s, so Synth "
    "ended it. Steps reported before that are kept."
)


def is_live_work() -> Any:
    """Match runs that are real work, not recorded showcases.

    The demo's queued and running runs are recorded (`metadata.recorded`): the pool
    never picks them up and the sweep never ends them.
    """
    return func.coalesce(Execution.meta["recorded"].as_boolean(), False).is_(False)


def jsonable(value: Any) -> Any:
    """Return a copy of a value that JSON columns can store (datetimes as text)."""
    return json.loads(json.dumps(value, default=str))


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
    now = utcnow()
    values = {
        "workflow_id": workflow.id,
        "user_id": workflow.user_id,
        "status": "queued",
        "trigger_type": trigger_type,
        "created_at": now,
        "results": jsonable(results or []),
        "meta": jsonable(
            {"trigger_type": trigger_type, "trigger": trigger or {}, **(meta or {})}
        ),
        "dedupe_key": dedupe_key,
    }
    if claimed and trigger_type != EXTERNAL:
        room = room_for_one_more(workflow.user_id)
        values["status"] = case((room, "running"), else_="queued")
        at = literal(now, UTCDateTime())
        values["started_at"] = case((room, at), else_=None)
        values["heartbeat_at"] = case((room, at), else_=None)
    return insert_once(values)


@cache
def _alias(name: str) -> Any:
    """Another name for the executions table, in Core, made once per name.

    An ORM `aliased()` costs milliseconds of adaptation each time it is built,
    and even a Core alias copies every column: the hot path builds these on
    every webhook and every claim (issue 20).
    """
    return Execution.__table__.alias(name)


def not_recorded(table: Any) -> Any:
    """Match rows of a Core alias that are real work (see is_live_work)."""
    return func.coalesce(table.c.metadata["recorded"].as_boolean(), False).is_(False)


def running_count(other: Any, user_id: Any) -> Any:
    """Count, as a subquery, the runs a person has running here (not outside ones)."""
    return (
        select(func.count(other.c.id))
        .where(
            other.c.user_id == user_id,
            other.c.status == "running",
            other.c.trigger_type != EXTERNAL,
        )
        .scalar_subquery()
    )


def queued_of(earlier: Any, user_id: Any) -> Any:
    """Select a person's queued runs that will run here (not recorded, not outside)."""
    return select(earlier.c.id).where(
        earlier.c.user_id == user_id,
        earlier.c.status == "queued",
        earlier.c.trigger_type != EXTERNAL,
        not_recorded(earlier),
    )


def room_for_one_more(user_id: int) -> Any:
    """Match when a new run of this person may start at once (see under_fair_share).

    Nothing of theirs waits queued before it, and they run fewer than their fair
    share: the same rule a claim applies, for a row not inserted yet.
    """
    running = running_count(_alias("running_now"), user_id)
    waiting = queued_of(_alias("queued_before"), user_id).exists()
    return (running < fair_share()) & ~waiting


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
    now = utcnow()
    values = {
        "workflow_id": workflow.id,
        "user_id": workflow.user_id,
        "status": "refused",
        "trigger_type": trigger_type,
        "created_at": now,
        "finished_at": now,
        "error_log": reason,
        "results": [],
        "meta": jsonable(
            {"trigger_type": trigger_type, "trigger": trigger, **(meta or {})}
        ),
        "dedupe_key": dedupe_key,
    }
    return insert_once(values)


def insert_once(values: dict[str, Any]) -> tuple[Execution, bool]:
    """Insert an execution row unless its dedupe key exists; return it and if new."""
    dedupe_key = values.get("dedupe_key")
    statement = insert_for(db.session.get_bind().dialect.name)(Execution).values(values)
    if dedupe_key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
    session = db.session()
    execution = session.scalars(statement.returning(Execution)).first()
    # Keep the row just returned loaded: no SELECT to read back what we wrote.
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
    if execution is None:
        existing = db.session.scalar(
            select(Execution).where(Execution.dedupe_key == dedupe_key)
        )
        return existing, False
    return execution, True


def insert_for(dialect: str) -> Any:
    """Return the INSERT construct that knows ON CONFLICT for this dialect."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _write(statement: Any, conn: Connection | None, returning: bool = False) -> Any:
    """Run one UPDATE and commit it; return its scalar (RETURNING) or row count.

    The runner passes its own autocommit connection (one round trip per write);
    everyone else goes through the request's session.
    """
    statement = statement.execution_options(synchronize_session=False)
    if conn is not None:
        result = conn.execute(statement)
        return result.scalar() if returning else result.rowcount
    result = db.session.execute(statement)
    value = result.scalar() if returning else result.rowcount
    db.session.commit()
    return value


def claim(execution_id: int, conn: Connection | None = None) -> bool:
    """Atomically move a queued run to running; only one caller ever wins.

    A person already running their fair share (SYNTH_MAX_RUNNING_PER_USER) does
    not get another: the UPDATE matches nothing and the run waits in the queue,
    at the cost of this one round trip. Runs reported by outside engines are
    never claimed: they run elsewhere.
    """
    params = {"claim_id": execution_id, "claim_now": utcnow()}
    statement = _claim_statement(fair_share())
    if conn is not None:
        return conn.execute(statement, params).rowcount == 1
    claimed = db.session.execute(statement, params).rowcount == 1
    db.session.commit()
    return claimed


@cache
def _claim_statement(share: int) -> Any:
    """Build claim's UPDATE once per fair share: only its parameters change."""
    now = bindparam("claim_now", type_=UTCDateTime())
    return (
        update(Execution.__table__)
        .where(
            Execution.__table__.c.id == bindparam("claim_id"),
            Execution.__table__.c.status == "queued",
            Execution.__table__.c.trigger_type != EXTERNAL,
            under_fair_share(
                Execution.__table__.c.user_id, Execution.__table__.c.id, share=share
            ),
        )
        .values(status="running", started_at=now, heartbeat_at=now)
    )


def fair_share() -> int:
    """Return how many runs one person may have running at once."""
    return max(1, int(current_app.config["SYNTH_MAX_RUNNING_PER_USER"]))


def claim_next(conn: Connection) -> int | None:
    """Claim the oldest queued run that may start now; return its id, or None.

    A run ending here takes the next one in the same thread (one statement), in
    queue order and within fair shares, instead of each queued run's own claim
    failing until its turn. On PostgreSQL, SKIP LOCKED lets two enders take two
    different runs.
    """
    statement = _claim_next_statement(fair_share(), conn.dialect.name)
    if conn.dialect.name != "sqlite":
        return conn.execute(statement, {"claim_now": utcnow()}).scalar()
    # SQLite writes one at a time: take the lock before reading the clock, so a
    # run never starts (on paper) before the one it waited for finished.
    conn.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        found = conn.execute(statement, {"claim_now": utcnow()}).scalar()
    except Exception:
        conn.exec_driver_sql("ROLLBACK")
        raise
    conn.exec_driver_sql("COMMIT")
    return found


@cache
def _claim_next_statement(share: int, dialect: str) -> Any:
    """Build claim_next's UPDATE once per fair share and database (the time bound)."""
    row, first = _alias("next_run"), _alias("first_queued")
    # Each person's oldest queued run, found in one pass: only those can start,
    # so the fair-share test runs per person, not per queued row (thousands).
    firsts = (
        select(func.min(first.c.id))
        .where(
            first.c.status == "queued",
            first.c.trigger_type != EXTERNAL,
            not_recorded(first),
        )
        .group_by(first.c.user_id)
    )
    running = _alias("next_running")
    busy = (
        select(func.count(running.c.id))
        .where(
            running.c.user_id == row.c.user_id,
            running.c.status == "running",
            running.c.trigger_type != EXTERNAL,
        )
        .scalar_subquery()
    )
    oldest = (
        select(row.c.id)
        .where(row.c.id.in_(firsts), row.c.status == "queued", busy < share)
        .order_by(row.c.id)
        .limit(1)
    )
    if dialect == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    now = bindparam("claim_now", type_=UTCDateTime())
    return (
        update(Execution)
        .where(
            Execution.id == oldest.scalar_subquery(),
            Execution.status == "queued",
            under_fair_share(Execution.user_id, share=share),
        )
        .values(status="running", started_at=now, heartbeat_at=now)
        .returning(Execution.id)
    )


def under_fair_share(
    user_id: Any,
    row_id: Any = Execution.id,
    prefix: str = "",
    share: int | None = None,
) -> Any:
    """Match queued rows that are their owner's next and fit their fair share.

    A person's runs start in the order they were queued, and at most
    `fair_share()` at once. On PostgreSQL two claims at the same instant may
    both see room for one more, so a person can briefly run one over; SQLite
    writes one at a time.
    """
    running = running_count(_alias(f"{prefix}running"), user_id)
    earlier = _alias(f"{prefix}earlier")
    waiting_before = queued_of(earlier, user_id).where(earlier.c.id < row_id).exists()
    return (running < (share or fair_share())) & ~waiting_before


def finish(
    execution_id: int,
    status: str,
    results: list[dict[str, Any]] | None,
    meta: dict[str, Any] | None,
    error_log: str | None = None,
    conn: Connection | None = None,
) -> bool:
    """End a running run, unless something else (cancel, sweep) ended it first.

    `results` and `meta` of None leave what is recorded as it is.
    """
    values: dict[str, Any] = {
        "status": status,
        "finished_at": utcnow(),
        "error_log": error_log,
    }
    if results is not None:
        values["results"] = jsonable(results)
    if meta is not None:
        values["meta"] = jsonable(meta)
    statement = (
        update(Execution)
        .where(Execution.id == execution_id, Execution.status == "running")
        .values(**values)
    )
    if conn is None:
        return _write(statement, conn) == 1
    # The same round trip tells whether runs wait queued (see claim_next).
    found = conn.execute(statement.returning(runs_waiting())).first()
    _ENDED.waiting = bool(found and found[0])
    return found is not None


_ENDED = threading.local()


def runs_waiting() -> Any:
    """Tell whether any live run waits queued (read with a run's final write)."""
    row = _alias("waiting_run")
    return (
        select(row.c.id)
        .where(row.c.status == "queued", row.c.trigger_type != EXTERNAL)
        .exists()
    )


def waiting_after_finish() -> bool:
    """Whether runs waited queued when this thread last finished a run; resets."""
    waiting = getattr(_ENDED, "waiting", False)
    _ENDED.waiting = False
    return waiting


def fail_queued(execution_id: int, reason: str) -> bool:
    """End a queued run as a failure without running it."""
    statement = (
        update(Execution)
        .where(Execution.id == execution_id, Execution.status == "queued")
        .values(status="failure", finished_at=utcnow(), error_log=reason)
    )
    return _write(statement, None) == 1


def write_results(
    execution_id: int, results: list[dict[str, Any]], conn: Connection | None = None
) -> str | None:
    """Store the step records so far and return the run's status as it is now.

    The runner is the only writer of `results` while a run is running, so it keeps
    the list and writes it whole; the returned status tells it about a cancel.
    """
    statement = (
        update(Execution)
        .where(Execution.id == execution_id)
        .values(results=jsonable(results))
        .returning(Execution.status)
    )
    return _write(statement, conn, returning=True)


def current_status(execution_id: int, conn: Connection | None = None) -> str | None:
    """Read a run's status straight from the database."""
    statement = select(Execution.status).where(Execution.id == execution_id)
    if conn is not None:
        return conn.execute(statement).scalar()
    return db.session.execute(statement).scalar()


def cancel(execution: Execution, by: str) -> bool:
    """Cancel a queued run at once, or a running one at its next check."""
    now = utcnow()
    note = f"Cancelled by {by}."
    result = db.session.execute(
        update(Execution)
        .where(
            Execution.id == execution.id, Execution.status.in_(["queued", "running"])
        )
        .values(status="cancelled", finished_at=now, error_log=note)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(execution)
    return result.rowcount == 1


def retry_trigger(execution: Execution) -> tuple[str, dict[str, Any]]:
    """The trigger type and payload a retry of this run starts with: the same.

    Retrying a run an outside engine reported runs the workflow here, by hand.
    """
    trigger = execution.meta.get("trigger") if isinstance(execution.meta, dict) else {}
    kind = execution.trigger_type
    if kind == EXTERNAL:
        kind, trigger = "manual", {}
    return kind, trigger or {}


def heartbeat(execution_ids: list[int]) -> None:
    """Tell the sweep that these runs still have a live worker."""
    if not execution_ids:
        return
    db.session.execute(
        update(Execution)
        .where(Execution.id.in_(execution_ids), Execution.status == "running")
        .values(heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def sweep_stale(stale_after: timedelta, now: datetime | None = None) -> int:
    """End running runs whose worker stopped heart-beating, keeping their steps."""
    now = now or utcnow()
    reason = STALE_REASON.format(seconds=int(stale_after.total_seconds()))
    result = db.session.execute(
        update(Execution)
        .where(
            Execution.status == "running",
            Execution.trigger_type != EXTERNAL,
            Execution.heartbeat_at < now - stale_after,
            is_live_work(),
        )
        .values(status="failure", finished_at=now, error_log=reason)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


def sweep_external(stale_after: timedelta, now: datetime | None = None) -> int:
    """End outside engines' runs that were not reported on for `stale_after`.

    Each report (POST, PATCH) is their heartbeat; an engine that crashed or
    forgot its run would otherwise leave it queued or running for ever.
    """
    now = now or utcnow()
    last_heard = func.coalesce(
        Execution.heartbeat_at, Execution.started_at, Execution.created_at
    )
    reason = EXTERNAL_STALE_REASON.format(seconds=int(stale_after.total_seconds()))
    result = db.session.execute(
        update(Execution)
        .where(
            Execution.status.in_(["queued", "running"]),
            Execution.trigger_type == EXTERNAL,
            last_heard < now - stale_after,
            is_live_work(),
        )
        .values(status="failure", finished_at=now, error_log=reason)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


def queued_ids(
    older_than: datetime | None = None, limit: int = 500, claimable: bool = False
) -> list[int]:
    """Return the oldest queued runs, optionally only those queued before a time.

    `claimable` leaves out the runs of people already running their fair share.
    Runs queued by outside engines are theirs to run, never recovered here.
    """
    query = select(Execution.id).where(
        Execution.status == "queued", Execution.trigger_type != EXTERNAL, is_live_work()
    )
    if older_than is not None:
        query = query.where(Execution.created_at < older_than)
    if claimable:
        query = query.where(under_fair_share(Execution.user_id))
    return list(db.session.scalars(query.order_by(Execution.id).limit(limit)))


def prune(max_age: timedelta, batch_size: int = 5000) -> int:
    """Delete finished runs older than max_age, at most batch_size rows at a time."""
    cutoff = utcnow() - max_age
    total = 0
    while True:
        ids = list(
            db.session.scalars(
                select(Execution.id)
                .where(
                    Execution.created_at < cutoff,
                    Execution.status.in_(FINISHED_STATUSES),
                )
                .limit(batch_size)
            )
        )
        if not ids:
            return total
        db.session.execute(delete(Execution).where(Execution.id.in_(ids)))
        db.session.commit()
        total += len(ids)

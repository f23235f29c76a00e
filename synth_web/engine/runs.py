"""The life of an execution row: finish, cancel, retry, sweep, prune.

New rows (enqueue, refuse) are in `inserts.py`; claims (which queued run may
start, within fair shares) are in `claims.py`.

Everything that changes an execution's status is an UPDATE guarded by the status it
expects, so two workers, a cancel and a sweep can race without breaking a run.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.engine import Connection

from synth_web.engine import live
from synth_web.engine.claims import (
    alias,
    live_queued,
    not_recorded,
    queued,
    running,
    under_fair_share,
)
from synth_web.engine.triggers import EXTERNAL
from synth_web.extensions import db
from synth_web.models import FINISHED_STATUSES, Execution, User, utcnow

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
    return not_recorded(Execution.__table__)


def jsonable(value: Any) -> Any:
    """Return a copy of a value that JSON columns can store (datetimes as text)."""
    return json.loads(json.dumps(value, default=str))


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
    params: dict[str, Any] = {
        "run_id": execution_id,
        "status": status,
        "finished_at": utcnow(),
        "error_log": error_log,
    }
    if results is not None:
        params["results"] = jsonable(results)
    if meta is not None:
        params["metadata"] = jsonable(meta)
    if conn is None:
        ended = db.session.execute(_finish_statement(False), params).rowcount == 1
        db.session.commit()
    else:
        # The same round trip tells whether runs wait queued (see claim_next).
        found = conn.execute(_finish_statement(True), params).first()
        _ENDED.waiting = bool(found and found[0])
        ended = found is not None
    live.changed([execution_id])
    return ended


@cache
def _finish_statement(returning: bool) -> Any:
    """Build finish's UPDATE once: the columns it sets are those it is given."""
    table = Execution.__table__
    statement = update(table).where(
        table.c.id == bindparam("run_id"), table.c.status == "running"
    )
    return statement.returning(runs_waiting()) if returning else statement


_ENDED = threading.local()


def runs_waiting(before: datetime | None = None) -> Any:
    """Tell whether any live run waits queued (queued before a time, if given)."""
    row = alias("waiting_run")
    waiting = select(row.c.id).where(live_queued(row))
    if before is not None:
        waiting = waiting.where(row.c.created_at < before)
    return waiting.exists()


def any_waiting(older_than: float | None = None) -> bool:
    """Whether any live run waits queued (queued over `older_than` s ago, if given)."""
    before = utcnow() - timedelta(seconds=older_than) if older_than else None
    found = db.session.execute(select(runs_waiting(before))).scalar()
    db.session.commit()
    return bool(found)


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
    ended = _write(statement, None) == 1
    live.changed([execution_id])
    return ended


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
    status = _write(statement, conn, returning=True)
    live.changed([execution_id])
    return status


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
    live.changed([execution.id])
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
            running(Execution.__table__),
            Execution.trigger_type != EXTERNAL,
            Execution.heartbeat_at < now - stale_after,
            is_live_work(),
        )
        .values(status="failure", finished_at=now, error_log=reason)
        .returning(Execution.id)
        .execution_options(synchronize_session=False)
    )
    return _swept(result)


def _swept(result: Any) -> int:
    """Commit a sweep, say its runs changed, and count them."""
    ended = list(result.scalars())
    db.session.commit()
    live.changed(ended)
    return len(ended)


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
            queued(Execution.__table__) | running(Execution.__table__),
            Execution.trigger_type == EXTERNAL,
            last_heard < now - stale_after,
            is_live_work(),
        )
        .values(status="failure", finished_at=now, error_log=reason)
        .returning(Execution.id)
        .execution_options(synchronize_session=False)
    )
    return _swept(result)


def queued_ids(
    older_than: datetime | None = None, limit: int = 500, claimable: bool = False
) -> list[int]:
    """Return the oldest queued runs, optionally only those queued before a time.

    `claimable` leaves out the runs of people already running their fair share.
    Runs queued by outside engines are theirs to run, never recovered here.
    """
    query = select(Execution.id).where(live_queued(Execution.__table__))
    if older_than is not None:
        query = query.where(Execution.created_at < older_than)
    if claimable:
        query = query.where(under_fair_share(Execution.user_id))
    return list(db.session.scalars(query.order_by(Execution.id).limit(limit)))


def prune(max_age: timedelta, batch_size: int = 5000) -> int:
    """Delete finished runs older than max_age, at most batch_size rows at a time.

    Person by person, each a range of the log's index (user_id, created_at):
    the runs table keeps no index of age alone, which every run paid for twice,
    at its insert and at its finish (issue 20), for a pass once a day.
    """
    cutoff = utcnow() - max_age
    total = 0
    for user_id in db.session.scalars(select(User.id).order_by(User.id)).all():
        while (deleted := _prune_batch(user_id, cutoff, batch_size)) == batch_size:
            total += deleted
        total += deleted
    return total


def _prune_batch(user_id: int, cutoff: datetime, batch_size: int) -> int:
    """Delete up to batch_size of one person's finished runs made before cutoff."""
    ids = list(
        db.session.scalars(
            select(Execution.id)
            .where(
                Execution.user_id == user_id,
                Execution.created_at < cutoff,
                Execution.status.in_(FINISHED_STATUSES),
            )
            .limit(batch_size)
        )
    )
    if ids:
        db.session.execute(delete(Execution).where(Execution.id.in_(ids)))
        db.session.commit()
    return len(ids)

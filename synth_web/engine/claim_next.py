"""claim_next: the oldest queued run that may start now, claimed in one statement.

Each person's first queued run is found by walking the queue's partial index
(`queue_heads`); the oldest of those whose owner has room is claimed, within
fair shares and in queue order. Written so that its plan reads only those rows
whatever the planner's statistics say (issue 20; see docs/decisions.md).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, select, true, update
from sqlalchemy.engine import Connection

from synth_web.engine import live
from synth_web.engine.claims import (
    alias,
    fair_share,
    live_queued,
    running_count,
    written,
)
from synth_web.models import Execution, utcnow
from synth_web.models.types import UTCDateTime


def claim_next(conn: Connection) -> int | None:
    """Claim the oldest queued run that may start now; return its id, or None.

    A run ending here takes the next one in the same thread (one statement), in
    queue order and within fair shares, instead of each queued run's own claim
    failing until its turn.
    """
    statement = _claim_next_statement(fair_share(), conn.dialect.name)
    if conn.dialect.name != "sqlite":
        found = conn.execute(statement, {"claim_now": utcnow()}).scalar()
        live.changed([found])
        return found
    # SQLite writes one at a time: take the lock before reading the clock, so a
    # run never starts (on paper) before the one it waited for finished.
    conn.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        found = conn.execute(statement, {"claim_now": utcnow()}).scalar()
    except Exception:
        conn.exec_driver_sql("ROLLBACK")
        raise
    conn.exec_driver_sql("COMMIT")
    live.changed([found])
    return found


@cache
def _claim_next_statement(share: int, dialect: str) -> Any:
    """Build claim_next's UPDATE once per fair share and database (the time bound)."""
    return claim_next_update(share, dialect)[0].returning(Execution.id)


def claim_next_update(share: int, dialect: str) -> tuple[Any, Any]:
    """claim_next's UPDATE, without what it returns (`claim_now`: the time), and
    on PostgreSQL a column for its RETURNING telling whether another lane may
    claim too (None on SQLite).

    The candidates are each person's oldest queued run (`queue_heads`, a few
    rows); the oldest of them whose owner has room is claimed. Its guards are
    the row's status and, through the candidate, its owner's room: a concurrent
    claim or cancel of the same row leaves this one matching nothing.
    PostgreSQL claims several at once: see `_next_unlocked`. Another lane may
    claim when the claimed run's owner had room for more than it, or others
    with room wait.
    """
    heads = queue_heads(dialect)
    busy = running_count(alias("next_running"), heads.c.user_id)
    share_sql = written(share)
    first = select(
        heads.c.id,
        heads.c.user_id,
        (share_sql - busy).label("room"),
        func.count().over().label("people"),
    )
    first = first.where(busy < share_sql).order_by(heads.c.id).limit(written(1))
    more = None
    if dialect == "postgresql":
        person = first.cte("next_person")
        oldest = _next_unlocked(person)
        more = (
            select((person.c.room > 1) | (person.c.people > 1))
            .scalar_subquery()
            .label("more")
        )
    else:
        oldest = select(first.subquery().c.id)
    now = bindparam("claim_now", type_=UTCDateTime())
    table = Execution.__table__
    statement = (
        update(table)
        .where(table.c.id == oldest.scalar_subquery(), table.c.status == "queued")
        .values(status="running", started_at=now, heartbeat_at=now)
    )
    return statement, more


def _next_unlocked(person: Any) -> Any:
    """The person's first queued run, within their room, that no claim holds.

    Their `room` oldest queued runs may start now; threads claiming at the same
    instant take one each (FOR UPDATE SKIP LOCKED) instead of all waiting on
    the first one's lock, then all but one matching nothing (issue 20: a
    person's two lanes spent most of their time waiting on each other's
    claims). A run another claim took since this statement's snapshot is still
    counted among the `room` (its status recheck drops it), so claims at once
    never start more than the room. The recheck is an expression no index
    holds (`status || ''`): as the queue index's condition, or as a parameter
    an index of (user_id, status, ...) can take, it let a planner with poor
    statistics read the queue or the history to find these few rows by id.
    """
    mine = alias("next_mine")
    within_room = (
        select(mine.c.id)
        .where(mine.c.user_id == select(person.c.user_id).scalar_subquery())
        # From their first queued run on: walked by primary key instead (as
        # statistics from a queue that was long may suggest), the read starts
        # there, not at the claimed runs before it.
        .where(mine.c.id >= select(person.c.id).scalar_subquery())
        .where(live_queued(mine))
        .order_by(mine.c.user_id, mine.c.id)
        .limit(select(person.c.room).scalar_subquery())
    )
    free = alias("next_free")
    # `= ANY(ARRAY(...))`: the few ids are looked up by primary key. As `IN`,
    # a planner with no statistics yet joined them to a scan of every row.
    return (
        select(free.c.id)
        .where(free.c.id == func.any(func.array(within_room.scalar_subquery())))
        .where(free.c.status.concat("") == "queued")
        .order_by(free.c.id)
        .limit(written(1))
        .with_for_update(skip_locked=True, of=free)
    )


def queue_heads(dialect: str) -> Any:
    """Each person's oldest queued run (that runs here): a CTE of (user_id, id).

    A recursive query walks the queue's partial index (user_id, id) one person at
    a time: the first queued run in that order, then the first of the next
    person after it, and so on. One short index probe per person with queued
    runs, however many runs each has queued: grouping the queued rows instead
    read every one of them (and its JSON) on every claim, so each claim grew
    slower as a burst's backlog grew (issue 20). The order (user_id, id) is one
    only that index gives, so neither database's planner walks the primary key
    through the whole run history instead. On PostgreSQL each next person is a
    LATERAL probe: joined by id instead, a plan made while the table was new
    (no statistics yet) hashed every row of the table at each step.
    """

    def first_after(user_id: Any) -> Any:
        probe = alias("queue_probe")
        found = select(probe.c.user_id, probe.c.id).where(live_queued(probe))
        if user_id is not None:
            found = found.where(probe.c.user_id > user_id)
        return found.order_by(probe.c.user_id, probe.c.id).limit(written(1))

    def id_after(user_id: Any) -> Any:
        found = first_after(user_id)
        return found.with_only_columns(found.selected_columns.id).scalar_subquery()

    first, after = alias("queue_first"), alias("queue_after")
    heads = (
        select(first.c.user_id, first.c.id)
        .where(first.c.id == id_after(None))
        .cte("queue_heads", recursive=True)
    )
    if dialect == "postgresql":
        following = first_after(heads.c.user_id).lateral("queue_next")
        return heads.union_all(
            select(following.c.user_id, following.c.id)
            .select_from(heads)
            .join(following, true())
        )
    following = id_after(heads.c.user_id)
    return heads.union_all(
        select(after.c.user_id, after.c.id)
        .select_from(heads)
        .join(after, after.c.id == following)
    )

"""Claims: which queued run may start now, within each person's fair share.

A claim is one UPDATE guarded by the status it expects, so two workers, a cancel
and a sweep can race without breaking a run. A person runs at most `fair_share()`
runs at once (SYNTH_MAX_RUNNING_PER_USER), and theirs start in queue order.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import and_, bindparam, func, literal, select, true, update
from sqlalchemy.engine import Connection

from synth_web.engine import live
from synth_web.engine.triggers import EXTERNAL
from synth_web.extensions import db
from synth_web.models import Execution, utcnow
from synth_web.models.types import UTCDateTime


@cache
def alias(name: str) -> Any:
    """Another name for the executions table, in Core, made once per name.

    An ORM `aliased()` costs milliseconds of adaptation each time it is built,
    and even a Core alias copies every column: the hot path builds these on
    every webhook and every claim (issue 20).
    """
    return Execution.__table__.alias(name)


def not_recorded(table: Any) -> Any:
    """Match rows of a Core alias that are real work (see is_live_work)."""
    return func.coalesce(table.c.metadata["recorded"].as_boolean(), False).is_(False)


def queued(table: Any) -> Any:
    """Match a table's queued rows, the status written into the SQL itself.

    A bound parameter would hide from either database's planner that the
    queue's partial index (status = 'queued') applies.
    """
    return table.c.status == literal("queued", literal_execute=True)


def written(value: int) -> Any:
    """A number written into the SQL itself, not sent as a parameter.

    A prepared statement's generic plan cannot know a parameter's value: with
    `LIMIT $1` PostgreSQL priced the claim's generic plan high and planned it
    again on every run (0.66 ms of its CPU each), issue 20.
    """
    return literal(value, literal_execute=True)


def running(table: Any) -> Any:
    """Match a table's running rows, written as the running index's condition."""
    return table.c.status == literal("running", literal_execute=True)


def running_count(other: Any, user_id: Any) -> Any:
    """Count, as a subquery, the runs a person has running here (not outside ones)."""
    return (
        select(func.count(other.c.id))
        .where(
            other.c.user_id == user_id,
            running(other),
            other.c.trigger_type != EXTERNAL,
        )
        .scalar_subquery()
    )


def queued_of(earlier: Any, user_id: Any) -> Any:
    """Select a person's queued runs that will run here (not recorded, not outside)."""
    return select(earlier.c.id).where(
        earlier.c.user_id == user_id,
        queued(earlier),
        earlier.c.trigger_type != EXTERNAL,
        not_recorded(earlier),
    )


def room_for_one_more(user_id: Any, share: int) -> Any:
    """Match when a new run of this person may start at once (see under_fair_share).

    Nothing of theirs waits queued before it, and they run fewer than their fair
    share: the same rule a claim applies, for a row not inserted yet.
    """
    running = running_count(alias("running_now"), user_id)
    waiting = queued_of(alias("queued_before"), user_id).exists()
    return (running < share) & ~waiting


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
        claimed = conn.execute(statement, params).rowcount == 1
    else:
        claimed = db.session.execute(statement, params).rowcount == 1
        db.session.commit()
    if claimed:
        live.changed([execution_id])
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
    return claim_next_update(share, dialect).returning(Execution.id)


def claim_next_update(share: int, dialect: str) -> Any:
    """claim_next's UPDATE, without what it returns (`claim_now`: the time).

    The candidates are each person's oldest queued run (`queue_heads`, a few
    rows); the oldest of them whose owner has room is claimed. Its guards are
    the row's status and, through the candidate, its owner's room: a concurrent
    claim or cancel of the same row leaves this one matching nothing.
    PostgreSQL claims several at once: see `_next_unlocked`.
    """
    return _claim_next_parts(share, dialect)[0]


def claim_next_more(share: int) -> tuple[Any, Any]:
    """PostgreSQL's claim_next UPDATE, and whether another lane may claim too.

    The second is a column for the UPDATE's RETURNING: true when the claimed
    run's owner had room for more than this one, or others with room wait.
    """
    return _claim_next_parts(share, "postgresql")


def _claim_next_parts(share: int, dialect: str) -> tuple[Any, Any]:
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


def live_queued(table: Any) -> Any:
    """Match queued rows of a Core alias that will run here (see queued_of)."""
    return and_(queued(table), table.c.trigger_type != EXTERNAL, not_recorded(table))


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
        found = select(probe.c.id).where(live_queued(probe))
        if user_id is not None:
            found = found.where(probe.c.user_id > user_id)
        return found.order_by(probe.c.user_id, probe.c.id).limit(written(1))

    first, after = alias("queue_first"), alias("queue_after")
    heads = (
        select(first.c.user_id, first.c.id)
        .where(first.c.id == first_after(None).scalar_subquery())
        .cte("queue_heads", recursive=True)
    )
    if dialect == "postgresql":
        probe = alias("queue_probe")
        following = (
            select(probe.c.user_id, probe.c.id)
            .where(live_queued(probe), probe.c.user_id > heads.c.user_id)
            .order_by(probe.c.user_id, probe.c.id)
            .limit(written(1))
            .lateral("queue_next")
        )
        return heads.union_all(
            select(following.c.user_id, following.c.id)
            .select_from(heads)
            .join(following, true())
        )
    following = first_after(heads.c.user_id).correlate(heads).scalar_subquery()
    return heads.union_all(
        select(after.c.user_id, after.c.id)
        .select_from(heads)
        .join(after, after.c.id == following)
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
    running = running_count(alias(f"{prefix}running"), user_id)
    earlier = alias(f"{prefix}earlier")
    waiting_before = queued_of(earlier, user_id).where(earlier.c.id < row_id).exists()
    return (running < (share or fair_share())) & ~waiting_before

"""Claims: which queued run may start now, within each person's fair share.

A claim is one UPDATE guarded by the status it expects, so two workers, a cancel
and a sweep can race without breaking a run. A person runs at most `fair_share()`
runs at once (SYNTH_MAX_RUNNING_PER_USER), and theirs start in queue order.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import and_, bindparam, func, literal, select, update
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
    """Match rows of a Core alias that are real work, not recorded showcases."""
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
    """Count, as a subquery, the runs a person has running here.

    Outside runs are not counted, nor recorded ones (the demo's showcase): they
    take no lane, and counting them left the person less than their share.
    """
    return (
        select(func.count(other.c.id))
        .where(
            other.c.user_id == user_id,
            running(other),
            other.c.trigger_type != EXTERNAL,
            not_recorded(other),
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


def live_queued(table: Any) -> Any:
    """Match queued rows of a Core alias that will run here (see queued_of)."""
    return and_(queued(table), table.c.trigger_type != EXTERNAL, not_recorded(table))


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

"""Celery's lanes: which runs need a message, and lanes keeping up a person's share.

A Celery task takes queued runs in turn while one may start (a lane, like the
thread pool's), so a run that lanes at work will reach needs no message of its
own (issue 20: each message cost the worker more than the run it carried).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection

from synth_web.engine.claims import alias, fair_share, queued_of, running_count
from synth_web.extensions import db

log = logging.getLogger(__name__)


def taken_in_turn(execution_id: int) -> bool:
    """Whether a run just queued will be reached by lanes already at work for its owner.

    True when its owner's runs running here and queued before it fill their
    fair share: it could not start before one of those ends anyway. Each
    run's lane claims again as it ends (Celery's lanes loop on `run_next`), and
    that claim reads the queue after this run was committed, so the lane that
    ends one of those runs (or, in turn, one that takes a run queued before it)
    reaches this one: it needs no message of its own.

    Ask only once the run's INSERT is committed. Asked in the same statement, a
    running run could end, and its lane look for more, before this run was
    there to be seen.
    """
    with db.engine.connect() as raw:
        # One round trip: no transaction to open, and none to roll back after.
        conn = raw.execution_options(isolation_level="AUTOCOMMIT")
        params = {"turn_id": execution_id}
        return bool(conn.execute(_in_turn_statement(fair_share()), params).scalar())


@cache
def _in_turn_statement(share: int) -> Any:
    """Build taken_in_turn's query once per fair share."""
    me = alias("turn_me")
    busy = running_count(alias("turn_running"), me.c.user_id)
    earlier = alias("turn_earlier")
    # At most `share` of the runs queued before it are counted: a backlog of
    # thousands costs no more than a short one.
    before = (
        queued_of(earlier, me.c.user_id)
        .where(earlier.c.id < me.c.id)
        .order_by(earlier.c.user_id, earlier.c.id)
        .limit(share)
        .correlate(me)
        .subquery()
    )
    waiting = select(func.count()).select_from(before).scalar_subquery()
    return select(busy + waiting >= share).where(me.c.id == bindparam("turn_id"))


def has_more_for(user_id: int, conn: Connection) -> bool:
    """Whether a person has runs waiting queued and room to start one more now."""
    running = running_count(alias("more_running"), user_id)
    waiting = queued_of(alias("more_queued"), user_id).exists()
    found = conn.execute(select((running < fair_share()) & waiting)).scalar()
    return bool(found)


class Lane:
    """One task taking runs in turn, counted by the person whose run it took last.

    With no message for a run that lanes will reach (see taken_in_turn), a
    person's lanes would stay as few as the messages that started them: a lane
    that takes a run of someone with fewer lanes here than their fair share,
    while more of theirs wait and they have room, sends a message that starts
    another (one such check per person every ASK_EVERY seconds at most).
    """

    ASK_EVERY = 0.5
    _on: Counter[int] = Counter()
    _asked: dict[int, float] = {}
    _lock = threading.Lock()

    def __init__(self, ask: Callable[[int], Any]) -> None:
        self.ask = ask  # sends a message that starts a lane
        self.person: int | None = None

    def took(
        self, execution_id: int, person: int, conn: Connection, _more: bool = True
    ) -> None:
        """Count this lane on the owner of the run it just claimed.

        The run is claimed: nothing here may keep it from running. A lane not
        asked for only leaves the person's runs to the lanes they have.
        """
        try:
            if self._move(person, fair_share()) and has_more_for(person, conn):
                self.ask(execution_id)
        except Exception:  # noqa: BLE001 - the run goes on either way
            log.exception("Could not ask for another lane")

    def ended(self) -> None:
        """Count this lane out."""
        self._move(None, 0)

    def _move(self, person: int | None, share: int) -> bool:
        """Count this lane on `person`; whether to check if they need one more."""
        with self._lock:
            if self.person is not None:
                self._on[self.person] -= 1
                if not self._on[self.person]:
                    del self._on[self.person]
            self.person = person
            if person is None:
                return False
            self._on[person] += 1
            return self._on[person] < share and self._may_ask(person)

    def _may_ask(self, person: int) -> bool:
        """At most one check per person every ASK_EVERY seconds (lock held)."""
        now = time.monotonic()
        if now - self._asked.get(person, 0) < self.ASK_EVERY:
            return False
        if len(self._asked) > 1000:  # forget those asked for a while ago
            old = [key for key, at in self._asked.items() if now - at >= self.ASK_EVERY]
            for key in old:
                del self._asked[key]
        self._asked[person] = now
        return True

"""A fixed data set for the dashboard tests, with its numbers worked out by hand.

The clock stands at NOW = 2026-03-10 12:00 UTC, 17:30 in Asia/Kolkata (UTC+05:30),
the person's zone, so the chart's today is 10 March and its first day 25 February.

| run | created (UTC)      | local (IST)  | status    | took | 24 h | 7 d |
|-----|--------------------|--------------|-----------|------|------|-----|
| a   | NOW - 1 h          | 10 Mar 16:30 | success   | 1 s  | yes  | yes |
| b   | NOW - 2 h          | 10 Mar 15:30 | failure   | 3 s  | yes  | yes |
| c   | NOW - 24 h + 1 s   | 9 Mar 17:30  | success   | 5 s  | yes  | yes |
| d   | NOW - 24 h         | 9 Mar 17:30  | success   | 7 s  | no   | yes |
| n   | 8 Mar 18:00        | 8 Mar 23:30  | success   | 6 s  | no   | yes |
| o   | 8 Mar 19:00        | 9 Mar 00:30  | failure   | 8 s  | no   | yes |
| f   | NOW - 3 d          | 7 Mar 17:30  | cancelled | 100 s| no   | yes |
| g   | NOW - 3 d + 1 min  | 7 Mar 17:31  | success (filtered) | 2 s | no | yes |
| h   | NOW - 5 d          | 5 Mar 17:30  | queued    | —    | no   | yes |
| j   | NOW - 7 d + 1 s    | 3 Mar 17:30  | failure   | 4 s  | no   | yes |
| i   | NOW - 7 d          | 3 Mar 17:30  | failure   | 9 s  | no   | no  |
| k   | NOW - 10 d         | 28 Feb 17:30 | success   | 1 s  | no   | no  |
| m   | NOW - 20 d         | 18 Feb       | success   | 1 s  | no   | no  |

Runs n and o are both on 8 March in UTC: only the person's zone splits them
across midnight. The other user has runs of every kind at the same times.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from synth_web.extensions import db
from synth_web.models import ChatMessage, Connection, Execution, Memory, User
from tests.run_factories import add_runs, add_workflow, run_values

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ZONE = "Asia/Kolkata"
H, D, S = timedelta(hours=1), timedelta(days=1), timedelta(seconds=1)

RUNS = [
    ("a", NOW - H, "success", 1),
    ("b", NOW - 2 * H, "failure", 3),
    ("c", NOW - 24 * H + S, "success", 5),
    ("d", NOW - 24 * H, "success", 7),
    ("n", datetime(2026, 3, 8, 18, 0, tzinfo=UTC), "success", 6),
    ("o", datetime(2026, 3, 8, 19, 0, tzinfo=UTC), "failure", 8),
    ("f", NOW - 3 * D, "cancelled", 100),
    ("g", NOW - 3 * D + 60 * S, "success", 2),
    ("h", NOW - 5 * D, "queued", None),
    ("j", NOW - 7 * D + S, "failure", 4),
    ("i", NOW - 7 * D, "failure", 9),
    ("k", NOW - 10 * D, "success", 1),
    ("m", NOW - 20 * D, "success", 1),
]

EXPECTED = {
    "last_24h": 3,  # a, b, c
    "last_7d": 10,  # a b c d n o f g h j
    "succeeded_7d": 5,  # a c d n g (g was filtered: a success)
    "failed_7d": 3,  # b o j
    "rate_text": "63%",  # 5 / 8 = 62.5 %, half up
    "median": timedelta(seconds=4.5),  # 1 2 3 4 5 6 7 8 s -> (4 + 5) / 2
}
# (succeeded, failed, cancelled) per local day; every other chart day is empty.
EXPECTED_DAYS = {
    date(2026, 3, 10): (1, 1, 0),
    date(2026, 3, 9): (2, 1, 0),
    date(2026, 3, 8): (1, 0, 0),
    date(2026, 3, 7): (1, 0, 1),
    date(2026, 3, 3): (0, 2, 0),
    date(2026, 2, 28): (1, 0, 0),
}


def timed_run(
    workflow_id: int, user_id: int, created: datetime, status: str, took: int | None
) -> dict[str, Any]:
    """Return a run's values with a chosen duration (seconds from start to end)."""
    values = run_values(workflow_id, user_id, status=status, created_at=created)
    if took is not None:
        values["finished_at"] = values["started_at"] + timedelta(seconds=took)
    if status == "failure":
        values["error_log"] = f"Step 1 failed at {created:%H:%M}\nmore detail"
    return values


def set_zone(app: Flask, user: User, zone: str = ZONE) -> None:
    """Put the person in a time zone."""
    with app.app_context():
        db.session.get(User, user.id).timezone = zone
        db.session.commit()


def seed(app: Flask, user: User, name: str = "Nightly report") -> dict[str, int]:
    """Give a user the fixed runs, three workflows (two active); return run ids."""
    workflow_id = add_workflow(app, user.id, name=name)
    add_workflow(app, user.id, name=f"{name} (spare)")
    add_workflow(app, user.id, name=f"{name} (draft)", status="inactive")
    rows = [timed_run(workflow_id, user.id, *run[1:]) for run in RUNS]
    rows[7]["meta"] = {**rows[7]["meta"], "filtered": True}  # g
    add_runs(app, rows)
    with app.app_context():
        ids = db.session.scalars(
            select(Execution.id)
            .where(Execution.user_id == user.id)
            .order_by(Execution.id)
        ).all()
    return {run[0]: run_id for run, run_id in zip(RUNS, ids, strict=True)}


def add_context(app: Flask, user: User, memories: int, conversations: int) -> None:
    """Give a user memory entries and conversations of two messages each."""
    with app.app_context():
        for index in range(memories):
            db.session.add(
                Memory(user_id=user.id, context_type="preference", content=f"m{index}")
            )
        for index in range(conversations):
            for role in ("user", "assistant"):
                db.session.add(
                    ChatMessage(
                        user_id=user.id,
                        role=role,
                        content="hello",
                        conversation_id=f"c-{user.id}-{index}",
                    )
                )
        db.session.commit()


def add_connection(
    app: Flask, user: User, app_name: str, status: str = "active", **meta: Any
) -> int:
    """Connect an app for a user (metadata only: the dashboard never reads secrets)."""
    with app.app_context():
        connection = Connection(
            user_id=user.id,
            app_name=app_name,
            status=status,
            connection_type="bot_token",
            meta=meta,
        )
        db.session.add(connection)
        db.session.commit()
        return connection.id

"""Engine-level settings that the ORM cannot express."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool


@event.listens_for(Engine, "connect")
def configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Turn on foreign keys, WAL and a busy timeout on every SQLite connection.

    Without foreign_keys=ON, SQLite ignores ON DELETE CASCADE; without WAL and a
    busy timeout, background writers fail with "database is locked".
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# A connection used less than this many seconds ago is handed out without a ping.
IDLE_PING_SECONDS = 10.0


@event.listens_for(Pool, "checkin")
def note_checkin(_dbapi_connection: Any, record: Any) -> None:
    """Remember when a connection went back to the pool."""
    if record is not None:
        record.info["checked_in"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def ping_after_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Ping a connection that sat idle before handing it out; skip a busy one.

    `pool_pre_ping` pings on every checkout: a round trip per request and per
    run write (14 % of a webhook's time under load, issue 20). A connection used
    a moment ago is alive; one idle for longer may have been dropped by a restart
    or a firewall. A failed ping raises DisconnectionError: the pool throws the
    connection away and opens a fresh one, as pre-ping did. The ping's
    transaction is rolled back: a connection handed out inside one cannot be
    switched to autocommit, as the runner and the Celery dispatch do.
    """
    since = record.info.get("checked_in")
    if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.rollback()
    except Exception as exc:  # noqa: BLE001 - any failure means a dead connection
        raise DisconnectionError("idle connection failed its ping") from exc

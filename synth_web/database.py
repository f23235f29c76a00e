"""Engine-level settings that the ORM cannot express."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


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

"""Text search support: trigram indexes for ILIKE '%…%' on PostgreSQL.

Memory and chat search look for a phrase anywhere in the content. A B-tree
cannot serve that; a pg_trgm GIN index can, so at 100,000 rows a search stays
in milliseconds. SQLite has no such index and scans, which is fine at its scale.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import DDL, Index, event

from synth_web.extensions import db


def trigram_index(name: str, column: str) -> Index:
    """Declare a pg_trgm GIN index on a text column, made on PostgreSQL only."""
    return Index(
        name,
        column,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql")


def for_dialect(condition: Any, dialect_name: str) -> bool:
    """Tell whether a ddl_if() condition allows a dialect."""
    allowed = condition.dialect
    if allowed is None:
        return True
    if isinstance(allowed, str):
        return allowed == dialect_name
    return dialect_name in allowed


def skip_other_dialect_indexes(dialect_name: str) -> Callable[..., bool]:
    """Make an Alembic include_object that ignores indexes of other databases.

    An index limited with ddl_if(dialect=…) never exists elsewhere, so comparing
    the models with a migrated SQLite database must not report it as missing.
    """

    def include_object(
        obj: Any, _name: str | None, type_: str, reflected: bool, _other: Any
    ) -> bool:
        condition = getattr(obj, "_ddl_if", None)
        if type_ != "index" or reflected or condition is None:
            return True
        return for_dialect(condition, dialect_name)

    return include_object


# create_all() (tests, screenshots) must install pg_trgm before it makes the
# trigram indexes; migrations do the same in 0002.
event.listen(
    db.metadata,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)

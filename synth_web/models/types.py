"""Column types shared by every model: UTC timestamps and portable JSON; and
rows read with Core made into model objects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import configure_mappers, make_transient_to_detached
from sqlalchemy.types import TypeDecorator

# JSON on SQLite, JSONB on PostgreSQL: one model, the right storage on each.
JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always stored in UTC and always comes back aware.

    SQLite keeps no time zone, so values read from it are naive; they were written
    in UTC, so we mark them UTC again. PostgreSQL answers in the session time zone,
    so we convert. Naive values written by our own code are taken to be UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        """Convert to UTC before it reaches the database."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Attach or convert to UTC on the way out."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def detached(model: Any, values: dict[str, Any]) -> Any:
    """A model's row built from values read with Core, as if an ORM query had
    loaded it and its session had closed: no pending change, no session."""
    # As the ORM's loading does: values straight into the instance's dict, not
    # through the constructor's instrumented setters (0.2 ms an object).
    # (The constructor would also configure the mappers on first use: a worker
    # process may build its first objects here.)
    configure_mappers()
    instance = model.__mapper__.class_manager.new_instance()
    instance.__dict__.update(values)
    make_transient_to_detached(instance)
    return instance

"""The connections table: which apps a person connected. Never their secrets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from synth_web.extensions import db
from synth_web.models.types import JSONType, UTCDateTime, utcnow

CONNECTION_STATUSES = ("active", "inactive")
CONNECTION_TYPES = ("oauth2", "api_key", "basic", "smtp", "bot_token", "none")


class Connection(db.Model):
    """Metadata about one connected app; the secret itself lives in the vault."""

    __tablename__ = "connections"
    __table_args__ = (
        UniqueConstraint("user_id", "app_name", name="uq_connections_user_app"),
        CheckConstraint("status IN ('active', 'inactive')", name="status_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    app_name: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")
    connection_type: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)

    @property
    def is_active(self) -> bool:
        """Tell whether workflows may use this connection."""
        return self.status == "active"

    def __repr__(self) -> str:
        return f"<Connection {self.id} {self.app_name} {self.status}>"

"""The connections table: which apps a person connected. Never their secrets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from synth_web.extensions import db
from synth_web.models.types import JSONType, UTCDateTime, utcnow

CONNECTION_STATUSES = ("active", "inactive")
CONNECTION_TYPES = ("oauth2", "api_key", "basic", "smtp", "bot_token", "none")


@dataclass(frozen=True)
class LastError:
    """Why the latest check of a connection failed, and when."""

    message: str
    at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """Describe it as stored: the message, and when if known."""
        return {
            "message": self.message,
            **({"at": self.at.isoformat()} if self.at else {}),
        }


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

    @property
    def settings(self) -> dict[str, Any]:
        """Non-secret settings of the connection (an SMTP host, a port)."""
        return dict(self._meta_dict("settings"))

    @property
    def facts(self) -> dict[str, Any]:
        """What the latest successful check learned (workspace, bot, address)."""
        return dict(self._meta_dict("facts"))

    @property
    def last_error(self) -> LastError | None:
        """Return the failure of the latest check, if it failed."""
        error = (
            (self.meta or {}).get("last_error") if isinstance(self.meta, dict) else None
        )
        if not error:
            return None
        if not isinstance(error, dict):
            return LastError(str(error), None)
        try:
            at = datetime.fromisoformat(str(error.get("at")))
        except ValueError:
            at = None
        return LastError(str(error.get("message", "")), at)

    def checked(self, facts: dict[str, Any], at: datetime) -> None:
        """Record a check that passed: when, and what it learned."""
        meta = {k: v for k, v in (self.meta or {}).items() if k != "last_error"}
        self.meta = {**meta, "facts": facts}
        self.last_verified_at = at

    def check_failed(self, message: str, at: datetime) -> None:
        """Record a check that failed, keeping the last good one's time."""
        error = {"message": message, "at": at.isoformat()}
        self.meta = {**(self.meta or {}), "last_error": error}

    def _meta_dict(self, key: str) -> dict[str, Any]:
        value = self.meta.get(key) if isinstance(self.meta, dict) else None
        return value if isinstance(value, dict) else {}

    def __repr__(self) -> str:
        return f"<Connection {self.id} {self.app_name} {self.status}>"

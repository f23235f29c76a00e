"""The users table: identity, login secret hash and account settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from synth_web.extensions import db
from synth_web.models.types import JSONType, UTCDateTime, utcnow


class User(UserMixin, db.Model):
    """A person who signs in and owns workflows, runs, connections and context."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)

    # The secret of the browser session this object was signed in with (set
    # by auth.sessions, never stored): Flask-Login writes get_id() into the
    # session and remember cookies.
    session_secret = ""

    def get_id(self) -> str:
        """Identify the user and this browser's session in the cookies."""
        return f"{self.id}:{self.session_secret}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

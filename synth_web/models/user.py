"""The users table: identity, login secret hash and account settings."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from synth_web.extensions import db
from synth_web.models.types import JSONType, UTCDateTime, utcnow


def new_session_token() -> str:
    """Return a fresh random token that ties sessions to the current password."""
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    """A person who signs in and owns workflows, runs, connections and context."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(Text)
    # Rotated when the password changes: every older session and remember-me
    # cookie carries the old value and stops working.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)

    def get_id(self) -> str:
        """Identify the user and the password generation in the session cookie."""
        return f"{self.id}:{self.session_token}"

    def rotate_session_token(self) -> None:
        """Sign out every other session and remember-me cookie of this user."""
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

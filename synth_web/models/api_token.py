"""The api_tokens table: personal access tokens for the JSON API.

Not one of the six product tables: like the vault, this is plumbing for signing
in, kept beside the users it belongs to. A token is shown once when it is made
and stored only as its SHA-256 hash: tokens are long random strings, so a fast
hash is safe (nothing to brute-force) and one indexed lookup finds the token.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from synth_web.extensions import db
from synth_web.models.types import JSONType, UTCDateTime, utcnow

TOKEN_SCOPES = ("read", "write")


class ApiToken(db.Model):
    """One personal access token: its hash, name, scopes and use."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, so a person can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_revoked(self) -> bool:
        """Tell whether the token no longer opens the API."""
        return self.revoked_at is not None

    def allows(self, scope: str) -> bool:
        """Tell whether the token carries a scope."""
        return scope in (self.scopes or [])

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}…>"

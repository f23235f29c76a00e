"""The user_sessions table: one row per signed-in browser.

Not one of the six product tables: like api_tokens, plumbing for signing in.
The browser holds a random secret (in the session cookie and, with "keep me
signed in", the remember cookie); the row holds its SHA-256, so a copied
database opens no browser session. Signing out revokes the row, so a copied
cookie stops working too. `kind` and `assurance` leave room for what comes
next: a password-reset link may open a short "reset" session, and two-factor
sign-in a session that has proved the password but not yet the second factor.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from synth_web.extensions import db
from synth_web.models.types import UTCDateTime, utcnow

SESSION_KINDS = ("browser",)  # later: "reset"
# Checked in order: Edge and Opera say "Chrome" too, Chrome says "Safari".
BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)
ASSURANCES = ("full",)  # later: "password" (second factor still to come)


class UserSession(db.Model):
    """One browser's sign-in: when, from where, how sure, and whether it ended."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="browser")
    assurance: Mapped[str] = mapped_column(String(20), default="full")
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written at most once a minute, not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))

    @property
    def is_active(self) -> bool:
        """Tell whether this session still signs its browser in."""
        return self.revoked_at is None and self.expires_at > utcnow()

    @property
    def browser(self) -> str:
        """Name the browser and system in a few words, like "Firefox on Linux"."""
        agent = self.user_agent or ""
        name = next((n for key, n in BROWSERS if key in agent), None)
        system = next((n for key, n in SYSTEMS if key in agent), None)
        if name and system:
            return f"{name} on {system}"
        return name or system or (agent[:60] if agent else "Unknown browser")

    def __repr__(self) -> str:
        return f"<UserSession {self.id} of user {self.user_id}>"

"""Browser sessions: one server-side record per signed-in browser.

Flask-Login keeps "<user id>:<secret>" in the session cookie (and, with "keep
me signed in", in the remember cookie); the record keeps the secret's SHA-256.
A cookie signs a browser in only while its record is active: signing out
revokes it, so a copied cookie, or a remember cookie that outlived the
sign-out, opens nothing.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from flask import current_app, g, request
from sqlalchemy import select, update

from synth_web.engine import live
from synth_web.engine.live import hash_secret  # live polls hash cookies alike
from synth_web.extensions import db
from synth_web.models import User, UserSession, utcnow

# last_seen_at moves at most this often: no write per request.
TOUCH_EVERY = timedelta(minutes=1)
# Without "keep me signed in" the cookie ends with the browser; the record
# ends after a day without use so a copied cookie cannot last for ever.
IDLE_LIMIT = timedelta(days=1)
AGENT_LENGTH = 300


def lifetime(remember: bool) -> timedelta:
    """Return how long a new session lasts without being used."""
    if remember:
        return timedelta(seconds=current_app.config["REMEMBER_COOKIE_DURATION"])
    return IDLE_LIMIT


def open_session(user: User, remember: bool) -> UserSession:
    """Record a new signed-in browser for a user who just proved who they are."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    record = UserSession(
        user_id=user.id,
        token_hash=hash_secret(secret),
        remember=remember,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime(remember),
        ip_address=(request.remote_addr or "")[:45] or None,
        user_agent=(request.user_agent.string or "")[:AGENT_LENGTH] or None,
    )
    db.session.add(record)
    db.session.commit()
    user.session_secret = secret
    g.browser_session = record
    return record


def find_session(user_id: str) -> tuple[User, UserSession] | None:
    """Return the user and record that a cookie's "<id>:<secret>" names, if active."""
    raw_id, _, secret = user_id.partition(":")
    if not raw_id.isascii() or not raw_id.isdigit() or not secret:
        return None
    found = db.session.execute(
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == hash_secret(secret))
    ).first()
    if found is None:
        return None
    user, record = found
    usable = record.is_active and record.assurance == "full" and user.is_active
    if not usable or not hmac.compare_digest(str(user.id), raw_id):
        return None
    user.session_secret = secret
    return user, record


def touch(record: UserSession) -> None:
    """Note that the browser is still here, at most once a minute."""
    now = utcnow()
    if now - record.last_seen_at < TOUCH_EVERY:
        return
    values = {"last_seen_at": now, "expires_at": now + lifetime(record.remember)}
    if request.remote_addr:
        values["ip_address"] = request.remote_addr[:45]
    # Guarded, so parallel requests of one browser write once between them.
    db.session.execute(
        update(UserSession)
        .where(
            UserSession.id == record.id,
            UserSession.last_seen_at < now - TOUCH_EVERY,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def revoke(user_id: int, reason: str, session_id: int | None = None) -> int:
    """End one of a user's sessions (or all of them); return how many ended."""
    statement = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if session_id is not None:
        statement = statement.where(UserSession.id == session_id)
    ended = list(
        db.session.scalars(
            statement.values(revoked_at=utcnow(), revoked_reason=reason)
            .returning(UserSession.token_hash)
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()
    live.forget_sessions(ended)  # a live page's next poll checks the database
    return len(ended)


def active_sessions(user_id: int) -> list[UserSession]:
    """List a user's signed-in browsers, the most recently seen first."""
    now = utcnow()
    return list(
        db.session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user_id,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > now,
            )
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def current_session() -> UserSession | None:
    """Return this browser's session record, if it is signed in."""
    return g.get("browser_session")

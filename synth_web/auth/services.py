"""Account rules: creating, authenticating, changing and deleting users."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from synth_web.auth.passwords import hash_password, needs_rehash, verify_password
from synth_web.auth.sessions import revoke
from synth_web.extensions import db
from synth_web.models import User, utcnow
from synth_web.vault import delete_user_secrets


class EmailTaken(ValueError):
    """Raised when another account already uses an email address."""


def valid_timezone(name: str | None) -> str:
    """Return the zone name if it exists, else UTC."""
    try:
        ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name or "UTC"


def find_user_by_email(email: str) -> User | None:
    """Find a user by email, ignoring case."""
    return db.session.scalar(
        select(User).where(func.lower(User.email) == email.strip().lower())
    )


def email_in_use(email: str, except_user: User | None = None) -> bool:
    """Tell whether another account has this email address."""
    user = find_user_by_email(email)
    return user is not None and (except_user is None or user.id != except_user.id)


def create_user(
    name: str, email: str, password: str, timezone: str = "UTC", commit: bool = True
) -> User:
    """Create an account (committed unless told otherwise), or raise EmailTaken."""
    email = email.strip().lower()
    if email_in_use(email):
        raise EmailTaken(email)
    user = User(
        name=name.strip(),
        email=email,
        password_hash=hash_password(password),
        timezone=valid_timezone(timezone),
    )
    db.session.add(user)
    try:
        db.session.flush()
        if commit:
            db.session.commit()
    except IntegrityError as exc:
        # Two registrations raced for the same address: the unique index decides.
        db.session.rollback()
        raise EmailTaken(email) from exc
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the user whose email and password match, and note the login."""
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user is None or not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def change_password(user: User, new_password: str) -> None:
    """Store a new password and end every session of the user.

    The browser that changed it signs in again at once (auth.views).
    """
    user.password_hash = hash_password(new_password)
    db.session.commit()
    revoke(user.id, "password_changed")


def delete_user(user: User) -> None:
    """Delete the account and its secrets; the database cascades to the rest
    (its browser sessions and API tokens included)."""
    # The vault is another database, out of the cascade's reach. Its secrets go
    # first: should the second step fail, no secret outlives its account.
    delete_user_secrets(user.id)
    # Revoked first, so live pages' polls stop vouched for by Redis (engine/live.py).
    revoke(user.id, "account_deleted")
    db.session.delete(user)
    db.session.commit()

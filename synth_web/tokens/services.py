"""Token rules: make one (shown once), find one by what a program sends, revoke.

A token is `synth_pat_` and 43 random URL-safe characters (256 bits). Only its
SHA-256 hash is stored: Argon2 protects guessable passwords, but nobody can
guess a random 256-bit value, and an API request must find its token in one
indexed lookup, not a deliberately slow hash.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, update

from synth_web.access import owned_or_404
from synth_web.extensions import db
from synth_web.models import TOKEN_SCOPES, ApiToken, User, utcnow

TOKEN_PREFIX = "synth_pat_"  # noqa: S105 - a label, not a secret
SHOWN_PREFIX = len(TOKEN_PREFIX) + 4
# last_used_at moves at most this often: no write on every request.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    """A token just made: the stored row, and the secret shown this once."""

    token: ApiToken
    secret: str


def hash_token(secret: str) -> str:
    """Return the hex SHA-256 of a token, which is what the database keeps."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user_id: int, name: str, scopes: Iterable[str]) -> NewToken:
    """Make a token for a person with a name and scopes; return it with its secret."""
    wanted = [scope for scope in TOKEN_SCOPES if scope in set(scopes)]
    if not wanted:
        raise ValueError("A token needs at least one scope.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user_id,
        name=name.strip(),
        token_hash=hash_token(secret),
        prefix=secret[:SHOWN_PREFIX],
        scopes=wanted,
    )
    db.session.add(token)
    db.session.commit()
    return NewToken(token, secret)


def list_tokens(user_id: int) -> list[ApiToken]:
    """Return a person's tokens, usable ones first, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user_id)
            .order_by(
                ApiToken.revoked_at.is_not(None),
                ApiToken.created_at.desc(),
                ApiToken.id.desc(),
            )
        )
    )


def get_token_or_404(token_id: int) -> ApiToken:
    """Return one of the signed-in person's tokens, or answer 404."""
    return owned_or_404(ApiToken, token_id)


def revoke_token(token: ApiToken) -> bool:
    """Stop a token from working; False when it was already revoked."""
    if token.is_revoked:
        return False
    token.revoked_at = utcnow()
    db.session.commit()
    return True


def find_token(secret: str) -> tuple[ApiToken, User] | None:
    """Return the live token a program sent and its owner, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    row = db.session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_token(secret))
    ).first()
    if row is None:
        return None
    token, user = row
    if token.is_revoked or not user.is_active:
        return None
    return token, user


def touch(token: ApiToken) -> None:
    """Record that the token was used, at most once per TOUCH_EVERY."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    # Guarded, so parallel requests of one token write once between them.
    db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token.id,
            or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at < now - TOUCH_EVERY,
            ),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()

"""Password hashing with Argon2id and the check against common passwords."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 128

# OWASP's Argon2id recommendation: 19 MiB of memory, 2 iterations, 1 lane.
hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

# Verified when the email is unknown, so a miss costs as much time as a hit.
_DUMMY_HASH = hasher.hash("synth-dummy-password-for-timing")


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password against a stored hash in constant-ish time."""
    try:
        return hasher.verify(stored_hash or _DUMMY_HASH, password) and bool(stored_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Tell whether a hash was made with weaker parameters than today's."""
    try:
        return hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


@cache
def common_passwords() -> frozenset[str]:
    """Return the most common passwords long enough to pass the length rule.

    The list is zxcvbn's ranked password frequency list (30,000 entries drawn
    from real leaks); we keep the ones of 8 characters or more.
    """
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p for p in FREQUENCY_LISTS["passwords"] if len(p) >= MIN_LENGTH)


def password_problem(password: str) -> str | None:
    """Return why a new password is not acceptable, or None if it is."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if password.lower() in common_passwords():
        return "This is one of the most common passwords. Choose another."
    return None

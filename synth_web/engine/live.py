"""What a live run page last saw, kept in Redis so an unchanged poll costs no query.

A run page polls `/executions/<id>/status?v=<version>` every second; the version
is the run's status and step count. With `SYNTH_LIVE_REDIS_URL` set, the version
read from the database is kept here under the run's id, with its owner's id, for
`TTL_SECONDS`; every write that changes a run (claim, step, finish, cancel,
sweep, an outside engine's report) drops it, so the next poll reads the database
again. A poll whose version matches answers 204 from Redis alone, after the
sign-in check every page makes (so signing out still ends it); another person's
poll never matches, because the owner is part of what is kept.

Without the setting, or when Redis does not answer, everything reads the database
as before. A write that somehow did not drop its key shows on the page at most
`TTL_SECONDS` late: a missed drop delays, never freezes.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from functools import cache
from typing import Any

from flask import current_app

log = logging.getLogger(__name__)

TTL_SECONDS = 10
# A run's change counter outlives any poll's database read by far.
GENERATION_SECONDS = 60
# Keep a poll's reading only if no write came between its look and its keep:
# otherwise a reading taken just before a change would outlive the change.
KEEP_IF_UNCHANGED = """
if (redis.call('GET', KEYS[2]) or '') == ARGV[2] then
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
end
"""


@cache
def _client(url: str) -> Any:
    """One Redis client (and connection pool) per URL and process."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


@cache
def _keep_script(url: str) -> Any:
    return _client(url).register_script(KEEP_IF_UNCHANGED)


def _url() -> str:
    return current_app.config.get("SYNTH_LIVE_REDIS_URL") or ""


@cache
def _prefix(database_url: str) -> str:
    """Keys of one database's runs: two deployments (or test databases) sharing
    a Redis never read each other's run ids."""
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:12]
    return f"synth:live:{digest}:"


def _keys(execution_id: int) -> tuple[str, str]:
    """The keys of a run's reading and of its change counter."""
    prefix = _prefix(str(current_app.config["SQLALCHEMY_DATABASE_URI"]))
    return f"{prefix}v:{execution_id}", f"{prefix}g:{execution_id}"


class Look:
    """What Redis held for a run when a poll looked: its reading and generation."""

    def __init__(self, value: bytes | None, generation: bytes | None) -> None:
        self.generation = (generation or b"").decode()
        self.reading: tuple[int, str, int] | None = None
        if value is not None:
            owner, status, steps = value.decode().split("|")
            self.reading = int(owner), status, int(steps)


def look(execution_id: int) -> Look | None:
    """Read what is kept for a run (one round trip), or None without Redis."""
    url = _url()
    if not url:
        return None
    try:
        value, generation = _client(url).mget(*_keys(execution_id))
    except Exception:  # noqa: BLE001 - Redis down: read the database instead
        log.warning("Live versions: Redis did not answer", exc_info=True)
        return None
    return Look(value, generation)


def keep(execution_id: int, seen: Look, owner: int, status: str, steps: int) -> None:
    """Keep what the database said about a run, unless it changed since `seen`."""
    url = _url()
    if not url:
        return
    keys = list(_keys(execution_id))
    try:
        _keep_script(url)(
            keys=keys, args=[f"{owner}|{status}|{steps}", seen.generation, TTL_SECONDS]
        )
    except Exception:  # noqa: BLE001 - only a cache
        log.warning("Live versions: Redis did not answer", exc_info=True)


def answer(execution_id: int, signed_in_as: str | None) -> tuple[str, int] | None:
    """A run's (status, steps) from Redis alone, for the browser session that owns it.

    `signed_in_as` is the session cookie's "<user id>:<secret>". None unless
    Redis keeps both this session (seen active by a poll TTL_SECONDS ago at
    most, and not revoked since) and a reading of this run owned by its user:
    then a poll can answer without the database.
    """
    url = _url()
    if not url or not signed_in_as:
        return None
    user_id, _, secret = signed_in_as.partition(":")
    if not user_id.isdigit() or not secret:
        return None
    try:
        who, value = _client(url).mget(
            _session_key(hash_secret(secret)), _keys(execution_id)[0]
        )
    except Exception:  # noqa: BLE001 - Redis down: read the database instead
        log.warning("Live versions: Redis did not answer", exc_info=True)
        return None
    if who is None or value is None or who.decode() != user_id:
        return None
    reading = Look(value, None).reading
    if reading is None or str(reading[0]) != user_id:
        return None
    return reading[1], reading[2]


def keep_session(signed_in_as: str | None, user_id: int) -> None:
    """Remember, for TTL_SECONDS, that this browser session is active (just checked)."""
    url = _url()
    if not url or not signed_in_as:
        return
    cookie_user, _, secret = signed_in_as.partition(":")
    if cookie_user != str(user_id) or not secret:
        return
    try:
        _client(url).set(
            _session_key(hash_secret(secret)), str(user_id), ex=TTL_SECONDS
        )
    except Exception:  # noqa: BLE001 - only a cache
        log.warning("Live versions: Redis did not answer", exc_info=True)


def forget_sessions(token_hashes: Iterable[str]) -> None:
    """Drop revoked browser sessions (signed out): their polls check the database."""
    url = _url()
    keys = [_session_key(token_hash) for token_hash in token_hashes]
    if not url or not keys:
        return
    try:
        _client(url).delete(*keys)
    except Exception:  # noqa: BLE001 - they end on their own in TTL_SECONDS
        log.warning(
            "Live versions: could not drop %d sessions", len(keys), exc_info=True
        )


def hash_secret(secret: str) -> str:
    """The SHA-256 of a session secret, as the session records keep it."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _session_key(token_hash: str) -> str:
    return (
        f"{_prefix(str(current_app.config['SQLALCHEMY_DATABASE_URI']))}s:{token_hash}"
    )


def changed(execution_ids: Iterable[int | None]) -> None:
    """Say that runs just changed (after the write committed): drop their readings."""
    url = _url()
    ids = [run_id for run_id in execution_ids if run_id is not None]
    if not url or not ids:
        return
    try:
        pipe = _client(url).pipeline(transaction=False)
        for run_id in ids:
            value, generation = _keys(run_id)
            pipe.incr(generation)
            pipe.expire(generation, GENERATION_SECONDS)
            pipe.delete(value)
        pipe.execute()
    except Exception:  # noqa: BLE001 - the reading ends on its own in TTL_SECONDS
        log.warning(
            "Live versions: could not drop %d readings", len(ids), exc_info=True
        )

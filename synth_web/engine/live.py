"""What a live run page last saw, kept in Redis so an unchanged poll costs no query.

A run page polls `/executions/<id>/status?v=<version>` every second; the version
is the run's status and step count. With `SYNTH_LIVE_REDIS_URL` set, the version
read from the database is kept here under the run's id, with its owner's id, for
30 to `READING_SECONDS` (spread, so that pages opened together do not all read
the database again in the same instant); every write that changes a run (claim,
step, finish, cancel, sweep, an outside engine's report) drops it, so the next
poll reads the database again. The browser sessions a poll found active are
kept the same way, for `SESSION_SECONDS`, and every revoke (signing out) drops
them. A poll of a kept session needs no sign-in query, and one whose version
matches the kept reading answers 204 from Redis alone; another person's poll
never matches, because the owner is part of what is kept, and a signed-out
browser's session is no longer kept.

Without the setting, or when Redis does not answer, everything reads the database
as before. A write that somehow did not drop its key (Redis did not answer it)
shows on the page at most `READING_SECONDS` late: a missed drop delays, never
freezes.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, NamedTuple

from flask import current_app

log = logging.getLogger(__name__)

# A browser session is vouched for this long after a poll's full sign-in.
SESSION_SECONDS = 10
# A reading is only a backstop's length: every write drops it. Each expiry costs
# a poll a query and a Redis write (2.2 ms against 0.85 through gunicorn); at
# 5-10 s one poll in eight took that path, its p95 with it (issue 20).
READING_SECONDS = 60
# A reading is kept for a random part of the last half of READING_SECONDS: pages
# opened together (after a deploy, a dashboard of runs) would otherwise all read
# the database in the same instant (issue 20: 200 pages' polls took 70-160 ms in
# that second, 3 ms otherwise).
SHORTEST_KEEP_MS = READING_SECONDS * 500
# A run's change counter outlives any poll's database read by far.
GENERATION_SECONDS = 60
# Keep a poll's reading only if no write came between its look and its keep:
# otherwise a reading taken just before a change would outlive the change.
KEEP_IF_UNCHANGED = """
if (redis.call('GET', KEYS[2]) or '') == ARGV[2] then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
end
"""


@cache
def _client(url: str) -> Any:
    """One Redis client (and connection pool) per URL and process."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


@cache
def _keep_script(client: Any) -> Any:
    return client.register_script(KEEP_IF_UNCHANGED)


def _ask(command: Callable[[Any], Any]) -> Any:
    """Run a command on the live Redis; None without one or when it does not
    answer (everything then reads the database, or ends in READING_SECONDS)."""
    url = current_app.config.get("SYNTH_LIVE_REDIS_URL")
    if not url:
        return None
    try:
        return command(_client(url))
    except Exception:  # noqa: BLE001 - only a cache
        log.warning("Live versions: Redis did not answer", exc_info=True)
        return None


@cache
def _digest(database_url: str) -> str:
    return hashlib.sha256(database_url.encode()).hexdigest()[:12]


def _prefix() -> str:
    """Keys of one database's runs: two deployments (or test databases) sharing
    a Redis never read each other's run ids."""
    return f"synth:live:{_digest(str(current_app.config['SQLALCHEMY_DATABASE_URI']))}:"


def _keys(execution_id: int) -> tuple[str, str]:
    """The keys of a run's reading and of its change counter."""
    prefix = _prefix()
    return f"{prefix}v:{execution_id}", f"{prefix}g:{execution_id}"


def _session_key(signed_in_as: str | None) -> tuple[str, str] | None:
    """The user id and Redis key of a session cookie's "<user id>:<secret>"."""
    user_id, _, secret = (signed_in_as or "").partition(":")
    if not user_id.isdigit() or not secret:
        return None
    return user_id, _session_redis_key(hash_secret(secret))


def _session_redis_key(token_hash: str) -> str:
    return f"{_prefix()}s:{token_hash}"


def _reading(value: bytes | None) -> tuple[int, str, int] | None:
    """A kept reading: (owner id, status, step count)."""
    if value is None:
        return None
    owner, status, steps = value.decode().split("|")
    return int(owner), status, int(steps)


class Look:
    """What Redis held for a run when a poll looked: its reading and generation."""

    def __init__(self, value: bytes | None, generation: bytes | None) -> None:
        self.generation = (generation or b"").decode()
        self.reading = _reading(value)


def look(execution_id: int) -> Look | None:
    """Read what is kept for a run (one round trip), or None without Redis."""
    found = _ask(lambda redis: redis.mget(*_keys(execution_id)))
    return Look(*found) if found is not None else None


def keep(execution_id: int, seen: Look, owner: int, status: str, steps: int) -> None:
    """Keep what the database said about a run, unless it changed since `seen`."""
    value = f"{owner}|{status}|{steps}"
    _ask(
        lambda redis: _keep_script(redis)(
            keys=list(_keys(execution_id)),
            args=[value, seen.generation, _keep_ms()],
        )
    )


def _keep_ms() -> int:
    return random.randint(SHORTEST_KEEP_MS, READING_SECONDS * 1000)  # noqa: S311 - no secret


class Vouched(NamedTuple):
    """A browser session Redis vouches for, and what it keeps of the polled run."""

    user_id: int
    seen: Look


def vouch(execution_id: int, signed_in_as: str | None) -> Vouched | None:
    """The poll's browser session, if Redis vouches for it, with the run's reading.

    `signed_in_as` is the session cookie's "<user id>:<secret>". None unless
    Redis keeps this session (seen active by a poll SESSION_SECONDS ago at most, and
    not revoked since): then a poll needs no sign-in query, and none at all
    while a reading of this run owned by its person is kept. One round trip.
    """
    session = _session_key(signed_in_as)
    if session is None:
        return None
    user_id, key = session
    found = _ask(lambda redis: redis.mget(key, *_keys(execution_id)))
    if found is None or found[0] is None or found[0].decode() != user_id:
        return None
    return Vouched(int(user_id), Look(found[1], found[2]))


def keep_session(signed_in_as: str | None, user_id: int) -> None:
    """Remember, for SESSION_SECONDS, that this browser session is active."""
    session = _session_key(signed_in_as)
    if session is not None and session[0] == str(user_id):
        _ask(lambda redis: redis.set(session[1], session[0], ex=SESSION_SECONDS))


def forget_sessions(token_hashes: Iterable[str]) -> None:
    """Drop revoked browser sessions (signed out): their polls check the database."""
    keys = [_session_redis_key(token_hash) for token_hash in token_hashes]
    if keys:
        _ask(lambda redis: redis.delete(*keys))


def hash_secret(secret: str) -> str:
    """The SHA-256 of a session secret, as the session records keep it."""
    return hashlib.sha256(secret.encode()).hexdigest()


def changed(execution_ids: Iterable[int | None]) -> None:
    """Say that runs just changed (after the write committed): drop their readings."""
    ids = [run_id for run_id in execution_ids if run_id is not None]

    def drop(redis: Any) -> None:
        pipe = redis.pipeline(transaction=False)
        for run_id in ids:
            value, generation = _keys(run_id)
            pipe.incr(generation)
            pipe.expire(generation, GENERATION_SECONDS)
            pipe.delete(value)
        pipe.execute()

    if ids:
        _ask(drop)

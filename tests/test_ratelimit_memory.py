"""In-process rate-limit counters are cleaned by the thread that counts, no timer."""

from __future__ import annotations

import threading
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

import synth_web.extensions  # noqa: F401 - registers memory://
from synth_web import ratelimit_memory
from synth_web.ratelimit_memory import LockedMemoryStorage


def test_memory_counters_are_the_locked_storage():
    # What flask-limiter builds for RATELIMIT_STORAGE_URI=memory:// (the default).
    assert isinstance(storage_from_string("memory://"), LockedMemoryStorage)


def test_counting_starts_no_thread():
    storage = LockedMemoryStorage()
    storage.timer.join()  # the constructor's one cleaning pass
    limiter = FixedWindowRateLimiter(storage)
    before = threading.active_count()
    counts = [limiter.hit(parse("1000 per minute"), "hook", str(n)) for n in range(200)]
    assert all(counts)
    assert threading.active_count() == before


def test_expired_entries_are_cleaned_by_a_later_count(monkeypatch):
    monkeypatch.setattr(ratelimit_memory, "EXPIRE_EVERY", 0.0)
    storage = LockedMemoryStorage()
    storage.timer.join()
    limiter = MovingWindowRateLimiter(storage)
    one_second = parse("1 per 1 second")
    assert limiter.hit(one_second, "login", "old")
    assert not limiter.hit(one_second, "login", "old")  # counted: the limit holds
    storage.incr("stale", 0.05)
    time.sleep(1.1)
    storage.incr("other", 60)  # any count cleans what expired
    assert "stale" not in storage.storage
    assert storage.events.get(one_second.key_for("login", "old"), []) == []
    assert limiter.hit(one_second, "login", "old")


def test_a_thread_counting_while_another_cleans_does_not_wait():
    storage = LockedMemoryStorage()
    storage.timer.join()
    with storage.expiry_lock:  # another thread is cleaning
        counted = threading.Event()
        other = threading.Thread(
            target=lambda: (storage.incr("hook", 60), counted.set())
        )
        other.start()
        assert counted.wait(5)
    other.join(5)
    assert storage.get("hook") == 1

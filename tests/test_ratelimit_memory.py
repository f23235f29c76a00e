"""In-process rate-limit counters restart their expiry timer one thread at a time."""

from __future__ import annotations

import threading

from limits.storage import storage_from_string

import synth_web.extensions  # noqa: F401 - registers memory://
from synth_web.ratelimit_memory import LockedMemoryStorage


def test_memory_counters_are_the_locked_storage():
    # What flask-limiter builds for RATELIMIT_STORAGE_URI=memory:// (the default).
    assert isinstance(storage_from_string("memory://"), LockedMemoryStorage)


def test_a_stopped_timer_is_restarted_under_the_lock():
    storage = LockedMemoryStorage()
    storage.timer.join()  # the first expiry pass is over: the timer has stopped
    counted = threading.Event()

    def count() -> None:
        storage.incr("hook", 60)
        counted.set()

    with storage.expiry_lock:
        other = threading.Thread(target=count)
        other.start()
        # While another thread restarts the timer, this one waits for it.
        assert not counted.wait(0.2)
    assert counted.wait(5)
    other.join(5)
    assert storage.get("hook") == 1

"""`memory://` rate-limit counters that expire old entries without timer threads.

limits 5.8.0 (the newest release here) cleans its memory storage from a
`threading.Timer` of 10 ms, started again on every count once the last one has
ended: under 100 webhooks a second each web process started ~50 threads a
second (0.2 ms of CPU each), and, with no lock around the restart, two request
threads counting at once could start the same timer twice ("threads can only be
started once": the webhook answered 500; fixed upstream in alisaifee/limits#352,
unreleased). Issue 20.

This storage takes the scheme `memory` over and does the same cleaning in the
counting thread instead, at most once every EXPIRE_EVERY seconds. Counting stays
exact without it: a counter read after its window is dropped on the read (limits'
own `get`); the cleaning only frees keys nobody reads again.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from limits.storage import MemoryStorage

EXPIRE_EVERY = 1.0


class LockedMemoryStorage(MemoryStorage):
    """limits' MemoryStorage, cleaned by the thread that counts, now and then."""

    STORAGE_SCHEME = ["memory"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.expiry_lock = threading.Lock()
        self.next_expiry = 0.0
        super().__init__(*args, **kwargs)  # its first timer runs once and ends

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - its name
        now = time.monotonic()
        if now < self.next_expiry or not self.expiry_lock.acquire(blocking=False):
            return  # cleaned a moment ago, or another thread is cleaning
        try:
            self.next_expiry = now + EXPIRE_EVERY
            self._MemoryStorage__expire_events()
        finally:
            self.expiry_lock.release()

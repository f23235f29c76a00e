"""`memory://` rate-limit counters whose expiry timer starts under a lock.

limits 5.8.0 (the newest release here) starts its memory storage's expiry timer
with no lock: two request threads counting at once can both find the timer
stopped, and one then starts the timer the other already started ("threads can
only be started once"), so the webhook answers 500. The ingest benchmark hit it
twice in a day (issue 20). Fixed upstream (alisaifee/limits#352), unreleased.
This storage takes the scheme `memory` over; it changes nothing else.
"""

from __future__ import annotations

import threading
from typing import Any

from limits.storage import MemoryStorage


class LockedMemoryStorage(MemoryStorage):
    """limits' MemoryStorage, its timer (re)started by one thread at a time."""

    STORAGE_SCHEME = ["memory"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.expiry_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - its name
        with self.expiry_lock:
            if not self.timer.is_alive():
                self.timer = threading.Timer(0.01, self._MemoryStorage__expire_events)
                self.timer.start()

"""Whether a thread-mode process is crowded: it has been answering requests at once.

gunicorn hands each connection to whichever process accepts it first, and one
process may get them all: running their runs as well, it answered ~150 webhooks a
second while the other idled (issue 20). A crowded process leaves its webhooks'
runs queued for whichever process has threads to spare (ThreadExecutor.crowded).

A moment with two requests at once is not that: at 100 webhooks a second shared by
two processes it happens every second, and each run it left queued queued every
later run of its person behind it (runs start in queue order), so the whole load
paid the queue's dearer path for seconds. So the count in flight is also averaged
over the last moments, and both must be high.
"""

from __future__ import annotations

import math
import threading
import time


class Crowding:
    """Requests in flight in this process, now and averaged over time."""

    # Over how long requests in flight are averaged (seconds), and the average
    # above which the process is crowded.
    LOAD_SECONDS = 0.5
    CROWDED_LOAD = 2.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests = 0
        self._load = 0.0
        self._load_at = time.monotonic()

    def started(self) -> None:
        """Count a request in."""
        self._count(1)

    def ended(self) -> None:
        """Count a request out."""
        self._count(-1)

    def _count(self, change: int) -> None:
        with self._lock:
            self._average()  # the count so far held until now
            self._requests += change

    def crowded(self) -> bool:
        """More than one request in flight now, and more than CROWDED_LOAD lately."""
        with self._lock:
            return self._requests > 1 and self._average() > self.CROWDED_LOAD

    def _average(self) -> float:
        """Bring the average up to now (lock held): each count weighs as long as
        it held, the older ones less and less (a moving average over time)."""
        now = time.monotonic()
        kept = math.exp(-(now - self._load_at) / self.LOAD_SECONDS)
        self._load = self._load * kept + self._requests * (1 - kept)
        self._load_at = now
        return self._load

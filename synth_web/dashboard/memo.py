"""Keep a busy person's run figures for a few seconds, in each process.

On a busy account the figures read hundreds of thousands of index entries (the
7-day median cannot be added up from smaller pieces). Figures that took longer
than SLOW_SECONDS to compute are kept for SYNTH_DASHBOARD_CACHE_SECONDS for that
person and zone, and the page says when they were taken; quick ones are never
kept, so most people always see exact figures. What is live stays live: running
now, recent failures and connections are read on every request.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from synth_web.dashboard.figures import RunSummary

MAX_PEOPLE = 1024
# Figures computed faster than this are not worth keeping.
SLOW_SECONDS = 0.1


@dataclass(frozen=True)
class Figures:
    """The run figures of one person, as they were at `as_of`."""

    as_of: datetime
    runs: RunSummary
    median: timedelta | None


class FigureMemo:
    """A small thread-safe LRU of figures keyed by (user id, zone name)."""

    def __init__(self, size: int = MAX_PEOPLE) -> None:
        self.size = size
        self.items: OrderedDict[tuple[int, str], Figures] = OrderedDict()
        self.lock = threading.Lock()

    def get(
        self, key: tuple[int, str], now: datetime, max_age: timedelta
    ) -> Figures | None:
        """Return figures taken at most `max_age` before `now` (never after it)."""
        with self.lock:
            found = self.items.get(key)
            if found is None or not timedelta(0) <= now - found.as_of <= max_age:
                return None
            self.items.move_to_end(key)
            return found

    def put(self, key: tuple[int, str], figures: Figures) -> None:
        """Remember figures, forgetting the least recently used beyond the size."""
        with self.lock:
            self.items[key] = figures
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


def remembered(
    key: tuple[int, str], now: datetime, compute: Callable[[], Figures]
) -> Figures:
    """Return this process's recent figures for the key, or compute them now."""
    seconds = current_app.config.get("SYNTH_DASHBOARD_CACHE_SECONDS", 0)
    if seconds <= 0:
        return compute()
    memo = current_app.extensions.setdefault("dashboard_figures", FigureMemo())
    found = memo.get(key, now, timedelta(seconds=seconds))
    if found is None:
        began = time.perf_counter()
        found = compute()
        if time.perf_counter() - began >= SLOW_SECONDS:
            memo.put(key, found)
    return found

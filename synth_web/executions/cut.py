"""Cut a stored record down to what a page or an answer can carry.

Runs recorded before the engine bounded its records (or written straight into the
database) may hold 40 MB strings, a million items or nesting a thousand levels
deep. Pages and the API show them cut: long texts shortened, long lists and
objects stopped, deep nesting replaced, each cut saying what it left out.
"""

from __future__ import annotations

from typing import Any

MAX_TEXT = 100_000  # characters of one string
MAX_ITEMS = 1_000  # items of one list or object
MAX_DEPTH = 32  # levels of nesting
MAX_NODES = 20_000  # values in one record


class _Counter:
    def __init__(self) -> None:
        self.left = MAX_NODES


def cut(value: Any) -> Any:
    """Return a copy of a JSON value that is small and shallow enough to show."""
    return _cut(value, 0, _Counter())


def _cut(value: Any, depth: int, counter: _Counter) -> Any:
    counter.left -= 1
    if isinstance(value, str):
        if len(value) <= MAX_TEXT:
            return value
        left_out = len(value) - MAX_TEXT
        return f"{value[:MAX_TEXT]}… [{left_out:,} more characters cut for display]"
    if not isinstance(value, dict | list):
        return value
    if depth >= MAX_DEPTH or counter.left <= 0:
        what = "nested too deep" if depth >= MAX_DEPTH else "too large"
        return f"[{len(value):,} items, {what} to show]"
    if isinstance(value, dict):
        items = list(value.items())
        shown = {str(k): _cut(v, depth + 1, counter) for k, v in items[:MAX_ITEMS]}
        if len(items) > MAX_ITEMS:
            shown["…"] = f"{len(items) - MAX_ITEMS:,} more keys cut for display"
        return shown
    shown_list = [_cut(v, depth + 1, counter) for v in value[:MAX_ITEMS]]
    if len(value) > MAX_ITEMS:
        shown_list.append(f"… {len(value) - MAX_ITEMS:,} more items cut for display")
    return shown_list


def cut_text(text: str | None) -> str | None:
    """Shorten a long text (an error log) for display."""
    if text is None or len(text) <= MAX_TEXT:
        return text
    return f"{text[:MAX_TEXT]}… [{len(text) - MAX_TEXT:,} more characters cut]"

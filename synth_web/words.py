"""Words for counts, written once for Python and templates (the `plural` filter)."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """Say a count with its noun: "1 workflow", "3 workflows", "1,200 entries".

    `many` is the plural when adding an s is wrong ("entry" → "entries").
    """
    noun = word if count == 1 else (many or f"{word}s")
    return f"{count:,} {noun}"

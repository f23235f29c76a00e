"""Searching text: LIKE patterns that match literally, and safe highlighting.

Highlighting escapes the text first and only then wraps the matches in <mark>,
so a message that contains "<script>" is shown as those characters.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

SNIPPET_LENGTH = 240


def like_pattern(text: str) -> str:
    """Turn typed text into a LIKE pattern (escape \\) that matches it anywhere."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def highlight(text: str, q: str | None) -> Markup:
    """Escape text, then wrap every case-insensitive match of q in <mark>."""
    if not q:
        return escape(text)
    parts: list[Markup] = []
    last = 0
    for match in re.finditer(re.escape(q), text, flags=re.IGNORECASE):
        parts.append(escape(text[last : match.start()]))
        parts.append(Markup("<mark>{}</mark>").format(match.group()))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def snippet(text: str, q: str | None, length: int = SNIPPET_LENGTH) -> str:
    """Cut long text down to a window around the first match of q."""
    if len(text) <= length:
        return text
    found = text.lower().find(q.lower()) if q else -1
    start = max(found - length // 3, 0) if found > 0 else 0
    end = min(start + length, len(text))
    start = max(end - length, 0)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return f"{prefix}{text[start:end].strip()}{suffix}"

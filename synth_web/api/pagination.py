"""Cursor pages for the API: opaque cursors over a keyset, never OFFSET.

A cursor is the sort key of the last row a page returned, packed as URL-safe
base64 of a small JSON list and tagged with what it pages, so a cursor from one
list is refused by another. The next page starts strictly after that key, so
rows inserted meanwhile never shift a page or show a row twice.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from synth_web.api.problems import ApiProblem

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 100


def encode_cursor(kind: str, *values: Any) -> str:
    """Pack a list's name and a row's sort key into an opaque string."""
    raw = json.dumps(
        [kind, *[v.isoformat() if isinstance(v, datetime) else v for v in values]],
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def bad_cursor() -> ApiProblem:
    """Refuse a cursor that this list did not hand out."""
    return ApiProblem(
        422,
        "The cursor is not one this list handed out. Start again without it.",
        "invalid-request",
        [{"path": "cursor", "message": "Unknown or damaged cursor."}],
    )


def decode_cursor(token: str, kind: str, types: Sequence[type]) -> list[Any]:
    """Unpack a cursor of this list into values of the given types."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw.decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_cursor() from None
    if not isinstance(values, list) or len(values) != len(types) + 1:
        raise bad_cursor()
    if values[0] != kind:
        raise bad_cursor()
    out = []
    for value, wanted in zip(values[1:], types, strict=True):
        out.append(convert(value, wanted))
    return out


def convert(value: Any, wanted: type) -> Any:
    """Check one cursor value's type, reading datetimes from ISO text."""
    if wanted is datetime:
        try:
            stamp = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise bad_cursor() from None
        if stamp.tzinfo is None:
            raise bad_cursor()
        return stamp
    if wanted is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, wanted) or isinstance(value, bool):
        raise bad_cursor()
    if wanted is int and not 0 < value < 2**63:
        raise bad_cursor()
    return value


def split_page(rows: list[T], limit: int) -> tuple[list[T], bool]:
    """Cut the extra row read to tell whether another page follows."""
    return rows[:limit], len(rows) > limit

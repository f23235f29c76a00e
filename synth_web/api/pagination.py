"""Cursor pages for the six API lists: keysets, never OFFSET, one helper for all.

A cursor is the sort key of the last row a page returned, written plainly so
the OpenAPI document can give its exact pattern: ids as digits, times as
microseconds since 1970-01-01 UTC, relevance as a decimal, joined by `_`
(`1767225600000000_42`). Every text that matches the pattern names a position,
and the list answers 200 from there, whether or not a row sits exactly at it:
the next page starts strictly after that key, so rows inserted meanwhile never
shift a page or show a row twice. Positions past the ends are clamped to them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, tuple_

from synth_web.api.problems import ApiProblem
from synth_web.inputs import MAX_ID

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 100
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LAST_MICROSECOND = (datetime.max.replace(tzinfo=UTC) - EPOCH) // timedelta(
    microseconds=1
)
# Every float from 0 to 1 written without an exponent (5e-324 has 324 decimals).
PARTS = {
    "id": r"[0-9]{1,10}",
    "time": r"[0-9]{1,18}",
    "score": r"(?:0(?:\.[0-9]{1,330})?|1(?:\.0{1,330})?)",
}


def _read(part: str, text: str) -> Any:
    """Turn one matched part of a cursor into its value, clamped to what exists."""
    if part == "id":
        return min(int(text), MAX_ID)
    if part == "time":
        return EPOCH + timedelta(microseconds=min(int(text), LAST_MICROSECOND))
    return float(text)


def _write(part: str, value: Any) -> str:
    """Write one value of a row's sort key as its cursor part."""
    if part == "time":
        return str((value.astimezone(UTC) - EPOCH) // timedelta(microseconds=1))
    if part == "score":
        # The shortest text that reads back as the same float, without exponent.
        return format(Decimal(repr(float(value))), "f")
    return str(int(value))


@dataclass(frozen=True)
class Keyset:
    """How one list's cursor names a row: the parts of its sort key, in order."""

    parts: tuple[str, ...]
    example: str

    @property
    def pattern(self) -> str:
        """Return the regular expression every cursor of this list matches."""
        return "^" + "_".join(PARTS[part] for part in self.parts) + "$"

    def description(self) -> str:
        """Say what a cursor is, for the document."""
        return (
            "`next_cursor` of the previous page; leave out for the first. Any "
            f"text of this pattern names a position (like `{self.example}`)."
        )

    def decode(self, token: str) -> tuple[Any, ...]:
        """Read a cursor into its values; 422 when it does not match the pattern."""
        match = re.fullmatch(self.pattern, token)
        if match is None:
            raise bad_cursor(self.pattern)
        texts = token.split("_")
        return tuple(_read(p, t) for p, t in zip(self.parts, texts, strict=True))

    def encode(self, *values: Any) -> str:
        """Write a row's sort key as a cursor."""
        return "_".join(_write(p, v) for p, v in zip(self.parts, values, strict=True))


BY_ID = Keyset(("id",), "42")
BY_TIME = Keyset(("time", "id"), "1767225600000000_42")
BY_SCORE = Keyset(("score", "id"), "0.75_42")


def bad_cursor(pattern: str) -> ApiProblem:
    """Refuse a cursor that is not of this list's shape."""
    return ApiProblem(
        422,
        "The cursor is not one of this list's. Start again without it.",
        "invalid-request",
        [{"path": "cursor", "message": f"A cursor matches {pattern}."}],
    )


def after(
    statement: Select,
    keys: Sequence[ColumnElement[Any]],
    position: Iterable[Any] | None,
    limit: int,
    descending: bool = True,
) -> Select:
    """Order a statement by its keys and start it strictly after a position.

    One row more than the page is read, to tell whether another page follows.
    """
    if position is not None:
        row, place = tuple_(*keys), tuple(position)
        statement = statement.where(row < place if descending else row > place)
    order = [key.desc() if descending else key.asc() for key in keys]
    return statement.order_by(*order).limit(limit + 1)


def keyset_page(
    read: Callable[[Select], Iterable[T]],
    statement: Select,
    keyset: Keyset,
    keys: Sequence[ColumnElement[Any]],
    cursor: str | None,
    limit: int,
    descending: bool = True,
    written: Sequence[ColumnElement[Any]] | None = None,
) -> tuple[list[T], str | None]:
    """Read the page after a cursor's position; return it and the next cursor.

    The page is ordered by `keys`; its cursor writes `written` (the keys unless
    said otherwise) of the last row, and a position compares on its last parts:
    memory writes (relevance, id) in both orders, newest first reads the id.
    """
    position = keyset.decode(cursor)[-len(keys) :] if cursor else None
    rows = list(read(after(statement, keys, position, limit, descending)))
    shown = rows[:limit]
    if len(rows) <= limit:
        return shown, None
    last = shown[-1]
    return shown, keyset.encode(*(getattr(last, c.key) for c in written or keys))

"""The one guard on data coming in: JSON that every database keeps, text without NUL.

Every entry uses it (forms, URLs, webhook bodies, API bodies, imports), before
any work is done: what passes can be stored on SQLite and PostgreSQL and shown
again by every page and the API. What fails raises `Refused`, which names
where the value is and what is wrong with it, so each caller can answer with a
clear 4xx (a message beside the field, a problem document, a JSON error).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 64
MAX_NODES = 10_000
MAX_STRING_BYTES = 1024 * 1024
# JSON integers must fit the 64-bit integers SQLite keeps (and JavaScript
# programs reading the API can at least compare them).
MIN_INTEGER = -(2**63)
MAX_INTEGER = 2**63 - 1
# The largest id any table can hand out (PostgreSQL `integer`).
MAX_ID = 2_147_483_647
TOO_BIG = "Whole numbers must fit in 64 bits (±9,223,372,036,854,775,807)."
ASCII_DIGITS = re.compile(r"[0-9]+")
# Page numbers past this are past any list a person has: the last page shown.
MAX_PAGE = 100_000


class Refused(ValueError):
    """A value no page or database can take: where it is and what is wrong."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


def text_problem(text: str) -> str | None:
    """Say why text cannot be stored (NUL, a lone surrogate), or return None."""
    # `in` and encode() run in C: a regex search is 50 times slower on 1 MB.
    if "\x00" in text:
        return "Text may not contain NUL characters (\\u0000)."
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "Text may not contain unpaired surrogates (\\ud800–\\udfff)."
    return None


def check_text(text: str, path: str = "") -> str:
    """Return the text if it can be stored, else raise Refused."""
    problem = text_problem(text)
    if problem:
        raise Refused(path, problem)
    return text


def _length_problem(text: str) -> str | None:
    # Four bytes per character at most: short text needs no encoding to tell.
    if len(text) * 4 <= MAX_STRING_BYTES:
        return None
    if len(text.encode("utf-8", "surrogatepass")) <= MAX_STRING_BYTES:
        return None
    return "Text is longer than 1 MB."


def _scalar_problem(value: Any) -> str | None:
    """Say what is wrong with one JSON leaf, or return None."""
    if isinstance(value, str):
        return text_problem(value) or _length_problem(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        if not MIN_INTEGER <= value <= MAX_INTEGER:
            return TOO_BIG
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return "Numbers must be finite: NaN, Infinity and 1e999 are not JSON."
        return None
    return f"{type(value).__name__} is not a JSON value."


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def check_json(value: Any, path: str = "") -> Any:
    """Return a parsed JSON value if every database can keep it, else raise Refused.

    Depth at most 64, at most 10,000 keys and items in all, text at most 1 MB
    without NUL or lone surrogates, finite numbers, 64-bit whole numbers.
    Walked with a stack, not recursion: the value may be as deep as it likes.
    A quick walk says yes or no; only a no walks again to say where.
    """
    if _storable(value):
        return value
    _locate(value, path)
    return value  # not reached: _locate raises


def _storable(value: Any) -> bool:
    """Tell quickly whether a value passes (no paths built on the way)."""
    if type(value) is not dict and type(value) is not list:
        return _scalar_problem(value) is None
    search, nodes = text_problem, 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        nodes += len(item)
        if depth >= MAX_DEPTH or nodes > MAX_NODES:
            return False
        if type(item) is dict:
            if any(type(k) is not str or search(k) for k in item):
                return False
            item = item.values()
        for child in item:
            kind = type(child)
            if kind is str:
                if search(child) or _length_problem(child):
                    return False
            elif kind is dict or kind is list:
                stack.append((child, depth + 1))
            elif child is not None and kind is not bool and _scalar_problem(child):
                return False
    return True


def _locate(value: Any, path: str) -> None:
    """Walk again, building paths, and raise Refused where the value fails."""
    nodes = 0
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise Refused(where, f"Nested deeper than {MAX_DEPTH} levels.")
            nodes += len(item)
            if nodes > MAX_NODES:
                raise Refused(where, f"More than {MAX_NODES:,} keys and items.")
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(key, str) and (problem := _scalar_problem(key)):
                    raise Refused(where, f"A key: {problem}")
                stack.append((child, _join(where, key), depth + 1))
            continue
        problem = _scalar_problem(item)
        if problem:
            raise Refused(where, problem)


def load_json(text: str | bytes, path: str = "") -> Any:
    """Parse JSON text and check it; raise Refused for anything not storable.

    Plain syntax errors still raise json.JSONDecodeError (with line and column)
    so editors can point at them.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Refused(path, "The JSON is not UTF-8 text.") from None
    if len(text) > MAX_STRING_BYTES * 4:
        raise Refused(path, "The JSON is larger than 4 MB.")
    try:
        # NaN and Infinity parse (to floats) so the check can say where they are.
        value = json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise Refused(path, f"Nested deeper than {MAX_DEPTH} levels.") from None
    except ValueError:
        # Python refuses whole numbers of more than 4,300 digits outright.
        raise Refused(path, TOO_BIG) from None
    return check_json(value, path)


def whole_number(text: str | None, maximum: int = MAX_ID) -> int | None:
    """Read ASCII digits as a number from 1 to `maximum`; anything else is None.

    `str.isdigit` says yes to "²" and "٣", which `int` then refuses or reads
    as a number the person never typed.
    """
    if not text or not ASCII_DIGITS.fullmatch(text) or len(text) > 20:
        return None
    number = int(text)
    return number if 1 <= number <= maximum else None


def page_number(text: str | None) -> int:
    """Read a page number: garbage is the first page, huge numbers the last we show.

    Bounded, so OFFSET never overflows (page 10**18 of 25 rows would).
    """
    if not text or not ASCII_DIGITS.fullmatch(text):
        return 1
    if len(text.lstrip("0")) > len(str(MAX_PAGE)):
        return MAX_PAGE
    return min(max(int(text), 1), MAX_PAGE)


def check_url() -> None:
    """Refuse NUL in the path or query (Refused), and ids no row can have (404).

    Runs before every view, so no query ever sees such a value: PostgreSQL
    refuses NUL in text, and an id past the `integer` range is an error there
    (and an overflow on SQLite) where it should simply be "not found".
    """
    for name, value in request.args.items(multi=True):
        check_text(name, "query")
        check_text(value, name)
    check_text(request.path, "path")
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 0 < value <= MAX_ID:
            abort(404)


class GuardedJSON(DefaultJSONProvider):
    """Flask's JSON, reading request bodies through the guard."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse and check JSON; Refused says what no database could keep."""
        if kwargs:
            # The session cookie's tagged JSON (object_hook): our own writing.
            return super().loads(s, **kwargs)
        return load_json(s)


class GuardedRequest:
    """Mixed into the app's request class: JSON errors keep the guard's words."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        """Let Refused through to its handler; other errors stay a 400."""
        if isinstance(e, Refused):
            raise e
        return super().on_json_loading_failed(e)  # type: ignore[misc]


def init_app(app: Flask) -> None:
    """Make every `request.get_json()` of the app go through the guard."""
    app.json = GuardedJSON(app)
    # On top of whatever request class the extensions installed (htmx's).
    base = app.request_class
    app.request_class = type("GuardedRequest", (GuardedRequest, base), {})

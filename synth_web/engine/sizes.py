"""How big a template's value is, or would be: checked before it is built.

Every value a template makes is measured as the JSON text it would become
(strings by length, containers by what they hold, shared parts counted each time
they appear, as serialising them would), and every operation whose result grows
with an argument (`'a' * n`, `'a'.zfill(n)`, `x | center(n)` …) estimates its
result from its arguments first and refuses one over the cap without building it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from string import Formatter
from typing import Any

from jinja2.utils import Namespace

MAX_OUTPUT = 1_000_000  # characters of one rendered value, and of a step's record
MAX_DEPTH = 64  # the input guard's depth: a record deeper than this can't be stored
MAX_INT_BITS = 14_000  # about 4,200 digits: Python refuses to print longer numbers
_REMEMBER_ABOVE = 4096  # sizes of big containers are remembered, not walked again


class TooBig(ValueError):
    """A value (or the one an operation would make) is over a bound; says which."""


def too_big(what: str = "the result") -> TooBig:
    """Say, in words, that a value would pass the output cap."""
    return TooBig(
        f"{what} would be larger than {MAX_OUTPUT:,} characters, the most a "
        "template may produce"
    )


class Meter:
    """Measure values, remembering the size of big containers already measured."""

    def __init__(self, charge: Callable[[int], None] = lambda _n: None) -> None:
        # id -> (object, size): holding the object keeps its id from being reused.
        self._known: dict[int, tuple[Any, int]] = {}
        self._charge = charge

    def size(self, value: Any, limit: int = MAX_OUTPUT) -> int:
        """Return the JSON size of a value, raising TooBig past `limit`."""
        total = self._size(value, 0, limit)
        if total > limit:
            raise too_big("a value")
        return total

    def _size(self, value: Any, depth: int, limit: int) -> int:
        if isinstance(value, str):
            return len(value) + 2
        if isinstance(value, bool) or value is None:
            return 5
        if isinstance(value, int):
            return value.bit_length() * 3 // 10 + 2
        if isinstance(value, Namespace):
            value = dict(value._Namespace__attrs)  # type: ignore[attr-defined]
        if not isinstance(value, list | tuple | dict):
            return 24  # numbers, dates, ranges, loop helpers: printed short
        known = self._known.get(id(value))
        if known is not None:
            return known[1]
        if depth >= MAX_DEPTH:
            raise TooBig(f"a value is nested deeper than {MAX_DEPTH} levels")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        is_dict = isinstance(value, dict)
        total = 2
        for key, item in items:
            total += 2 + (self._size(key, depth, limit) if is_dict else 0)
            total += self._size(item, depth + 1, limit)
            if total > limit:
                raise too_big("a value")
        self._charge(1 + len(value) // 64)
        if total > _REMEMBER_ABOVE:
            self._known[id(value)] = (value, total)
        return total


def text_size(value: Any, meter: Meter) -> int:
    """Return how long `str(value)` would be, about, without making it."""
    if isinstance(value, str):
        return len(value)
    return meter.size(value)


def too_long_number() -> TooBig:
    """Say, in words, that a whole number would be too long."""
    return TooBig(f"a number would have more than {MAX_INT_BITS * 3 // 10:,} digits")


def check_binop(operator: str, left: Any, right: Any, meter: Meter) -> None:
    """Refuse `*`, `**`, `+` and `%` whose result would pass the cap."""
    if operator == "**":
        if isinstance(left, int) and isinstance(right, int) and abs(left) > 1:
            if (abs(left).bit_length() - 1) * right > MAX_INT_BITS:
                raise too_long_number()
    elif operator == "*":
        _check_times(left, right, meter)
    elif operator == "+" and isinstance(left, str | list | tuple):
        if meter.size(left) + meter.size(right) > MAX_OUTPUT:
            raise too_big("the result of `+`")
    elif operator == "%" and isinstance(left, str):
        check_printf(left, right, meter)


def _check_times(left: Any, right: Any, meter: Meter) -> None:
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS + 1:
            raise too_long_number()
        return
    sequence, times = (right, left) if isinstance(left, int) else (left, right)
    if isinstance(sequence, str | list | tuple) and isinstance(times, int):
        if times > 0 and meter.size(sequence) * times > MAX_OUTPUT:
            raise too_big("the result of `*`")


# printf-style fields: %(name)s, %-10.3f, %*d …
PRINTF = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[#0\- +]*(?P<width>\*|\d+)?"
    r"(?:\.(?P<precision>\*|\d+))?[hlL]?(?P<kind>[a-zA-Z%])"
)


def check_printf(template: str, args: Any, meter: Meter) -> None:
    """Refuse `template % args` (and `| format`) that would pass the cap."""
    positional = list(args) if isinstance(args, tuple) else [args]
    total = len(template)
    for match in PRINTF.finditer(template):
        if match["kind"] == "%":
            continue
        for part in ("width", "precision"):
            if match[part] == "*":
                number = positional.pop(0) if positional else 0
                total += number if isinstance(number, int) else 0
            elif match[part]:
                total += int(match[part])
        if match["key"] is not None and isinstance(args, Mapping):
            total += text_size(args.get(match["key"], ""), meter)
        elif positional:
            total += text_size(positional.pop(0), meter)
        if total > MAX_OUTPUT:
            raise too_big("the formatted text")


def check_format(template: str, args: tuple, kwargs: Mapping[str, Any], meter: Meter):
    """Refuse `str.format` whose result would pass the cap."""
    total, auto = 0, 0
    for literal, field, spec, _conversion in Formatter().parse(template):
        total += len(literal)
        if field is None:
            continue
        total += sum(int(n) for n in re.findall(r"\d+", spec or ""))
        name = re.split(r"[.\[]", field, maxsplit=1)[0]
        if name == "":
            name, auto = str(auto), auto + 1
        if name.isdigit():
            value = args[int(name)] if int(name) < len(args) else ""
        else:
            value = kwargs.get(name, "")
        total += text_size(value, meter)
        if "{" in (spec or ""):
            total += sum(v for v in (*args, *kwargs.values()) if isinstance(v, int))
        if total > MAX_OUTPUT:
            raise too_big("the formatted text")


def check_call(method: Any, args: tuple, kwargs: dict, meter: Meter) -> None:
    """Refuse a call of a str method whose result would pass the cap."""
    owner = getattr(method, "__self__", None)
    name = getattr(method, "__name__", "")
    if not isinstance(owner, str) or name not in STR_METHODS:
        return
    if STR_METHODS[name](owner, list(args), kwargs, meter) > MAX_OUTPUT:
        raise too_big(f"`{name}`")


def _arg(args: list, kwargs: dict, index: int, name: str, default: Any) -> Any:
    if len(args) > index:
        return args[index]
    return kwargs.get(name, default)


def _width(text: str, args: list, kwargs: dict, _meter: Meter) -> int:
    width = _arg(args, kwargs, 0, "width", 0)
    return max(len(text), width if isinstance(width, int) else 0)


def _expandtabs(text: str, args: list, kwargs: dict, _meter: Meter) -> int:
    size = _arg(args, kwargs, 0, "tabsize", 8)
    return len(text) + text.count("\t") * (size if isinstance(size, int) else 8)


def replaced_size(text: str, old: Any, new: Any, count: Any) -> int:
    """Return the length of `text.replace(old, new, count)` without making it."""
    if not isinstance(old, str) or not isinstance(new, str):
        return len(text)
    found = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


def _replace(text: str, args: list, kwargs: dict, _meter: Meter) -> int:
    old, new = _arg(args, kwargs, 0, "old", ""), _arg(args, kwargs, 1, "new", "")
    return replaced_size(text, old, new, _arg(args, kwargs, 2, "count", -1))


def joined_size(separator: str, items: Any, meter: Meter) -> int:
    """Return the length of `separator.join(items)`, stopping past the cap."""
    total = 0
    for index, item in enumerate(items):
        total += text_size(item, meter) + (len(separator) if index else 0)
        if total > MAX_OUTPUT:
            raise too_big("the joined text")
    return total


def _join(text: str, args: list, kwargs: dict, meter: Meter) -> int:
    items = args[0] if args else ()
    if isinstance(items, list | tuple | str | range):
        return joined_size(text, items, meter)
    return 0  # a one-off iterator: the result is measured once made


def _translate(text: str, args: list, kwargs: dict, meter: Meter) -> int:
    table = args[0] if args else {}
    longest = max((text_size(v, meter) for v in table.values()), default=1)
    return len(text) * max(longest, 1) if isinstance(table, dict) else len(text)


def _format(text: str, args: list, kwargs: dict, meter: Meter) -> int:
    check_format(text, tuple(args), kwargs, meter)
    return 0


def _format_map(text: str, args: list, kwargs: dict, meter: Meter) -> int:
    check_format(text, (), args[0] if args else {}, meter)
    return 0


STR_METHODS: dict[str, Callable[[str, list, dict, Meter], int]] = {
    "zfill": _width,
    "center": _width,
    "ljust": _width,
    "rjust": _width,
    "expandtabs": _expandtabs,
    "replace": _replace,
    "join": _join,
    "translate": _translate,
    "format": _format,
    "format_map": _format_map,
}

"""Jinja's filters whose result grows with an argument, checked before they run.

Each check estimates the result from the arguments and refuses one over the output
cap (`sizes.MAX_OUTPUT`) without making it; then Jinja's own filter runs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from jinja2 import filters as jinja_filters
from jinja2.utils import generate_lorem_ipsum

from synth_web.engine.sizes import (
    MAX_OUTPUT,
    TooBig,
    check_printf,
    joined_size,
    replaced_size,
    too_big,
)

MAX_LIPSUM_PARAGRAPHS = 100


def _meter() -> Any:
    from synth_web.engine.sandbox import budget

    return budget().meter


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _over(size: int, name: str) -> None:
    if size > MAX_OUTPUT:
        raise too_big(f"`{name}`")


def check_center(value: Any, width: int = 80) -> None:
    """center(width) makes a text of `width` characters."""
    _over(width if isinstance(width, int) else 0, "center")


def check_indent(value: Any, width: Any = 4, *_args: Any, **_kwargs: Any) -> None:
    """indent(width) adds `width` (or a text) to each line."""
    text = _text(value)
    step = len(width) if isinstance(width, str) else width
    _over(len(text) + (text.count("\n") + 1) * max(int(step), 0), "indent")


def check_wordwrap(value: Any, width: int = 79, *args: Any, **kwargs: Any) -> None:
    """wordwrap puts `wrapstring` at every break: at most one a character."""
    text = _text(value)
    wrapstring = kwargs.get("wrapstring", args[1] if len(args) > 1 else None) or "\n"
    breaks = min(len(text), len(text) // max(int(width), 1) + text.count(" ") + 1)
    _over(len(text) + breaks * len(_text(wrapstring)), "wordwrap")


def check_replace(value: Any, old: Any, new: Any, count: int | None = None) -> None:
    """replace can multiply a text by the length of `new`."""
    size = replaced_size(_text(value), _text(old), _text(new), count)
    _over(size, "replace")


def check_join(value: Any, d: str = "", attribute: Any = None) -> None:
    """join: the items' texts and the separators between them."""
    if attribute is None and isinstance(value, list | tuple | str | range):
        joined_size(_text(d), value, _meter())


def check_format(value: Any, *args: Any, **kwargs: Any) -> None:
    """format is `value % args`: widths and values add up."""
    check_printf(_text(value), kwargs or args, _meter())


def check_batch(value: Any, linecount: int, fill_with: Any = None) -> None:
    """batch(n) pads the last batch with up to n items."""
    _over(linecount if isinstance(linecount, int) else 0, "batch")


def check_slice(value: Any, slices: int, fill_with: Any = None) -> None:
    """slice(n) makes n lists, even from one item."""
    _over(slices if isinstance(slices, int) else 0, "slice")


def check_sum(iterable: Any, attribute: Any = None, start: Any = 0) -> None:
    """sum with a text or list `start` copies the growing total at every item."""
    if not isinstance(start, int | float):
        raise TooBig("`sum` adds up numbers only: use `join` for texts")


def checked_first(name: str, check: Callable[..., None]) -> Callable[..., Any]:
    """Wrap Jinja's filter `name` so that `check` runs on its arguments first."""
    original = jinja_filters.FILTERS[name]

    # Filters that take Jinja's context, eval context or environment get it first.
    skip = 1 if getattr(original, "jinja_pass_arg", None) is not None else 0

    @wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check(*args[skip:], **kwargs)
        return original(*args, **kwargs)

    return wrapper


CHECKS: dict[str, Callable[..., None]] = {
    "center": check_center,
    "indent": check_indent,
    "wordwrap": check_wordwrap,
    "replace": check_replace,
    "join": check_join,
    "format": check_format,
    "batch": check_batch,
    "slice": check_slice,
    "sum": check_sum,
}


def overrides() -> dict[str, Callable[..., Any]]:
    """Return the checked versions of the filters that grow with an argument."""
    return {name: checked_first(name, check) for name, check in CHECKS.items()}


def lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002
    """Jinja's lorem ipsum, with at most 100 paragraphs of at most 100 words."""
    if not 0 <= n <= MAX_LIPSUM_PARAGRAPHS or not 0 < min <= max <= 100:
        raise TooBig(
            f"lipsum makes at most {MAX_LIPSUM_PARAGRAPHS} paragraphs of at most "
            "100 words"
        )
    return generate_lorem_ipsum(n, html, min, max)

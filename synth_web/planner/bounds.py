"""Bounds on what the planner reads from elsewhere: the conversation, a model's answer.

Both are data from outside the request (earlier messages and their metadata, text
a model wrote), so each is checked for size and depth before anything reads it.

What any database keeps (no NUL, no lone surrogate, finite numbers) is the shared
input guard's rule (`synth_web/inputs.check_json`); on top of it, these bounds are
tighter in size and depth, because a plan and its conversation are small.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from synth_web.inputs import Refused, check_json

MAX_DEPTH = 24
MAX_NODES = 5_000
MAX_STRING = 20_000
MAX_MESSAGES = 20
MAX_MESSAGE_CHARS = 4_000
ROLES = ("user", "assistant")


class OutOfBounds(ValueError):
    """Data past the bounds: too deep, too many items, too long a text, or text
    no database keeps (NUL, an unpaired surrogate)."""


def check_bounds(value: Any) -> None:
    """Raise OutOfBounds unless a JSON value is within the bounds."""
    try:
        check_json(value)
    except Refused as exc:
        raise OutOfBounds(str(exc)) from None
    budget = [MAX_NODES]
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        budget[0] -= 1
        if budget[0] < 0:
            raise OutOfBounds(f"more than {MAX_NODES:,} values")
        if depth > MAX_DEPTH:
            raise OutOfBounds(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            if len(item) > MAX_STRING:
                raise OutOfBounds(f"a text longer than {MAX_STRING:,} characters")
        if isinstance(item, Mapping):
            for key, child in item.items():
                if not isinstance(key, str):
                    raise OutOfBounds("a key that is not text")
                stack.append((key, depth + 1))
                stack.append((child, depth + 1))
        elif isinstance(item, list | tuple):
            stack.extend((child, depth + 1) for child in item)


def within(value: Any) -> bool:
    """Tell whether a JSON value is within the bounds."""
    try:
        check_bounds(value)
    except OutOfBounds:
        return False
    return True


def field_of(message: Any, name: str) -> Any:
    """Read a field of a message given as a mapping or as a ChatMessage row."""
    if isinstance(message, Mapping):
        return message.get(name)
    return getattr(message, "meta" if name == "metadata" else name, None)


def bounded_conversation(
    conversation: Sequence[Any] | None, request: str = ""
) -> list[dict[str, Any]]:
    """Keep the latest messages of the person and the assistant, each bounded.

    System messages and any other role are left out: stored text never speaks
    with the assistant's own voice. Of the metadata only a bounded `plan` stays.
    The request itself, already saved as the last message, is not repeated.
    """
    kept: list[dict[str, Any]] = []
    for message in list(conversation or ())[-MAX_MESSAGES:]:
        role = field_of(message, "role")
        content = field_of(message, "content")
        if role not in ROLES or not isinstance(content, str):
            continue
        meta = field_of(message, "metadata")
        plan = meta.get("plan") if isinstance(meta, Mapping) else None
        kept.append(
            {
                "role": role,
                "content": content[:MAX_MESSAGE_CHARS],
                "metadata": {"plan": plan}
                if isinstance(plan, Mapping) and within(plan)
                else {},
            }
        )
    if kept and kept[-1]["role"] == "user" and kept[-1]["content"] == request:
        kept.pop()
    return kept

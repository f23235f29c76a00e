"""What the memory and context endpoints accept and answer."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
)

from synth_web.api.common import (
    JSON_OBJECT,
    JSON_VALUE,
    SOME_WORD,
    JsonObject,
    JsonValue,
    Out,
    PageQuery,
    Strict,
    cursor_field,
    unset,
)
from synth_web.api.pagination import BY_SCORE
from synth_web.memory.services import MAX_CONTENT, content_problem
from synth_web.models import Memory

ContextType = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$"),
]
CONTEXT_TYPE_HINT = (
    "preference, reasoning, pattern, workflow_decision, user_behavior, or another "
    "lower-case slug."
)
CONTENT_SCHEMA = {
    "anyOf": [
        {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_CONTENT,
            "pattern": SOME_WORD,
        },
        JSON_OBJECT,
        {"type": "array", "items": JSON_VALUE},
    ]
}
CONTENT_HINT = (
    "Text, or a JSON object or list (stored as its JSON text). Text that starts "
    "with { or [ must be valid JSON."
)


def as_text(value: str | dict[str, Any] | list[Any]) -> str:
    """Store JSON content as its text, and text trimmed."""
    if isinstance(value, str):
        return value.strip()
    return json.dumps(value, ensure_ascii=False)


def check_content(value: Any) -> Any:
    """Refuse content that is not text, an object or a list; or empty, overlong
    or broken-JSON content."""
    if not isinstance(value, str | dict | list):
        raise ValueError("Give text, or a JSON object or list.")
    text = as_text(value)
    if not text:
        raise ValueError("Write what Synth should remember.")
    if len(text) > MAX_CONTENT:
        raise ValueError(f"Keep it under {MAX_CONTENT:,} characters.")
    problem = content_problem(text)
    if problem:
        raise ValueError(problem)
    return value


# One validator, so a bad value gets one message (not one per JSON type).
Content = Annotated[Any, PlainValidator(check_content), WithJsonSchema(CONTENT_SCHEMA)]


class MemoryQuery(PageQuery):
    """Filters and order of the memory list."""

    context_type: ContextType | None = None
    q: str | None = Field(None, max_length=200, description="Text in the content.")
    sort: Literal["created", "relevance"] = Field(
        "created", description="Newest first, or most relevant first."
    )
    # Both sorts write (relevance, id): newest first reads only the id.
    cursor: str = cursor_field(BY_SCORE)


class MemoryCreate(Strict):
    """A new memory entry."""

    context_type: ContextType = Field(description=CONTEXT_TYPE_HINT)
    content: Content = Field(description=CONTENT_HINT)
    relevance_score: float = Field(0.5, ge=0, le=1)
    metadata: JsonObject = Field(default_factory=dict)


class MemoryUpdate(Strict):
    """The parts of an entry to change; what is left out stays."""

    context_type: ContextType = unset(description=CONTEXT_TYPE_HINT)
    content: Content = unset(description=CONTENT_HINT)
    relevance_score: float = unset(ge=0, le=1)
    metadata: JsonObject = unset()


class MemoryOut(Out):
    """One memory entry."""

    id: int
    context_type: str
    content: str
    content_json: JsonValue = Field(
        None, description="The content parsed, when it is a JSON object or list."
    )
    relevance_score: float
    created_at: datetime
    last_accessed_at: datetime | None = Field(
        description="When the assistant last read it for use (the context endpoint)."
    )
    metadata: JsonObject


class MemoryList(Out):
    """One page of memory entries."""

    data: list[MemoryOut]
    next_cursor: str | None


def memory_out(entry: Memory) -> MemoryOut:
    """Describe a memory entry for the API."""
    return MemoryOut(
        id=entry.id,
        context_type=entry.context_type,
        content=entry.content,
        content_json=entry.content_json,
        relevance_score=entry.relevance_score,
        created_at=entry.created_at,
        last_accessed_at=entry.last_accessed_at,
        metadata=entry.meta if isinstance(entry.meta, dict) else {},
    )

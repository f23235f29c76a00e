"""What the chat and context endpoints accept and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from synth_web.api.common import (
    Arguments,
    JsonObject,
    Out,
    PageQuery,
    Strict,
    cursor_field,
    unset,
)
from synth_web.api.memory_models import ContextType, MemoryOut
from synth_web.api.pagination import BY_TIME
from synth_web.models import ChatMessage

CONVERSATION_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
MAX_MESSAGE = 100_000


class MessageCreate(Strict):
    """A message to add to a conversation."""

    role: Literal["user", "assistant", "system"]
    content: str = Field(min_length=1, max_length=MAX_MESSAGE)
    metadata: JsonObject = Field(default_factory=dict)


class IdempotencyHeaders(Arguments):
    """An optional key that makes sending the same message twice store it once."""

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
        json_schema_extra={"additionalProperties": True},
    )

    idempotency_key: str = unset(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Send the same key again to get the first message back "
        "(200, Idempotent-Replayed: true) instead of a second one.",
    )


class MessageOut(Out):
    """One message of a conversation."""

    id: int
    conversation_id: str
    role: Literal["user", "assistant", "system"]
    content: str
    metadata: JsonObject
    created_at: datetime


class MessageList(Out):
    """One page of a conversation's messages, oldest first."""

    data: list[MessageOut]
    next_cursor: str | None


class ConversationOut(Out):
    """A conversation: its messages share a conversation_id."""

    conversation_id: str
    title: str = Field(description="From the first thing the person said.")
    message_count: int
    started_at: datetime
    last_message_at: datetime


class ConversationList(Out):
    """One page of conversations, most recent activity first."""

    data: list[ConversationOut]
    next_cursor: str | None


class ContextQuery(Arguments):
    """What the assistant needs before it answers."""

    conversation_id: str | None = Field(
        None, max_length=64, description="The conversation to read the end of."
    )
    limit: int = Field(20, ge=1, le=100, description="Recent messages, at most.")
    memory_limit: int = Field(10, ge=0, le=50, description="Memory entries, at most.")
    context_type: ContextType | None = Field(
        None, description="Only memory of this type."
    )


class ContextOut(Out):
    """The end of a conversation and the memory most worth keeping in mind."""

    conversation_id: str | None
    messages: list[MessageOut] = Field(description="Oldest first.")
    memory: list[MemoryOut] = Field(description="Most relevant first.")


class MessagesQuery(PageQuery):
    """A page of a conversation (oldest first), or of conversations."""

    cursor: str = cursor_field(BY_TIME)


def message_out(message: ChatMessage) -> MessageOut:
    """Describe a message for the API."""
    return MessageOut(
        id=message.id,
        conversation_id=message.conversation_id,
        role=message.role,
        content=message.content,
        metadata=message.meta if isinstance(message.meta, dict) else {},
        created_at=message.created_at,
    )

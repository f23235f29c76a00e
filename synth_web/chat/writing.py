"""Adding messages to a conversation, once even when a program sends twice.

A program that appends a message may not know whether its first try arrived
(a timeout, a retry by its HTTP library). With an idempotency key, the second
try finds the first message instead of storing it again; the key is unique per
person (an index on user_id, idempotency_key), so the database decides a race.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from synth_web.extensions import db
from synth_web.models import ChatMessage, utcnow


class KeyReused(Exception):
    """The idempotency key already stands for a different message."""

    def __init__(self, message: ChatMessage) -> None:
        super().__init__("idempotency key reused")
        self.message = message


def same_message(
    message: ChatMessage, conversation_id: str, role: str, content: str
) -> bool:
    """Tell whether a stored message is the one being sent again."""
    return (message.conversation_id, message.role, message.content) == (
        conversation_id,
        role,
        content,
    )


def append_message(
    user_id: int,
    conversation_id: str,
    role: str,
    content: str,
    meta: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> tuple[ChatMessage, bool]:
    """Add a message to a conversation; return it and whether it is new.

    With a key used before for the same message, the first message comes back
    and nothing is added; a key used for another message raises KeyReused.
    """
    values = {
        "user_id": user_id,
        "conversation_id": conversation_id,
        "role": role,
        "content": content,
        "meta": meta or {},
        "created_at": utcnow(),
        "idempotency_key": idempotency_key,
    }
    if idempotency_key is None:
        message = ChatMessage(**values)
        db.session.add(message)
        db.session.commit()
        return message, True
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ChatMessage)
        .values(values)
        .on_conflict_do_nothing(index_elements=["user_id", "idempotency_key"])
        .returning(ChatMessage)
    )
    message = db.session.scalars(statement).first()
    db.session.commit()
    if message is not None:
        return message, True
    first = db.session.scalar(
        select(ChatMessage).where(
            ChatMessage.user_id == user_id,
            ChatMessage.idempotency_key == idempotency_key,
        )
    )
    if first is None:  # deleted since the insert met it: try once more
        return append_message(
            user_id, conversation_id, role, content, meta, idempotency_key
        )
    if not same_message(first, conversation_id, role, content):
        raise KeyReused(first)
    return first, False

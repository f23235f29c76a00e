"""Chat endpoints: conversations, their messages, appending, and the context."""

from __future__ import annotations

import re

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from synth_web.api import bp
from synth_web.api.chat_models import (
    CONVERSATION_ID,
    ContextOut,
    ContextQuery,
    ConversationList,
    ConversationOut,
    IdempotencyHeaders,
    MessageCreate,
    MessageList,
    MessageOut,
    MessagesQuery,
    message_out,
)
from synth_web.api.memory_models import memory_out
from synth_web.api.pagination import BY_TIME, keyset_page
from synth_web.api.problems import ApiProblem
from synth_web.api.spec import route
from synth_web.chat.conversations import list_conversations
from synth_web.chat.services import in_conversation, read_older
from synth_web.chat.writing import KeyReused, append_message
from synth_web.extensions import db
from synth_web.memory.services import mark_used
from synth_web.models import ChatMessage, Memory

TAG = "chat"
CONVERSATION = "/conversations/<string(maxlength=64):conversation_id>"


@route(bp, "/conversations", "GET", out=ConversationList, tag=TAG)
def conversations(query: MessagesQuery) -> ConversationList:
    """List your conversations, most recent activity first."""
    position = BY_TIME.decode(query.cursor) if query.cursor else None
    found = list_conversations(current_user.id, position=position, limit=query.limit)
    return ConversationList(
        data=[
            ConversationOut(
                conversation_id=c.conversation_id,
                title=c.title,
                message_count=c.message_count,
                started_at=c.started_at,
                last_message_at=c.last_at,
            )
            for c in found.conversations
        ],
        next_cursor=BY_TIME.encode(*found.next_key) if found.next_key else None,
    )


@route(bp, f"{CONVERSATION}/messages", "GET", out=MessageList, tag=TAG)
def messages(conversation_id: str, query: MessagesQuery) -> MessageList:
    """List a conversation's messages, oldest first; new ones join the last page."""
    statement = in_conversation(current_user.id, conversation_id)
    if db.session.scalar(statement.with_only_columns(ChatMessage.id).limit(1)) is None:
        abort(404)
    rows, cursor = keyset_page(
        db.session.scalars,
        statement,
        BY_TIME,
        (ChatMessage.created_at, ChatMessage.id),
        query.cursor,
        query.limit,
        descending=False,
    )
    return MessageList(data=[message_out(m) for m in rows], next_cursor=cursor)


@route(
    bp,
    f"{CONVERSATION}/messages",
    "POST",
    status=201,
    out=MessageOut,
    tag=TAG,
    errors=[409],
    also={200: MessageOut},
)
def append(
    conversation_id: str, json: MessageCreate, headers: IdempotencyHeaders
) -> tuple[MessageOut, int] | tuple[MessageOut, int, dict[str, str]]:
    """Add a message to a conversation (a new id starts a new conversation).

    With an Idempotency-Key the same message sent again comes back as 200 with
    `Idempotent-Replayed: true` instead of being stored twice; the same key for
    a different message is 409.
    """
    if not re.fullmatch(CONVERSATION_ID, conversation_id):
        raise ApiProblem(
            422,
            "A conversation id is 1 to 64 letters, digits and . _ : - (like a UUID).",
            "invalid-request",
            [{"path": "conversation_id", "message": "Not a valid conversation id."}],
        )
    try:
        message, created = append_message(
            current_user.id,
            conversation_id,
            json.role,
            json.content,
            json.metadata,
            headers.idempotency_key,
        )
    except KeyReused:
        raise ApiProblem(
            409,
            "This Idempotency-Key was already used for a different message.",
            "idempotency-key-reused",
        ) from None
    if created:
        return message_out(message), 201
    return message_out(message), 200, {"Idempotent-Replayed": "true"}


@route(bp, "/context", "GET", out=ContextOut, tag=TAG)
def context(query: ContextQuery) -> ContextOut:
    """Get a conversation's recent messages and the most relevant memory.

    The memory entries returned are marked used (`last_accessed_at`). An unknown
    conversation id gives no messages, not an error: it may be a new one.
    """
    recent: list[ChatMessage] = []
    if query.conversation_id:
        statement = in_conversation(current_user.id, query.conversation_id)
        recent, _ = read_older(statement, None, query.limit)
    entries = relevant_memory(query.memory_limit, query.context_type)
    return ContextOut(
        conversation_id=query.conversation_id,
        messages=[message_out(m) for m in recent],
        memory=[memory_out(e) for e in entries],
    )


def relevant_memory(limit: int, context_type: str | None) -> list[Memory]:
    """Return the caller's most relevant entries, marked as used just now."""
    if limit == 0:
        return []
    statement = select(Memory.id).where(Memory.user_id == current_user.id)
    if context_type:
        statement = statement.where(Memory.context_type == context_type)
    order = (Memory.relevance_score.desc(), Memory.id.desc())
    ids = list(db.session.scalars(statement.order_by(*order).limit(limit)))
    mark_used(current_user.id, ids)
    # One query reads them back with the new last_accessed_at.
    rows = db.session.scalars(select(Memory).where(Memory.id.in_(ids)))
    by_id = {entry.id: entry for entry in rows}
    return [by_id[i] for i in ids if i in by_id]

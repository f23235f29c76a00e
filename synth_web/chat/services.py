"""Chat history queries: conversations, transcripts, search and deletion.

A conversation is not a table of its own: it is the messages that share a
conversation_id, ordered by (created_at, id). Every function takes the owner's
user id, so the pages and the JSON API share them. The conversation list lives
in conversations.py, search in search.py, downloads in exports.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select
from sqlalchemy.orm import aliased

from synth_web.extensions import db
from synth_web.models import ChatMessage

TRANSCRIPT_WINDOW = 50
TITLE_LENGTH = 80

Key = tuple[datetime, int]


@dataclass
class Conversation:
    """What the list shows about one conversation."""

    conversation_id: str
    title: str
    message_count: int
    started_at: datetime
    last_at: datetime


@dataclass
class Transcript:
    """A window of one conversation's messages, oldest first."""

    messages: list[ChatMessage]
    has_older: bool
    has_newer: bool


def older_than(key: Key, inclusive: bool = False) -> ColumnElement[bool]:
    """Match messages before a (created_at, id) position."""
    created, message_id = key
    same_time = (
        ChatMessage.id <= message_id if inclusive else ChatMessage.id < message_id
    )
    # The outer <= lets PostgreSQL use it as an index range.
    return and_(
        ChatMessage.created_at <= created,
        or_(ChatMessage.created_at < created, same_time),
    )


def newer_than(key: Key, inclusive: bool = False) -> ColumnElement[bool]:
    """Match messages after (or at) a (created_at, id) position."""
    created, message_id = key
    same_time = (
        ChatMessage.id >= message_id if inclusive else ChatMessage.id > message_id
    )
    return and_(
        ChatMessage.created_at >= created,
        or_(ChatMessage.created_at > created, same_time),
    )


def message_position(
    user_id: int, message_id: int, conversation_id: str | None = None
) -> tuple[Key, str] | None:
    """Return a message's (created_at, id) and conversation, if it is theirs."""
    query = select(
        ChatMessage.created_at, ChatMessage.id, ChatMessage.conversation_id
    ).where(ChatMessage.id == message_id, ChatMessage.user_id == user_id)
    if conversation_id is not None:
        query = query.where(ChatMessage.conversation_id == conversation_id)
    row = db.session.execute(query).first()
    return ((row.created_at, row.id), row.conversation_id) if row else None


def make_title(text: str | None) -> str:
    """Make a one-line title from the first thing the person said."""
    line = re.sub(r"\s+", " ", text or "").strip()
    if not line:
        return "Untitled conversation"
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1] + "…"


def summarize(user_id: int, conversation_ids: Sequence[str]) -> list[Conversation]:
    """Describe conversations (title, count, first and last activity) in order."""
    if not conversation_ids:
        return []
    first = aliased(ChatMessage)
    title = (
        select(func.substr(first.content, 1, TITLE_LENGTH * 3))
        .where(
            first.user_id == user_id,
            first.conversation_id == ChatMessage.conversation_id,
            first.role == "user",
        )
        .order_by(first.created_at, first.id)
        .limit(1)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            ChatMessage.conversation_id,
            func.count(),
            func.min(ChatMessage.created_at),
            func.max(ChatMessage.created_at),
            title,
        )
        .where(
            ChatMessage.user_id == user_id,
            ChatMessage.conversation_id.in_(conversation_ids),
        )
        .group_by(ChatMessage.conversation_id)
    ).all()
    found = {
        row[0]: Conversation(row[0], make_title(row[4]), row[1], row[2], row[3])
        for row in rows
    }
    return [found[c] for c in conversation_ids if c in found]


def get_conversation(user_id: int, conversation_id: str) -> Conversation | None:
    """Return one of the person's conversations, or None if it is not theirs."""
    found = summarize(user_id, [conversation_id])
    return found[0] if found else None


def in_conversation(user_id: int, conversation_id: str) -> Select:
    """Select the messages of one of the person's conversations."""
    return select(ChatMessage).where(
        ChatMessage.user_id == user_id, ChatMessage.conversation_id == conversation_id
    )


def read_older(
    query: Select, key: Key | None, limit: int, inclusive: bool = False
) -> tuple[list[ChatMessage], bool]:
    """Return up to `limit` messages before a position, oldest first, and more?"""
    if key is not None:
        query = query.where(older_than(key, inclusive))
    order = (ChatMessage.created_at.desc(), ChatMessage.id.desc())
    rows = list(db.session.scalars(query.order_by(*order).limit(limit + 1)))
    return rows[:limit][::-1], len(rows) > limit


def read_newer(query: Select, key: Key, limit: int) -> tuple[list[ChatMessage], bool]:
    """Return up to `limit` messages after a position, oldest first, and more?"""
    order = (ChatMessage.created_at, ChatMessage.id)
    rows = list(
        db.session.scalars(
            query.where(newer_than(key)).order_by(*order).limit(limit + 1)
        )
    )
    return rows[:limit], len(rows) > limit


def conversation_messages(
    user_id: int,
    conversation_id: str,
    before: int | None = None,
    after: int | None = None,
    at: int | None = None,
    limit: int = TRANSCRIPT_WINDOW,
) -> Transcript:
    """Return a window of a transcript: the latest messages, or those before,
    after or around a message of the same conversation."""
    query = in_conversation(user_id, conversation_id)
    anchor = before or after or at
    found = message_position(user_id, anchor, conversation_id) if anchor else None
    if found is None:
        messages, has_older = read_older(query, None, limit)
        return Transcript(messages, has_older, has_newer=False)
    key = found[0]
    if before:
        messages, has_older = read_older(query, key, limit)
        return Transcript(messages, has_older, has_newer=True)
    if after:
        messages, has_newer = read_newer(query, key, limit)
        return Transcript(messages, has_older=True, has_newer=has_newer)
    older, has_older = read_older(query, key, limit - limit // 2, inclusive=True)
    newer, has_newer = read_newer(query, key, limit // 2)
    return Transcript(older + newer, has_older, has_newer)


def all_messages(user_id: int, conversation_id: str) -> list[ChatMessage]:
    """Return every message of a conversation, oldest first."""
    query = in_conversation(user_id, conversation_id)
    return list(
        db.session.scalars(query.order_by(ChatMessage.created_at, ChatMessage.id))
    )


def delete_conversation(user_id: int, conversation_id: str) -> int:
    """Delete a conversation's messages and return how many there were."""
    result = db.session.execute(
        delete(ChatMessage).where(
            ChatMessage.user_id == user_id,
            ChatMessage.conversation_id == conversation_id,
        )
    )
    db.session.commit()
    return result.rowcount

"""The conversation list: most recent activity first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select

from synth_web.chat.services import (
    Conversation,
    Key,
    message_position,
    newer_than,
    older_than,
    summarize,
)
from synth_web.extensions import db
from synth_web.models import ChatMessage, Workflow, WorkflowOrigin

CONVERSATIONS_PER_PAGE = 25
# Listing walks messages newest first; the first walk reads this many rows,
# enough for a page of conversations of up to ~75 messages each.
SCAN_BATCH = 2000


@dataclass
class ConversationPage:
    """A page of conversations, most recent activity first."""

    conversations: list[Conversation]
    next_key: Key | None

    @property
    def next_before(self) -> int | None:
        """Return the message id the page's "older" link starts before."""
        return self.next_key[1] if self.next_key else None


def list_conversations(
    user_id: int,
    before: int | None = None,
    limit: int = CONVERSATIONS_PER_PAGE,
    position: Key | None = None,
) -> ConversationPage:
    """List conversations by last activity, newest first, `limit` at a time.

    Grouping every message by conversation reads all of them (40 ms at 100,000
    rows). Instead we walk the newest messages (index on user_id, created_at)
    and keep each conversation where we first meet it: at its latest message,
    so they come out in order. A page usually needs one walk of SCAN_BATCH rows,
    done inside the database. The page starts below `position`, the (created_at,
    id) of the latest message of the previous page's last conversation, or below
    the message whose id is `before`.
    """
    if position is None and before:
        found = message_position(user_id, before)
        position = found[0] if found else None
    cursor_key = position
    skip: set[str] = set()
    latest: dict[str, Key] = {}
    position, batch = cursor_key, SCAN_BATCH
    while True:
        fresh = {
            cid: (created, message_id)
            for cid, created, message_id in first_meetings(user_id, position, batch)
            if cid not in latest and cid not in skip
        }
        if cursor_key is not None and fresh:
            # Met again below the cursor, but already listed on an earlier page.
            listed = active_after(user_id, list(fresh), cursor_key)
            skip |= listed
            fresh = {c: k for c, k in fresh.items() if c not in listed}
        latest.update(fresh)
        if len(latest) > limit:
            break
        position = walk_end(user_id, position, batch)
        if position is None:
            break
        batch *= 2  # long, interleaved conversations: widen the walk
    ids = list(latest)[:limit]
    return ConversationPage(
        conversations=summarize(user_id, ids),
        next_key=latest[ids[-1]] if len(latest) > limit else None,
    )


def walk(user_id: int, position: Key | None) -> Select:
    """Select messages before a position (or all), newest first."""
    query = select(
        ChatMessage.conversation_id, ChatMessage.created_at, ChatMessage.id
    ).where(ChatMessage.user_id == user_id)
    if position is not None:
        query = query.where(older_than(position))
    return query.order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc())


def first_meetings(
    user_id: int, position: Key | None, batch: int
) -> list[tuple[str, datetime, int]]:
    """Walk `batch` messages back; return each conversation met at its latest."""
    recent = walk(user_id, position).limit(batch).subquery()
    newest_first = (recent.c.created_at.desc(), recent.c.id.desc())
    ranked = select(
        recent,
        func.row_number()
        .over(partition_by=recent.c.conversation_id, order_by=newest_first)
        .label("rank"),
    ).subquery()
    query = (
        select(ranked.c.conversation_id, ranked.c.created_at, ranked.c.id)
        .where(ranked.c.rank == 1)
        .order_by(ranked.c.created_at.desc(), ranked.c.id.desc())
    )
    return [tuple(row) for row in db.session.execute(query)]


def walk_end(user_id: int, position: Key | None, batch: int) -> Key | None:
    """Return where a walk of `batch` messages stops, or None if it ran out."""
    query = walk(user_id, position).offset(batch - 1).limit(1)
    row = db.session.execute(query).first()
    return (row[1], row[2]) if row else None


def active_after(user_id: int, conversation_ids: list[str], key: Key) -> set[str]:
    """Return which of these conversations have a message at or after a position.

    At: the previous page's last conversation has its latest message there.
    """
    query = (
        select(ChatMessage.conversation_id)
        .where(
            ChatMessage.user_id == user_id,
            ChatMessage.conversation_id.in_(conversation_ids),
            newer_than(key, inclusive=True),
        )
        .distinct()
    )
    return set(db.session.scalars(query))


def conversation_workflows(
    user_id: int, conversation_ids: list[str]
) -> dict[str, list[tuple[int, str]]]:
    """Return the workflows each conversation created: (id, name), oldest first."""
    if not conversation_ids:
        return {}
    rows = db.session.execute(
        select(WorkflowOrigin.conversation_id, Workflow.id, Workflow.name)
        .join(Workflow, Workflow.id == WorkflowOrigin.workflow_id)
        .where(
            WorkflowOrigin.user_id == user_id,
            WorkflowOrigin.conversation_id.in_(conversation_ids),
        )
        .order_by(WorkflowOrigin.created_at, WorkflowOrigin.workflow_id)
    )
    made: dict[str, list[tuple[int, str]]] = {}
    for conversation_id, workflow_id, name in rows:
        made.setdefault(conversation_id, []).append((workflow_id, name))
    return made

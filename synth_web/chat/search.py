"""Search across a person's messages, hits grouped by conversation.

A page lists conversations with a match, the most recently matched first, each
with how many of its messages match and its newest few hits; paging moves by
conversations, so one conversation never spreads over two pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select

from synth_web.chat.services import summarize
from synth_web.extensions import db
from synth_web.models import ChatMessage
from synth_web.textsearch import like_pattern

GROUPS_PER_PAGE = 10
HITS_PER_GROUP = 3


@dataclass
class HitGroup:
    """One conversation's matches: how many, and the newest few."""

    conversation_id: str
    title: str
    total: int
    hits: list[ChatMessage]


@dataclass
class SearchPage:
    """Conversations whose messages contain the search text, a page of them."""

    q: str
    groups: list[HitGroup]
    page: int
    has_next: bool


def matching(user_id: int, q: str) -> ColumnElement[bool]:
    """Match the person's messages that contain q, literally, in any case."""
    return (ChatMessage.user_id == user_id) & ChatMessage.content.ilike(
        like_pattern(q), escape="\\"
    )


def newest_hits(
    user_id: int, q: str, conversation_ids: list[str]
) -> dict[str, list[ChatMessage]]:
    """Return the newest few matching messages of each of these conversations."""
    rank = (
        func.row_number()
        .over(
            partition_by=ChatMessage.conversation_id,
            order_by=(ChatMessage.created_at.desc(), ChatMessage.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(ChatMessage.id, rank)
        .where(matching(user_id, q), ChatMessage.conversation_id.in_(conversation_ids))
        .subquery()
    )
    rows = db.session.scalars(
        select(ChatMessage)
        .join(ranked, ranked.c.id == ChatMessage.id)
        .where(ranked.c.rank <= HITS_PER_GROUP)
        .order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc())
    )
    hits: dict[str, list[ChatMessage]] = {}
    for message in rows:
        hits.setdefault(message.conversation_id, []).append(message)
    return hits


def search_messages(
    user_id: int, q: str, page: int = 1, per_page: int = GROUPS_PER_PAGE
) -> SearchPage:
    """Find the person's conversations with messages that contain q."""
    q = (q or "").strip()
    page = max(page, 1)
    if not q:
        return SearchPage(q, [], page, has_next=False)
    last_hit = func.max(ChatMessage.created_at)
    rows = db.session.execute(
        select(ChatMessage.conversation_id, func.count(), last_hit)
        .where(matching(user_id, q))
        .group_by(ChatMessage.conversation_id)
        .order_by(last_hit.desc(), ChatMessage.conversation_id)
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    ).all()
    ids = [row[0] for row in rows[:per_page]]
    titles = {c.conversation_id: c.title for c in summarize(user_id, ids)}
    hits = newest_hits(user_id, q, ids)
    groups = [
        HitGroup(
            row[0], titles.get(row[0], "Conversation"), row[1], hits.get(row[0], [])
        )
        for row in rows[:per_page]
    ]
    return SearchPage(q, groups, page, has_next=len(rows) > per_page)

"""Search across a person's messages, hits grouped by conversation.

A page lists conversations with a match, the most recently matched first, each
with how many of its messages match and its newest few hits; paging moves by
conversations, so one conversation never spreads over two pages. Two steps:
walk the newest matches until enough conversations are met, then read those
conversations' newest matches and counts in one window query.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select

from synth_web.chat.services import Key, older_than, summarize
from synth_web.extensions import db
from synth_web.models import ChatMessage
from synth_web.textsearch import like_pattern

GROUPS_PER_PAGE = 10
HITS_PER_GROUP = 3
# The first walk over the newest matches; each further one reads twice as many.
SCAN_BATCH = 200


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


def conversations_matching(user_id: int, q: str, wanted: int) -> list[str]:
    """Return the first `wanted` conversations with a match, latest match first.

    Grouping every match reads them all (10,000 messages for a common word:
    30 ms and more); walking the newest matches stops as soon as enough
    conversations are met, on whichever index PostgreSQL finds cheaper.
    """
    found: dict[str, None] = {}
    position: Key | None = None
    batch = SCAN_BATCH
    while len(found) < wanted:
        query = select(
            ChatMessage.conversation_id, ChatMessage.created_at, ChatMessage.id
        ).where(matching(user_id, q))
        if position is not None:
            query = query.where(older_than(position))
        rows = db.session.execute(
            query.order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc()).limit(
                batch
            )
        ).all()
        found.update(dict.fromkeys(row.conversation_id for row in rows))
        if len(rows) < batch:
            break
        position, batch = (rows[-1].created_at, rows[-1].id), batch * 2
    return list(found)[:wanted]


def newest_hits(
    user_id: int, q: str, conversation_ids: list[str]
) -> tuple[dict[str, list[ChatMessage]], dict[str, int]]:
    """Return the newest few matches of each conversation, and how many it has."""
    order = (ChatMessage.created_at.desc(), ChatMessage.id.desc())
    window = {"partition_by": ChatMessage.conversation_id}
    ranked = (
        select(
            ChatMessage.id,
            func.row_number().over(**window, order_by=order).label("rank"),
            func.count().over(**window).label("total"),
        )
        .where(matching(user_id, q), ChatMessage.conversation_id.in_(conversation_ids))
        .subquery()
    )
    rows = db.session.execute(
        select(ChatMessage, ranked.c.total)
        .join(ranked, ranked.c.id == ChatMessage.id)
        .where(ranked.c.rank <= HITS_PER_GROUP)
        .order_by(*order)
    )
    hits: dict[str, list[ChatMessage]] = {}
    totals: dict[str, int] = {}
    for message, total in rows:
        hits.setdefault(message.conversation_id, []).append(message)
        totals[message.conversation_id] = total
    return hits, totals


def search_messages(
    user_id: int, q: str, page: int = 1, per_page: int = GROUPS_PER_PAGE
) -> SearchPage:
    """Find the person's conversations with messages that contain q."""
    q = (q or "").strip()
    page = max(page, 1)
    if not q:
        return SearchPage(q, [], page, has_next=False)
    met = conversations_matching(user_id, q, page * per_page + 1)
    ids = met[(page - 1) * per_page : page * per_page]
    titles = {c.conversation_id: c.title for c in summarize(user_id, ids)}
    hits, totals = newest_hits(user_id, q, ids)
    groups = [
        HitGroup(
            cid, titles.get(cid, "Conversation"), totals.get(cid, 0), hits.get(cid, [])
        )
        for cid in ids
    ]
    return SearchPage(q, groups, page, has_next=len(met) > page * per_page)

"""Memory rules and queries: list, search, add, change and delete entries.

Every function takes the owner's user id, so the pages and a later JSON API
share them.

Showing entries does not move `last_accessed_at`. That timestamp records when
the assistant last read an entry *for use* (`mark_used`, for the API); if
opening the memory page touched it, every entry would look fresh and the
"stale" mark would mean nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select, update

from synth_web.access import owned_or_404
from synth_web.extensions import db
from synth_web.inputs import Refused, load_json
from synth_web.models import CONTEXT_TYPES, Memory, utcnow
from synth_web.textsearch import like_pattern

PER_PAGE = 25
MAX_CONTENT = 20_000
# Counting stops here: "1,000+ entries" is as useful as an exact 100,000 and
# costs a fraction of it. Searches are not counted at all: finding every match
# costs more than the page itself, and the page says whether there are more.
COUNT_CAP = 1000
SORTS = {
    "relevance": "Relevance",
    "accessed": "Last used",
    "created": "Newest",
}


@dataclass
class MemoryPage:
    """One page of entries and what the page needs to link to its neighbours."""

    entries: list[Memory]
    page: int
    per_page: int
    has_next: bool
    total: int | None
    total_is_capped: bool = False
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def first_number(self) -> int:
        """Return the position of the first entry on this page, from 1."""
        return (self.page - 1) * self.per_page + 1 if self.entries else 0

    @property
    def last_number(self) -> int:
        """Return the position of the last entry on this page."""
        return (self.page - 1) * self.per_page + len(self.entries)

    def link_args(self, **changes: Any) -> dict[str, Any]:
        """Return the query arguments of this list with some changed."""
        args = {**self.filters, "page": self.page, **changes}
        if args.get("sort") == "relevance":
            args["sort"] = None  # the default: keep URLs short
        if args.get("page") == 1:
            args["page"] = None
        return {key: value for key, value in args.items() if value is not None}


def content_problem(text: str) -> str | None:
    """Explain why content cannot be stored, or return None: JSON must parse."""
    if not text.startswith(("{", "[")):
        return None
    try:
        load_json(text)
    except json.JSONDecodeError as exc:
        return (
            f"This looks like JSON but does not parse: {exc}. Fix it, or start "
            "the text with a word if it is not meant to be JSON."
        )
    except Refused as exc:
        return f"This JSON cannot be kept: {exc}"
    return None


def filtered(user_id: int, context_type: str | None, q: str | None) -> Select:
    """Select one person's entries of a type whose content contains q."""
    query = select(Memory).where(Memory.user_id == user_id)
    if context_type:
        query = query.where(Memory.context_type == context_type)
    if q:
        # ILIKE on PostgreSQL (served by the trigram index), lower() LIKE on SQLite.
        query = query.where(Memory.content.ilike(like_pattern(q), escape="\\"))
    return query


def capped_count(query: Select) -> int:
    """Count a query's rows, stopping at COUNT_CAP + 1."""
    limited = query.with_only_columns(Memory.id).order_by(None).limit(COUNT_CAP + 1)
    return db.session.scalar(select(func.count()).select_from(limited.subquery()))


def list_memories(
    user_id: int,
    context_type: str | None = None,
    q: str | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> MemoryPage:
    """Return one page of a person's entries, filtered, searched and sorted."""
    context_type = context_type if context_type in CONTEXT_TYPES else None
    q = (q or "").strip() or None
    sort = sort if sort in SORTS else "relevance"
    page = max(page, 1)
    query = filtered(user_id, context_type, q)
    offset = (page - 1) * per_page
    if sort == "accessed":
        rows = used_first(query, offset, per_page + 1)
    else:
        key = Memory.relevance_score if sort == "relevance" else Memory.created_at
        ordered = query.order_by(key.desc(), Memory.id.desc())
        rows = list(db.session.scalars(ordered.offset(offset).limit(per_page + 1)))
    total = None if q else capped_count(query)
    return MemoryPage(
        entries=rows[:per_page],
        page=page,
        per_page=per_page,
        has_next=len(rows) > per_page,
        total=None if total is None else min(total, COUNT_CAP),
        total_is_capped=total is not None and total > COUNT_CAP,
        filters={"type": context_type, "q": q, "sort": sort},
    )


def used_first(query: Select, offset: int, limit: int) -> list[Memory]:
    """Page through entries by last use, newest first, never-used ones last.

    ORDER BY last_accessed_at DESC NULLS LAST cannot walk the (user_id,
    last_accessed_at) index, which keeps NULLs at the other end; two walks can.
    """
    used = query.where(Memory.last_accessed_at.is_not(None))
    rows = list(
        db.session.scalars(
            used.order_by(Memory.last_accessed_at.desc(), Memory.id.desc())
            .offset(offset)
            .limit(limit)
        )
    )
    if len(rows) == limit:
        return rows
    used_total = offset + len(rows) if rows else exact_count(used)
    never = query.where(Memory.last_accessed_at.is_(None)).order_by(
        Memory.created_at.desc(), Memory.id.desc()
    )
    rest = never.offset(max(offset - used_total, 0)).limit(limit - len(rows))
    return rows + list(db.session.scalars(rest))


def exact_count(query: Select) -> int:
    """Count a query's rows exactly."""
    counted = query.with_only_columns(func.count(Memory.id)).order_by(None)
    return db.session.scalar(counted) or 0


def get_memory_or_404(memory_id: int) -> Memory:
    """Return the signed-in person's entry, or answer 404 for anyone else's."""
    return owned_or_404(Memory, memory_id)


def create_memory(
    user_id: int,
    context_type: str,
    content: str,
    relevance_score: float,
    meta: dict[str, Any] | None = None,
) -> Memory:
    """Store a new entry for the person."""
    entry = Memory(
        user_id=user_id,
        context_type=context_type,
        content=content,
        relevance_score=relevance_score,
        meta=meta or {},
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def update_memory(
    entry: Memory,
    context_type: str,
    content: str,
    relevance_score: float,
    meta: dict[str, Any] | None = None,
) -> Memory:
    """Change an entry's type, content and relevance (and metadata, if given)."""
    entry.context_type = context_type
    entry.content = content
    entry.relevance_score = relevance_score
    if meta is not None:
        entry.meta = meta
    db.session.commit()
    return entry


def delete_memory(entry: Memory) -> None:
    """Forget an entry."""
    db.session.delete(entry)
    db.session.commit()


def mark_used(user_id: int, memory_ids: Iterable[int]) -> int:
    """Record that the assistant read these entries for use; return how many."""
    ids = list(memory_ids)
    if not ids:
        return 0
    result = db.session.execute(
        update(Memory)
        .where(Memory.user_id == user_id, Memory.id.in_(ids))
        .values(last_accessed_at=utcnow())
    )
    db.session.commit()
    return result.rowcount

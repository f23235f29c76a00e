"""Memory endpoints: list, search, get, add, change and delete entries."""

from __future__ import annotations

from flask_login import current_user

from synth_web.api import bp
from synth_web.api.common import ID
from synth_web.api.memory_models import (
    MemoryCreate,
    MemoryList,
    MemoryOut,
    MemoryQuery,
    MemoryUpdate,
    as_text,
    memory_out,
)
from synth_web.api.pagination import BY_SCORE, keyset_page
from synth_web.api.spec import route
from synth_web.extensions import db
from synth_web.memory import services
from synth_web.memory.services import get_memory_or_404
from synth_web.models import Memory

TAG = "memory"
ONE = f"/memory/<{ID}:memory_id>"


@route(bp, "/memory", "GET", out=MemoryList, tag=TAG)
def list_memory(query: MemoryQuery) -> MemoryList:
    """List your memory entries by type and text, newest or most relevant first.

    Listing does not count as use: `last_accessed_at` moves only through
    GET /context.
    """
    by_relevance = (Memory.relevance_score, Memory.id)
    rows, cursor = keyset_page(
        db.session.scalars,
        services.filtered(current_user.id, query.context_type, query.q),
        BY_SCORE,
        by_relevance if query.sort == "relevance" else (Memory.id,),
        query.cursor,
        query.limit,
        written=by_relevance,
    )
    return MemoryList(data=[memory_out(e) for e in rows], next_cursor=cursor)


@route(bp, ONE, "GET", out=MemoryOut, tag=TAG)
def get_memory(memory_id: int) -> MemoryOut:
    """Get one memory entry (reading it here does not mark it used)."""
    return memory_out(get_memory_or_404(memory_id))


CONTENT = (
    "text content that starts with { or [ but is not JSON, or JSON content "
    "longer than 20,000 characters as text."
)


@route(bp, "/memory", "POST", status=201, out=MemoryOut, tag=TAG, semantic=CONTENT)
def create_memory(json: MemoryCreate) -> tuple[MemoryOut, int]:
    """Remember something about you."""
    entry = services.create_memory(
        current_user.id,
        json.context_type,
        as_text(json.content),
        json.relevance_score,
        json.metadata,
    )
    return memory_out(entry), 201


@route(bp, ONE, "PATCH", out=MemoryOut, tag=TAG, semantic=CONTENT)
def update_memory(memory_id: int, json: MemoryUpdate) -> MemoryOut:
    """Change an entry's type, content, relevance or metadata."""
    entry = get_memory_or_404(memory_id)
    sent = json.model_fields_set
    services.update_memory(
        entry,
        json.context_type if "context_type" in sent else entry.context_type,
        as_text(json.content) if "content" in sent else entry.content,
        json.relevance_score if "relevance_score" in sent else entry.relevance_score,
        json.metadata if "metadata" in sent else None,
    )
    return memory_out(entry)


@route(bp, ONE, "DELETE", status=204, tag=TAG)
def delete_memory(memory_id: int) -> tuple[str, int]:
    """Forget an entry."""
    services.delete_memory(get_memory_or_404(memory_id))
    return "", 204

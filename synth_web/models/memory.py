"""The memory table: what Synth learned about a person, with its relevance."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from synth_web.extensions import db
from synth_web.models.search import trigram_index
from synth_web.models.types import JSONType, UTCDateTime, utcnow

CONTEXT_TYPES = (
    "preference",
    "reasoning",
    "pattern",
    "workflow_decision",
    "user_behavior",
)
# An entry nobody read for use in this long is marked stale on the memory page.
STALE_AFTER = timedelta(days=30)


class Memory(db.Model):
    """One remembered fact, preference or piece of reasoning.

    Content is text; when it holds a JSON object or array it is shown as JSON.
    """

    __tablename__ = "memory"
    __table_args__ = (
        CheckConstraint(
            "relevance_score >= 0 AND relevance_score <= 1", name="relevance_range"
        ),
        Index("ix_memory_user_relevance", "user_id", "relevance_score"),
        Index("ix_memory_user_accessed", "user_id", "last_accessed_at"),
        Index("ix_memory_user_created", "user_id", "created_at"),
        Index("ix_memory_user_type", "user_id", "context_type"),
        trigram_index("ix_memory_content_trgm", "content"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    context_type: Mapped[str] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(Text)
    relevance_score: Mapped[float] = mapped_column(Float, default=0.5)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_accessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)

    @property
    def content_json(self) -> Any | None:
        """Return the content parsed as JSON when it is an object or array."""
        text = self.content.strip()
        if not text or text[0] not in "[{":
            return None
        try:
            return json.loads(text)
        except ValueError:
            return None

    @property
    def is_stale(self) -> bool:
        """Tell whether the entry went unused for STALE_AFTER (new ones are not)."""
        last_used = self.last_accessed_at or self.created_at
        return last_used is not None and utcnow() - last_used >= STALE_AFTER

    def __repr__(self) -> str:
        return f"<Memory {self.id} {self.context_type}>"

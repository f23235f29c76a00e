"""The chat_messages table: the conversation log, grouped by conversation_id.

Beside it, workflow_origins: which workflow was created from which message.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from synth_web.extensions import db
from synth_web.models.search import trigram_index
from synth_web.models.types import JSONType, UTCDateTime, utcnow

if TYPE_CHECKING:
    from synth_web.models.workflow import Workflow

CHAT_ROLES = ("user", "assistant", "system")


class ChatMessage(db.Model):
    """One message of a conversation between a person and Synth."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        CheckConstraint("role IN ('user', 'assistant', 'system')", name="role_valid"),
        Index(
            "ix_chat_messages_user_conversation",
            "user_id",
            "conversation_id",
            "created_at",
            "id",
        ),
        Index("ix_chat_messages_user_created", "user_id", "created_at"),
        trigram_index("ix_chat_messages_content_trgm", "content"),
        # An Idempotency-Key sent with an appended message: a repeat finds the
        # first message instead of adding a second (NULLs never clash).
        Index(
            "uq_chat_messages_user_idempotency",
            "user_id",
            "idempotency_key",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    conversation_id: Mapped[str] = mapped_column(String(64))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"<ChatMessage {self.id} {self.role}>"


class WorkflowOrigin(db.Model):
    """Where a workflow came from: the plan card (a message) it was created from.

    A link between two of the person's rows, gone with either of them. The
    conversation is copied from the message (it never changes) so the
    conversation list finds each conversation's workflows with one index.
    """

    __tablename__ = "workflow_origins"
    __table_args__ = (
        Index("ix_workflow_origins_user_conversation", "user_id", "conversation_id"),
    )

    workflow_id: Mapped[int] = mapped_column(
        ForeignKey("workflows.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(String(64))
    # One workflow per plan card: pressing Create twice finds the first.
    message_id: Mapped[int] = mapped_column(
        ForeignKey("chat_messages.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    message: Mapped[ChatMessage] = relationship(lazy="joined")
    # `workflow.origin` on the other side: the pages that link back read it.
    workflow: Mapped[Workflow] = relationship(
        backref=backref(
            "origin",
            uselist=False,
            lazy="select",
            cascade="all, delete-orphan",
            passive_deletes=True,
        )
    )

    def __repr__(self) -> str:
        return f"<WorkflowOrigin {self.workflow_id} ← message {self.message_id}>"

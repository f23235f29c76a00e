"""The workflows table: a trigger, ordered actions and the intent behind them."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from synth_web.extensions import db
from synth_web.models.types import JSONType, UTCDateTime, utcnow

WORKFLOW_STATUSES = ("active", "inactive")


def new_webhook_token() -> str:
    """Return an unguessable token for a workflow's webhook URL."""
    return secrets.token_urlsafe(24)


class Workflow(db.Model):
    """One automation a person owns."""

    __tablename__ = "workflows"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'inactive')", name="status_valid"),
        Index("ix_workflows_user_updated", "user_id", "updated_at"),
        Index("ix_workflows_user_status", "user_id", "status"),
        Index("ix_workflows_user_name", "user_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    intent: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="inactive")
    # Copied from trigger["type"] so lists can filter on it with an index.
    trigger_type: Mapped[str] = mapped_column(String(32), default="manual")
    # Random, unique and rotatable; only webhook and app_event workflows use it.
    webhook_token: Mapped[str | None] = mapped_column(
        String(64), unique=True, default=new_webhook_token
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)

    @property
    def definition(self) -> dict[str, Any]:
        """Return the portable workflow JSON: never the webhook token or ids."""
        return {
            "name": self.name,
            "intent": self.intent,
            "trigger": self.trigger,
            "actions": self.actions,
        }

    def apply_definition(self, definition: dict[str, Any]) -> None:
        """Copy name, intent, trigger and actions from a definition."""
        self.name = definition.get("name", self.name)
        self.intent = definition.get("intent", "") or ""
        self.trigger = definition.get("trigger") or {}
        self.actions = definition.get("actions") or []
        kind = self.trigger.get("type") if isinstance(self.trigger, dict) else None
        self.trigger_type = str(kind or "manual")[:32]

    @property
    def apps_used(self) -> list[str]:
        """Return the app keys of the steps, in order of first use."""
        apps: list[str] = []
        for action in self.actions if isinstance(self.actions, list) else []:
            kind = action.get("type") if isinstance(action, dict) else None
            app = str(kind).partition(".")[0] if kind else ""
            if app and app not in apps:
                apps.append(app)
        return apps

    @property
    def is_active(self) -> bool:
        """Tell whether the workflow is switched on."""
        return self.status == "active"

    def __repr__(self) -> str:
        return f"<Workflow {self.id} {self.name!r}>"

"""Workflow samples: one example of a workflow's trigger data, to test with."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from synth_web.extensions import db
from synth_web.models.types import JSONType, UTCDateTime, utcnow

SAMPLE_SOURCES = ("listened", "pasted", "run")


class WorkflowSample(db.Model):
    """The sample of one workflow, and whether its webhook URL is listening.

    A table of its own, not a column of `workflows`: a sample may be as large
    as a webhook body, and every list of workflows would carry it along.
    """

    __tablename__ = "workflow_samples"

    workflow_id: Mapped[int] = mapped_column(
        ForeignKey("workflows.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # What `trigger` is in a run: body, headers and query (None: no sample yet).
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # listened (a test event), pasted, or run (taken from a run's page).
    source: Mapped[str | None] = mapped_column(String(16))
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # While in the future, the next call to the webhook URL becomes the sample.
    listen_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_listening(self) -> bool:
        """Tell whether the webhook URL is waiting for a test event now."""
        return self.listen_until is not None and self.listen_until > utcnow()

    def __repr__(self) -> str:
        return f"<WorkflowSample {self.workflow_id} {self.source}>"

"""Events that arrived but could not run: why, and keeping them for replay.

Senders retry after a 409, so a refused event is kept once per `Idempotency-Key`
(or `webhook-id`, the Standard Webhooks header); a cap per workflow keeps a flood
from growing storage without bound, dropping the oldest first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import String, cast, delete, exists, func, select
from sqlalchemy.orm import aliased

from synth_web.engine import inserts
from synth_web.engine.apps import get_app
from synth_web.engine.checks import RunRefused, why_not
from synth_web.engine.validation import Problem
from synth_web.extensions import db
from synth_web.models import Execution, Workflow

# A key this long or longer is kept as its hash: the dedupe column has 255 chars.
KEY_CHARS = 200


@dataclass
class Refusal:
    """Why a workflow cannot take an event now, for the sender and for a person.

    Built from `checks.why_not`, the one wording of a refusal; this adds how the
    dashboard groups refused events ("while Slack was off").
    """

    reason: str  # "inactive" or "problems", as the 409 has always said
    error: str  # the 409's sentence
    because: str  # "while Slack was off": how the dashboard groups them
    problems: list[Problem] = field(default_factory=list)
    blocked_by: list[str] = field(default_factory=list)  # apps switched off

    @classmethod
    def of(cls, refused: RunRefused) -> Refusal:
        """Describe a refused run as a refused event."""
        if refused.reason == "inactive":
            because = "while the workflow was off"
        elif refused.blocked_by:
            names = [app_name(app) for app in refused.blocked_by]
            verb = "was" if len(names) == 1 else "were"
            because = f"while {' and '.join(names)} {verb} off"
        else:
            because = "while the workflow had problems"
        return cls(
            refused.reason, str(refused), because, refused.problems, refused.blocked_by
        )

    @property
    def temporary(self) -> bool:
        """Tell whether only switched-off connections stand in the way."""
        return bool(self.blocked_by)

    @property
    def words(self) -> str:
        """Say, for the run's error log, why this event did not run."""
        words = f"Refused {self.because}: {self.error}"
        if self.temporary:
            words += " Switch it on again, then replay the event."
        return words

    def as_body(self) -> dict[str, Any]:
        """Return the 409's JSON body (the shape senders already know)."""
        body: dict[str, Any] = {"error": self.error, "reason": self.reason}
        if self.reason == "problems":
            body["problems"] = [p.as_dict() for p in self.problems]
        if self.blocked_by:
            body["blocked_by"] = self.blocked_by
        return body


def why_refused(workflow: Workflow) -> Refusal | None:
    """Return why an event for this workflow cannot run now, or None if it can."""
    refused = why_not(workflow, by_hand=False)
    return None if refused is None else Refusal.of(refused)


def app_name(key: str) -> str:
    """Return an app's display name (its key when the catalog lost it)."""
    app = get_app(key)
    return app.name if app else key


def dedupe_key(workflow: Workflow, sender_key: str) -> str | None:
    """Turn the sender's Idempotency-Key or webhook-id into a refused-event key."""
    sender_key = sender_key.strip()
    if not sender_key:
        return None
    if len(sender_key) >= KEY_CHARS:
        sender_key = "sha256:" + hashlib.sha256(sender_key.encode()).hexdigest()
    return f"refused:{workflow.id}:{sender_key}"


def keep(
    workflow: Workflow,
    trigger_type: str,
    trigger: dict[str, Any],
    refusal: Refusal,
    sender_key: str = "",
) -> tuple[Execution, bool]:
    """Store a refused event (once per sender key) and apply the cap."""
    execution, created = inserts.refuse(
        workflow,
        trigger_type,
        trigger,
        refusal.words,
        dedupe_key(workflow, sender_key),
        meta={"refused": {"reason": refusal.reason, "because": refusal.because}},
    )
    if created:
        drop_over_cap(workflow)
    return execution, created


def drop_over_cap(workflow: Workflow) -> int:
    """Delete the workflow's oldest refused events beyond the cap; count them."""
    cap = max(current_app.config["SYNTH_REFUSED_MAX_PER_WORKFLOW"], 0)
    over = (
        select(Execution.id)
        .where(Execution.workflow_id == workflow.id, Execution.status == "refused")
        .order_by(Execution.created_at.desc(), Execution.id.desc())
        .offset(cap)
    )
    ids = list(db.session.scalars(over))
    if not ids:
        return 0
    db.session.execute(delete(Execution).where(Execution.id.in_(ids)))
    meta = dict(workflow.meta or {})
    meta["refused_dropped"] = int(meta.get("refused_dropped") or 0) + len(ids)
    workflow.meta = meta  # reassigned: an in-place change would not be saved
    db.session.commit()
    return len(ids)


def replay_key(execution_id: int) -> str:
    """The dedupe key of the run replaying a refused event: it runs once."""
    return f"replay:{execution_id}"


def not_replayed() -> Any:
    """Match refused events that no run has replayed yet."""
    replay = aliased(Execution)
    key = "replay:" + cast(Execution.id, String)
    return ~exists().where(replay.dedupe_key == key)


def waiting(workflow_id: int, limit: int | None = None) -> list[Execution]:
    """Return a workflow's refused events not replayed yet, oldest first."""
    query = (
        select(Execution)
        .where(
            Execution.workflow_id == workflow_id,
            Execution.status == "refused",
            not_replayed(),
        )
        .order_by(Execution.created_at, Execution.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def count_waiting(workflow_id: int) -> int:
    """Count a workflow's refused events not replayed yet."""
    return db.session.scalar(
        select(func.count(Execution.id)).where(
            Execution.workflow_id == workflow_id,
            Execution.status == "refused",
            not_replayed(),
        )
    )


def replayed_by(execution_id: int) -> int | None:
    """Return the id of the run that replayed a refused event, if any."""
    return db.session.scalar(
        select(Execution.id).where(Execution.dedupe_key == replay_key(execution_id))
    )

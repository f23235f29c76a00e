"""A realistic demo account: workflows, a month of runs, connections and context."""

from __future__ import annotations

import json
import random
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import insert

from synth_web.auth.services import create_user
from synth_web.demo.connections import CONNECTIONS, add_connections
from synth_web.demo.context import CONVERSATIONS, CREATED_IN_CHAT, MEMORIES
from synth_web.demo.runs import history, live_runs, refused_events
from synth_web.demo.samples import sample_trigger
from synth_web.engine.triggers import DATA_TRIGGERS
from synth_web.extensions import db
from synth_web.models import (
    ChatMessage,
    Execution,
    Memory,
    Workflow,
    WorkflowOrigin,
    WorkflowSample,
    utcnow,
)

WORKFLOWS = json.loads((Path(__file__).parent / "workflows.json").read_text())


def build_demo(email: str, password: str, seed: int = 7) -> dict[str, int]:
    """Create the demo account and return how many rows of each kind it has."""
    rng = random.Random(seed)  # noqa: S311  (made-up data, not security)
    now = utcnow().replace(microsecond=0)
    # One transaction: a demo that fails half-way leaves no account behind.
    user = create_user(
        "Demo Person", email, password, timezone="Europe/Paris", commit=False
    )
    user.meta = {"demo": True}
    add_connections(user.id, now, rng)
    workflows = [make_workflow(user.id, spec, now, rng) for spec in WORKFLOWS]
    db.session.add_all(workflows)
    db.session.flush()
    # History stays inside the retention window, or pruning eats it at once.
    days = min(30, current_app.config["SYNTH_EXECUTIONS_MAX_AGE_DAYS"] - 1)
    rows = []
    for workflow in workflows:
        if workflow.status == "active" or rng.random() < 0.5:
            rows.extend(history(workflow, now, max(days, 1), rng))
    rows.extend(live_runs(workflows, now))
    rows.extend(refused_events(workflows, now))
    db.session.execute(insert(Execution), rows)
    db.session.add_all(make_samples(workflows, now))
    db.session.add_all(make_memories(user.id, now, rng))
    messages = make_conversations(user.id, workflows, now)
    db.session.add_all(messages)
    db.session.commit()
    return {
        "user id": user.id,
        "workflows": len(workflows),
        "executions": len(rows),
        "connections": len(CONNECTIONS),
        "memory entries": len(MEMORIES),
        "chat messages": len(messages),
    }


def make_workflow(
    user_id: int, spec: dict[str, Any], now: datetime, rng: random.Random
) -> Workflow:
    """Build one workflow from its demo definition."""
    created = now - timedelta(days=rng.randint(31, 60))
    return Workflow(
        user_id=user_id,
        name=spec["name"],
        intent=spec["intent"],
        trigger=spec["trigger"],
        actions=spec["actions"],
        status=spec["status"],
        trigger_type=spec["trigger"]["type"],
        created_at=created,
        updated_at=created + timedelta(days=rng.randint(0, 30)),
        # Switched on now: schedules wait for their next fire time, no catch-up run.
        meta={"demo": True, "activated_at": now.isoformat()},
    )


def make_samples(workflows: list[Workflow], now: datetime) -> list[WorkflowSample]:
    """Give each webhook workflow a sample, so Run now and Test step work at once."""
    return [
        WorkflowSample(
            workflow_id=workflow.id,
            user_id=workflow.user_id,
            payload=sample_trigger(workflow, now),
            source="run",
            saved_at=now,
        )
        for workflow in workflows
        if workflow.trigger_type in DATA_TRIGGERS
    ]


def make_memories(user_id: int, now: datetime, rng: random.Random) -> list[Memory]:
    """Create memory entries of every context type."""
    entries = []
    for index, (kind, content, relevance) in enumerate(MEMORIES):
        created = now - timedelta(days=rng.randint(1, 90), hours=index)
        accessed = None
        if index % 4 != 3:
            accessed = created + (now - created) * rng.random()
        entries.append(
            Memory(
                user_id=user_id,
                context_type=kind,
                content=content,
                relevance_score=relevance,
                created_at=created,
                last_accessed_at=accessed,
                meta={"source": "demo"},
            )
        )
    return entries


def make_conversations(
    user_id: int, workflows: list[Workflow], now: datetime
) -> list[ChatMessage]:
    """Create the demo conversations, linking messages to workflows they made."""
    by_name = {w.name: w for w in workflows}
    messages = []
    for index, conversation in enumerate(CONVERSATIONS):
        conversation_id = f"demo-{index + 1}-{uuid.uuid4().hex[:8]}"
        clock = now - timedelta(days=conversation["days_ago"])
        for role, content, workflow_name in conversation["messages"]:
            meta: dict[str, Any] = {}
            if workflow_name in by_name:
                meta["workflow_id"] = by_name[workflow_name].id
            message = ChatMessage(
                user_id=user_id,
                role=role,
                content=content,
                conversation_id=conversation_id,
                created_at=clock,
                meta=meta,
            )
            messages.append(message)
            workflow = by_name.get(workflow_name or "")
            if workflow_name in CREATED_IN_CHAT and workflow.origin is None:
                created_from(workflow, message)
            clock += timedelta(seconds=40)
    return messages


def created_from(workflow: Workflow, message: ChatMessage) -> None:
    """Record that a workflow was created from a message, when it was said."""
    workflow.created_at = message.created_at
    workflow.updated_at = max(workflow.updated_at, message.created_at)
    workflow.origin = WorkflowOrigin(
        user_id=message.user_id,
        conversation_id=message.conversation_id,
        message=message,
        created_at=message.created_at,
    )

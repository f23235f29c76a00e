"""A realistic demo account: workflows, a month of runs, connections and context."""

from __future__ import annotations

import json
import random
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from synth_web.auth.services import create_user
from synth_web.demo.connections import CONNECTIONS, add_connections
from synth_web.demo.context import CONVERSATIONS, MEMORIES
from synth_web.engine.templating import TemplateError, render_value
from synth_web.extensions import db
from synth_web.models import (
    ChatMessage,
    Execution,
    Memory,
    Workflow,
    utcnow,
)

WORKFLOWS = json.loads((Path(__file__).parent / "workflows.json").read_text())

STEP_ERRORS = {
    "http.request": [
        "HTTP 503 from {host} (expected 200): Service Unavailable",
        "Timed out after 15 s waiting for {host}",
        "Could not connect to {host}: connection refused",
    ],
    "slack.post_message": [
        "Slack answered channel_not_found: the channel does not exist or the bot "
        "is not a member of it.",
        "Slack answered ratelimited: too many messages, retry later.",
    ],
    "gmail.send_email": [
        "SMTP authentication failed for me@example.com: check the app password.",
    ],
    "core.fail": ["The latest backup is 31 hours old."],
}
STATUS_WEIGHTS = {"success": 80, "failure": 14, "cancelled": 3, "filtered": 3}


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
    rows = []
    for workflow in workflows:
        if workflow.status == "active" or rng.random() < 0.5:
            rows.extend(make_runs(workflow, now, rng))
    rows.extend(live_runs(workflows, now))
    db.session.execute(insert(Execution), rows)
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


def make_runs(workflow: Workflow, now: datetime, rng: random.Random) -> list[dict]:
    """Spread finished runs of one workflow over the last 30 days."""
    count = rng.randint(20, 60)
    outcomes = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()), k=count)
    runs = []
    for outcome in outcomes:
        created = now - timedelta(seconds=rng.randint(600, 30 * 86400))
        runs.append(finished_run(workflow, created, outcome, rng))
    return runs


def finished_run(
    workflow: Workflow, created: datetime, outcome: str, rng: random.Random
) -> dict[str, Any]:
    """Make one finished execution row with a step record per step it reached."""
    started = created + timedelta(milliseconds=rng.randint(5, 400))
    actions = workflow.actions
    stop_at = len(actions)
    if outcome == "failure":
        failing = [i for i, a in enumerate(actions) if a["type"] in STEP_ERRORS]
        stop_at = rng.choice(failing or [len(actions) - 1])
    elif outcome == "cancelled":
        stop_at = rng.randint(0, len(actions) - 1)
    elif outcome == "filtered":
        filters = [i for i, a in enumerate(actions) if a["type"] == "core.filter"]
        stop_at = filters[0] if filters else len(actions)
    results, clock, error_log = [], started, None
    trigger = sample_trigger(workflow, created)
    context = {
        "trigger": trigger,
        "steps": {},
        "workflow": {"id": workflow.id, "name": workflow.name},
        "execution": {"trigger_type": workflow.trigger_type},
        "now": started,
    }
    for index, action in enumerate(actions[: stop_at + 1]):
        if index == stop_at and outcome == "cancelled":
            break
        status = "success"
        error = None
        if index == stop_at and outcome == "failure":
            status = "failure"
            host = action.get("with", {}).get("url", "https://api.example.com/")
            messages = STEP_ERRORS.get(action["type"], ["Unexpected error: {host}"])
            error = rng.choice(messages).format(
                host=host.split("/")[2] if "//" in host else host
            )
            error_log = (
                f"Step {index + 1} of {len(actions)}, `{action['id']}` "
                f"({action['type']}) failed: {error}"
            )
        record, clock = step_record(action, status, error, clock, rng, context)
        if action["type"] == "core.filter":
            # Invented outputs decide nothing: the outcome says whether it passed.
            passed = not (outcome == "filtered" and index == stop_at)
            record["input"] = {**record["input"], "condition": passed}
            record["output"] = (
                {"passed": True}
                if passed
                else {
                    "passed": False,
                    "reason": f"The condition of step `{action['id']}` was false.",
                }
            )
        results.append(record)
        context["steps"][action["id"]] = {"output": record["output"]}
    finished = clock + timedelta(milliseconds=rng.randint(2, 40))
    status = "success" if outcome == "filtered" else outcome
    meta = {
        "trigger_type": workflow.trigger_type,
        "trigger": trigger,
        "worker": "demo",
    }
    if outcome == "filtered" and stop_at < len(actions):
        meta.update(filtered=True, filtered_at=actions[stop_at]["id"])
    if outcome == "cancelled":
        error_log = "Cancelled by Demo Person."
    return {
        "workflow_id": workflow.id,
        "user_id": workflow.user_id,
        "status": status,
        "trigger_type": workflow.trigger_type,
        "created_at": created,
        "started_at": started,
        "finished_at": finished,
        "heartbeat_at": finished,
        "results": results,
        "error_log": error_log,
        "meta": meta,
    }


def sample_trigger(workflow: Workflow, created: datetime) -> dict[str, Any]:
    """Invent the payload a run of this workflow would have started with."""
    if workflow.trigger_type == "schedule":
        return {
            "fire_time": created.replace(second=0).isoformat(),
            "cron": workflow.trigger.get("cron"),
        }
    if workflow.trigger_type in ("webhook", "app_event"):
        body = {
            "total": 80 + created.minute * 3,
            "customer": "Ada Lovelace",
            "type": "charge.succeeded",
            "id": f"ch_{created.minute:02d}{created.second:02d}",
        }
        return {
            "body": body,
            "headers": {"content-type": "application/json"},
            "query": {},
            "method": "POST",
            "received_at": created.isoformat(),
        }
    return {"started_by": "Demo Person"}


def step_record(
    action: dict[str, Any],
    status: str,
    error: str | None,
    clock: datetime,
    rng: random.Random,
    context: dict[str, Any],
) -> tuple[dict[str, Any], datetime]:
    """Make the record a runner writes for one finished step.

    The input is the step's `with` rendered against the run so far, as the
    runner records it (the raw templates when an invented output lacks a name).
    """
    try:
        given = render_value(action.get("with", {}), context)
    except TemplateError:
        given = action.get("with", {})
    slow = action["type"] in ("http.request", "slack.post_message", "gmail.send_email")
    duration = rng.randint(80, 1800) if slow else rng.randint(1, 12)
    finished = clock + timedelta(milliseconds=duration)
    record = {
        "id": action["id"],
        "type": action["type"],
        "status": status,
        "started_at": clock.isoformat(),
        "finished_at": finished.isoformat(),
        "duration_ms": duration,
        # Only steps that talk to the network are retried.
        "attempts": (rng.choice([1, 1, 1, 2]) if slow else 1)
        if status == "success"
        else 3,
        "input": given,
        "output": sample_output(action, given, rng) if status == "success" else None,
        "error": error,
    }
    return record, finished


def sample_output(
    action: dict[str, Any], given: dict[str, Any], rng: random.Random
) -> Any:
    """Invent a plausible output for a successful step, given its rendered input."""
    kind = action["type"]
    if kind == "http.request":
        return {
            "status": 200,
            "elapsed_ms": rng.randint(90, 2600),
            "json": {
                "count": rng.randint(0, 40),
                "revenue": rng.randint(100, 9000),
                "signups": rng.randint(10, 90),
                "churn": rng.randint(0, 9),
                "age_hours": rng.randint(2, 30),
            },
        }
    if kind == "core.set":
        return dict(given.get("values") or {})
    if kind == "core.filter":
        return {"passed": True}
    if kind == "slack.post_message":
        return {
            "ok": True,
            "channel": given["channel"],
            "ts": f"{rng.randint(1700000000, 1800000000)}.000100",
        }
    if kind == "gmail.send_email":
        return {
            "accepted": [given["to"]],
            "message_id": f"<{uuid.uuid4()}@synth>",
        }
    return {"logged": True}


def live_runs(workflows: list[Workflow], now: datetime) -> list[dict[str, Any]]:
    """Add one queued and one running run so live states show up."""
    logger = next(w for w in workflows if w.name == "Log incoming webhooks")
    base = {
        "workflow_id": logger.id,
        "user_id": logger.user_id,
        "trigger_type": "webhook",
        "meta": {"trigger_type": "webhook", "attempt": 1},
    }
    return [
        {**base, "status": "queued", "created_at": now, "results": []},
        {
            **base,
            "status": "running",
            "created_at": now - timedelta(seconds=4),
            "started_at": now - timedelta(seconds=3),
            "heartbeat_at": now,
            "results": [],
        },
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
            messages.append(
                ChatMessage(
                    user_id=user_id,
                    role=role,
                    content=content,
                    conversation_id=conversation_id,
                    created_at=clock,
                    meta=meta,
                )
            )
            clock += timedelta(seconds=40)
    return messages

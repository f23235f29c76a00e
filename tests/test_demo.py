"""The demo command builds a realistic account once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from synth_web.engine import runs as run_state
from synth_web.engine.runner import run_execution
from synth_web.engine.scheduler import enqueue_due_schedules
from synth_web.extensions import db
from synth_web.models import (
    CONTEXT_TYPES,
    EXECUTION_STATUSES,
    ChatMessage,
    Connection,
    Execution,
    Memory,
    User,
    Workflow,
    WorkflowOrigin,
    WorkflowSample,
)
from synth_web.models.types import utcnow

DEMO = [
    "synth",
    "demo",
    "--email",
    "demo@example.com",
    "--password",
    "demo-password-123",
]


def test_demo_creates_a_realistic_account(app, runner):
    result = runner.invoke(args=DEMO)
    assert result.exit_code == 0, result.output
    assert "Demo account demo@example.com is ready" in result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "demo@example.com"
        workflows = db.session.scalars(select(Workflow)).all()
        assert len(workflows) >= 12
        assert {w.trigger_type for w in workflows} >= {
            "manual",
            "schedule",
            "webhook",
            "app_event",
        }
        assert {w.status for w in workflows} == {"active", "inactive"}
        runs = db.session.scalars(select(Execution)).all()
        assert len(runs) >= 200
        assert {r.status for r in runs} == set(EXECUTION_STATUSES)
        oldest = min(r.created_at for r in runs)
        assert (utcnow() - oldest).days >= 10
        failures = [r for r in runs if r.status == "failure"]
        assert all(r.error_log for r in failures)
        assert any(step["status"] == "failure" for r in failures for step in r.results)
        finished = [r for r in runs if r.status == "success"]
        assert all(r.results and "duration_ms" in r.results[0] for r in finished)
        connections = db.session.scalars(select(Connection)).all()
        assert {c.status for c in connections} == {"active", "inactive"}
        kinds = set(db.session.scalars(select(Memory.context_type)))
        assert kinds == set(CONTEXT_TYPES)
        scores = set(db.session.scalars(select(Memory.relevance_score)))
        assert min(scores) < 0.2 and max(scores) > 0.9
        conversations = db.session.scalar(
            select(func.count(func.distinct(ChatMessage.conversation_id)))
        )
        assert conversations == 3


def test_workflows_made_in_chat_link_back_and_ran_only_after(app, runner):
    runner.invoke(args=DEMO)
    with app.app_context():
        origins = db.session.scalars(select(WorkflowOrigin)).all()
        assert {o.workflow.name for o in origins} == {
            "Big orders to Slack",
            "Weekday sales digest",
            "Uptime check for the storefront",
        }
        for origin in origins:
            assert origin.message.role == "assistant"
            assert origin.workflow.name in origin.message.content
            assert origin.workflow.created_at == origin.message.created_at
            first_run = db.session.scalar(
                select(func.min(Execution.created_at)).where(
                    Execution.workflow_id == origin.workflow_id
                )
            )
            assert first_run is None or first_run > origin.created_at
    client = app.test_client()
    client.post(
        "/login", data={"email": "demo@example.com", "password": "demo-password-123"}
    )
    page = client.get(f"/chat/{origin.conversation_id}").text
    assert re.search(r'Created:\s*<span class="made">', page)


def test_demo_user_can_sign_in(app, runner):
    runner.invoke(args=DEMO)
    client = app.test_client()
    response = client.post(
        "/login", data={"email": "demo@example.com", "password": "demo-password-123"}
    )
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_demo_refuses_to_duplicate(app, runner):
    runner.invoke(args=DEMO)
    result = runner.invoke(args=DEMO)
    assert result.exit_code != 0
    assert "already exists" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_demo_generates_a_password_when_none_given(app, runner):
    result = runner.invoke(args=["synth", "demo", "--email", "d@example.com"])
    assert result.exit_code == 0, result.output
    assert "password:" in result.output


def demo_runs(app, runner):
    runner.invoke(args=DEMO)
    with app.app_context():
        return db.session.scalars(select(Execution)).all()


def test_demo_history_stays_inside_the_retention_window(app, runner):
    runs = demo_runs(app, runner)
    max_age = timedelta(days=app.config["SYNTH_EXECUTIONS_MAX_AGE_DAYS"])
    assert all(utcnow() - r.created_at < max_age for r in runs)
    with app.app_context():
        assert run_state.prune(max_age) == 0


def test_demo_runs_agree_with_themselves(app, runner):
    for run in demo_runs(app, runner):
        for step in run.results:
            if step["type"] == "core.fail":
                assert step["status"] == "failure", run.id
            error = step["error"] or ""
            if error.startswith("Timed out after "):
                seconds = float(error.split()[3])
                assert step["duration_ms"] >= seconds * 1000 * step["attempts"]
            if step["attempts"] > 1:
                assert step["type"] in ("http.request", "slack.post_message")
                assert error == "" or f"after {step['attempts']} attempts" in error
        if run.status == "failure":
            failed = [s for s in run.results if s["status"] == "failure"]
            assert len(failed) == 1 and failed[0]["error"] in run.error_log


def test_demo_schedules_that_are_on_need_no_network(app, runner):
    runner.invoke(args=DEMO)
    with app.app_context():
        on = db.session.scalars(
            select(Workflow).where(
                Workflow.status == "active", Workflow.trigger_type == "schedule"
            )
        ).all()
    assert on
    assert all(a["type"].startswith("core.") for w in on for a in w.actions)


def test_demo_webhook_workflows_have_a_sample_to_run_with(app, runner):
    runner.invoke(args=DEMO)
    with app.app_context():
        hooks = db.session.scalars(
            select(Workflow).where(Workflow.trigger_type.in_(["webhook", "app_event"]))
        ).all()
        samples = {s.workflow_id: s for s in db.session.scalars(select(WorkflowSample))}
    assert hooks
    assert {w.id for w in hooks} == set(samples)
    assert all(s.payload["body"]["total"] for s in samples.values())


@pytest.mark.slow
def test_a_fresh_demo_gains_no_failed_run_in_its_first_ten_minutes(app, runner):
    """Tick, sweep and recover on a simulated clock, as the background loop does."""
    runner.invoke(args=DEMO)
    start = utcnow()
    next_hour = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    # Every 5 s for ten minutes, then past the next hour so a schedule really fires.
    clock = [start + timedelta(seconds=5 * i) for i in range(121)]
    clock.append(next_hour + timedelta(seconds=30))
    with app.app_context():
        before = db.session.scalar(select(func.max(Execution.id)))
        stale_after = timedelta(seconds=app.config["SYNTH_STALE_SECONDS"])
        for now in clock:
            fresh = enqueue_due_schedules(now=now) + run_state.queued_ids()
            for execution_id in fresh:
                run_execution(execution_id, worker="test")
            run_state.sweep_stale(stale_after, now=now)
        later = db.session.scalars(select(Execution).where(Execution.id > before)).all()
        showcase = db.session.scalars(
            select(Execution.status).where(Execution.status.in_(["queued", "running"]))
        ).all()
    assert later, "no schedule fired on the simulated clock"
    assert {run.status for run in later} == {"success"}
    assert sorted(showcase) == ["queued", "running"]

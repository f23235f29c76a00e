"""The demo command builds a realistic account once."""

from __future__ import annotations

from sqlalchemy import func, select

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
        assert (utcnow() - oldest).days >= 25
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

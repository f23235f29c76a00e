"""POST /hooks/<token>: no login, no CSRF, size-limited, idempotent, 202."""

from __future__ import annotations

import time

import pytest

from synth_web.extensions import db
from synth_web.models import Connection, Execution, Workflow
from tests.conftest import add_workflow

SET_TOTAL = [
    {
        "id": "order",
        "type": "core.set",
        "with": {"values": {"total": "{{ trigger.body.total }}"}},
    }
]


@pytest.fixture
def app_config():
    return {"SYNTH_ALLOW_PRIVATE_NETWORK": True, "SYNTH_WORKERS": 2}


@pytest.fixture
def hook(app, user):
    """The webhook path of an active webhook workflow."""
    workflow_id = add_workflow(app, user, SET_TOTAL, trigger={"type": "webhook"})
    with app.app_context():
        token = db.session.get(Workflow, workflow_id).webhook_token
    return f"/hooks/{token}"


def wait_finished(app, execution_id, timeout=10):
    deadline = time.monotonic() + timeout
    with app.app_context():
        while True:
            db.session.expire_all()
            execution = db.session.get(Execution, execution_id)
            if execution.is_finished or time.monotonic() > deadline:
                return execution
            time.sleep(0.05)


def test_json_webhook_starts_a_run(app, client, hook):
    response = client.post(
        hook + "?source=shop", json={"total": 150}, headers={"X-Shop": "acme"}
    )
    assert response.status_code == 202
    body = response.get_json()
    assert set(body) == {"execution_id", "status", "status_url"}
    assert body["status_url"].endswith(f"/api/v1/executions/{body['execution_id']}")
    execution = wait_finished(app, body["execution_id"])
    assert execution.status == "success", execution.error_log
    assert execution.trigger_type == "webhook"
    assert execution.results[0]["output"] == {"total": 150}
    trigger = execution.meta["trigger"]
    assert trigger["query"] == {"source": "shop"}
    assert trigger["headers"]["x-shop"] == "acme"


def test_form_and_raw_bodies(app, client, hook):
    response = client.post(hook, data={"total": "12", "tag": ["a", "b"]})
    execution = wait_finished(app, response.get_json()["execution_id"])
    assert execution.meta["trigger"]["body"] == {"total": "12", "tag": ["a", "b"]}
    response = client.post(hook, data=b"total=raw text", content_type="text/plain")
    execution = wait_finished(app, response.get_json()["execution_id"])
    assert execution.meta["trigger"]["body"] == "total=raw text"


def test_sender_credentials_are_not_stored(app, client, hook):
    response = client.post(
        hook,
        json={"total": 1},
        headers={"Authorization": "Bearer s3cret", "Cookie": "session=abc"},
    )
    execution = wait_finished(app, response.get_json()["execution_id"])
    headers = execution.meta["trigger"]["headers"]
    assert "authorization" not in headers and "cookie" not in headers


def test_unknown_token_is_404(client):
    response = client.post("/hooks/nope", json={})
    assert response.status_code == 404
    assert response.get_json()["error"] == "No workflow listens on this webhook URL."


def test_manual_workflow_token_is_404(app, client, user):
    workflow_id = add_workflow(app, user, SET_TOTAL, trigger={"type": "manual"})
    with app.app_context():
        token = db.session.get(Workflow, workflow_id).webhook_token
    assert client.post(f"/hooks/{token}", json={}).status_code == 404


def test_inactive_workflow_is_409(app, client, user):
    workflow_id = add_workflow(
        app, user, SET_TOTAL, trigger={"type": "webhook"}, status="inactive"
    )
    with app.app_context():
        token = db.session.get(Workflow, workflow_id).webhook_token
    response = client.post(f"/hooks/{token}", json={"total": 1})
    assert response.status_code == 409
    body = response.get_json()
    assert body == {
        "error": "This workflow is switched off.",
        "reason": "inactive",
        # The event is kept as a refused run, for replay (tests/test_refused.py).
        "refused_id": body["refused_id"],
        "stored": True,
    }


def test_workflow_with_problems_is_409(app, client, user):
    actions = [
        {
            "id": "post",
            "type": "slack.post_message",
            "with": {"channel": "#x", "text": "hi"},
        }
    ]
    workflow_id = add_workflow(app, user, actions, trigger={"type": "webhook"})
    with app.app_context():
        token = db.session.get(Workflow, workflow_id).webhook_token
        db.session.add(
            Connection(
                user_id=user.id,
                app_name="slack",
                connection_type="bot_token",
                status="inactive",
            )
        )
        db.session.commit()
    response = client.post(f"/hooks/{token}", json={})
    assert response.status_code == 409
    body = response.get_json()
    assert body["reason"] == "problems"
    assert body["problems"] == [
        {
            "path": "actions[0].type",
            "phase": "capability",
            "message": "Slack connection is off.",
        }
    ]
    assert response.headers["Retry-After"] == "300"  # a connection is off
    with app.app_context():
        statuses = db.session.scalars(db.select(Execution.status)).all()
        assert statuses == ["refused"]  # kept, never run


def test_body_over_one_mib_is_413(app, client, hook):
    response = client.post(
        hook, data=b"x" * (1024 * 1024 + 1), content_type="application/octet-stream"
    )
    assert response.status_code == 413
    assert response.get_json()["error"] == "The body is larger than 1024 KB."
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Execution.id))) == 0


def test_body_of_exactly_one_mib_is_accepted(client, hook):
    response = client.post(
        hook, data=b"x" * (1024 * 1024), content_type="application/octet-stream"
    )
    assert response.status_code == 202


def test_invalid_json_is_400(client, hook):
    response = client.post(hook, data=b"{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("The body is not valid JSON")


def test_idempotency_key_returns_the_first_execution(app, client, hook):
    first = client.post(hook, json={"total": 1}, headers={"Idempotency-Key": "order-7"})
    again = client.post(hook, json={"total": 2}, headers={"Idempotency-Key": "order-7"})
    other = client.post(hook, json={"total": 3}, headers={"Idempotency-Key": "order-8"})
    assert first.status_code == again.status_code == 202
    assert first.get_json()["execution_id"] == again.get_json()["execution_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.get_json()["execution_id"] != first.get_json()["execution_id"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Execution.id))) == 2


def test_overlong_idempotency_key_is_400(client, hook):
    response = client.post(hook, json={}, headers={"Idempotency-Key": "k" * 201})
    assert response.status_code == 400


def test_get_is_not_allowed(client, hook):
    assert client.get(hook).status_code == 405


def test_rate_limit_per_token(app, user, hook):
    app.config["RATELIMIT_ENABLED"] = True
    from synth_web.extensions import limiter

    limiter.init_app(app)
    app.config["SYNTH_WEBHOOK_LIMIT"] = "3 per minute"
    client = app.test_client()
    codes = [client.post(hook, json={"total": 1}).status_code for _ in range(4)]
    assert codes == [202, 202, 202, 429]
    assert client.post(hook, json={}).get_json()["error"].startswith("Too many")
    # Another workflow's webhook has its own budget.
    other = add_workflow(app, user, SET_TOTAL, trigger={"type": "webhook"})
    with app.app_context():
        token = db.session.get(Workflow, other).webhook_token
    assert client.post(f"/hooks/{token}", json={"total": 1}).status_code == 202

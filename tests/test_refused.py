"""Refused events: a webhook that cannot run is kept (409), deduplicated, replayed."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from synth_web.engine import inserts, runs
from synth_web.extensions import db
from synth_web.models import Connection, Execution, Workflow, utcnow
from synth_web.vault import put_secret
from tests.conftest import add_workflow, make_user

TOKEN = "xoxb-1111-2222-FakeSlackTokenForTests"
NOTIFY = [
    {
        "id": "notify",
        "type": "slack.post_message",
        "with": {"channel": "#sales", "text": "Order {{ trigger.body.id }}"},
    }
]
LOG = [{"id": "log", "type": "core.log", "with": {"message": "hi"}}]


@pytest.fixture
def app_config(fake_api):
    fake_api.route("/api/chat.postMessage", body={"ok": True, "ts": "1.2"})
    return {
        "SYNTH_ALLOW_PRIVATE_NETWORK": True,
        "SYNTH_SLACK_API_URL": fake_api.url("/api"),
        "SYNTH_WORKERS": 2,
    }


def connect_slack(app, user, status="active"):
    with app.app_context():
        connection = Connection(
            user_id=user.id,
            app_name="slack",
            connection_type="bot_token",
            status=status,
            meta={"settings": {}},
        )
        db.session.add(connection)
        db.session.flush()
        put_secret(user.id, connection.id, {"bot_token": TOKEN}, commit=False)
        db.session.commit()
        return connection.id


def set_slack(app, connection_id, status):
    with app.app_context():
        db.session.get(Connection, connection_id).status = status
        db.session.commit()


def hook_of(app, workflow_id):
    with app.app_context():
        return f"/hooks/{db.session.get(Workflow, workflow_id).webhook_token}"


@pytest.fixture
def slack_off(app, user):
    """A webhook workflow posting to Slack, with Slack switched off."""
    connection_id = connect_slack(app, user, status="inactive")
    workflow_id = add_workflow(app, user, NOTIFY, trigger={"type": "webhook"})
    return workflow_id, connection_id


def by_status(app, workflow_id):
    with app.app_context():
        rows = db.session.execute(
            select(Execution.status, func.count())
            .where(Execution.workflow_id == workflow_id)
            .group_by(Execution.status)
        )
        return dict(rows.all())


def wait_all_finished(app, workflow_id, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = by_status(app, workflow_id)
        if not counts.get("queued") and not counts.get("running"):
            return counts
        time.sleep(0.05)
    raise AssertionError(f"runs still unfinished: {counts}")


def test_slack_off_twenty_webhooks_are_kept_then_replayed_once(
    app, client, signed_in, slack_off, fake_api
):
    workflow_id, connection_id = slack_off
    hook = hook_of(app, workflow_id)
    for number in range(20):
        response = client.post(hook, json={"id": number})
        assert response.status_code == 409
        assert response.headers["Retry-After"] == "300"
        body = response.get_json()
        assert body["reason"] == "problems"
        assert body["blocked_by"] == ["slack"]
        assert body["stored"] is True
    assert by_status(app, workflow_id) == {"refused": 20}
    with app.app_context():
        events = db.session.scalars(
            select(Execution).where(Execution.workflow_id == workflow_id)
        ).all()
        assert sorted(e.trigger_payload["body"]["id"] for e in events) == list(
            range(20)
        )
        assert "Slack was off" in events[0].error_log
        assert events[0].finished_at is not None
    page = client.get(f"/workflows/{workflow_id}").text
    assert "20 refused events waiting for a replay" in page

    set_slack(app, connection_id, "active")
    response = client.post(f"/workflows/{workflow_id}/replay")
    assert response.status_code == 303
    assert wait_all_finished(app, workflow_id) == {"refused": 20, "success": 20}
    assert len(fake_api.requests) == 20
    client.post(f"/workflows/{workflow_id}/replay")
    assert by_status(app, workflow_id) == {"refused": 20, "success": 20}
    assert "waiting for a replay" not in client.get(f"/workflows/{workflow_id}").text


@pytest.mark.parametrize("header", ["Idempotency-Key", "webhook-id"])
def test_a_sender_retrying_the_same_event_is_kept_once(app, client, slack_off, header):
    hook = hook_of(app, slack_off[0])
    first = client.post(hook, json={"id": 1}, headers={header: "evt-1"})
    again = client.post(hook, json={"id": 1}, headers={header: "evt-1"})
    assert first.status_code == again.status_code == 409
    assert again.get_json()["refused_id"] == first.get_json()["refused_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert by_status(app, slack_off[0]) == {"refused": 1}


def test_a_long_sender_key_is_kept_as_its_hash(app, client, slack_off):
    hook = hook_of(app, slack_off[0])
    key = "k" * 500
    first = client.post(hook, json={}, headers={"Idempotency-Key": key})
    again = client.post(hook, json={}, headers={"Idempotency-Key": key})
    assert again.get_json()["refused_id"] == first.get_json()["refused_id"]


def test_switched_off_workflow_keeps_the_event_without_retry_after(app, client, user):
    workflow_id = add_workflow(
        app, user, LOG, trigger={"type": "webhook"}, status="inactive"
    )
    response = client.post(hook_of(app, workflow_id), json={"a": 1})
    assert response.status_code == 409
    assert "Retry-After" not in response.headers
    body = response.get_json()
    assert body["error"] == "This workflow is switched off."
    assert body["reason"] == "inactive"
    with app.app_context():
        event = db.session.get(Execution, body["refused_id"])
        assert event.status == "refused"
        assert event.trigger_payload["body"] == {"a": 1}
        assert event.error_log == (
            "Refused while the workflow was off: This workflow is switched off."
        )


def test_an_unreadable_body_is_answered_409_and_not_kept(app, client, user):
    workflow_id = add_workflow(
        app, user, LOG, trigger={"type": "webhook"}, status="inactive"
    )
    response = client.post(
        hook_of(app, workflow_id), data=b"{nope", content_type="application/json"
    )
    assert response.status_code == 409
    assert response.get_json()["stored"] is False
    assert by_status(app, workflow_id) == {}


def test_the_cap_drops_the_oldest_and_the_page_says_so(
    app, client, signed_in, slack_off
):
    app.config["SYNTH_REFUSED_MAX_PER_WORKFLOW"] = 3
    hook = hook_of(app, slack_off[0])
    ids = [client.post(hook, json={"n": n}).get_json()["refused_id"] for n in range(5)]
    with app.app_context():
        kept = db.session.scalars(
            select(Execution.id).where(Execution.status == "refused")
        ).all()
    assert sorted(kept) == ids[2:]
    page = client.get(f"/workflows/{slack_off[0]}").text
    assert "at most 3 refused events per workflow: 2 older events were" in page


def test_replay_one_runs_it_once(app, client, signed_in, slack_off):
    workflow_id, connection_id = slack_off
    refused_id = client.post(hook_of(app, workflow_id), json={"id": 7}).get_json()[
        "refused_id"
    ]
    response = client.post(f"/executions/{refused_id}/replay")
    assert response.status_code == 303  # Slack is still off: refused, nothing run
    assert by_status(app, workflow_id) == {"refused": 1}
    set_slack(app, connection_id, "active")
    first = client.post(f"/executions/{refused_id}/replay")
    again = client.post(f"/executions/{refused_id}/replay")
    assert first.headers["Location"] == again.headers["Location"]
    assert wait_all_finished(app, workflow_id) == {"refused": 1, "success": 1}
    with app.app_context():
        run = db.session.scalar(select(Execution).where(Execution.status == "success"))
        assert run.dedupe_key == f"replay:{refused_id}"
        assert run.replay_of == refused_id
        assert run.trigger_type == "webhook"
    page = client.get(f"/executions/{refused_id}").text
    assert f"Replayed by run #{run.id}" in page
    assert "replays refused event" in client.get(f"/executions/{run.id}").text


def test_only_a_refused_event_can_be_replayed(app, client, signed_in, user):
    workflow_id = add_workflow(app, user, LOG)
    run_id, _ = new_run(app, workflow_id)
    client.post(f"/executions/{run_id}/replay")
    with app.app_context():
        assert db.session.scalar(select(func.count(Execution.id))) == 1


def new_run(app, workflow_id):
    with app.app_context():
        execution, created = inserts.enqueue(
            db.session.get(Workflow, workflow_id), "manual", {}
        )
        return execution.id, created


def test_refused_is_finished_filtered_counted_and_pruned(
    app, client, signed_in, slack_off
):
    refused_id = client.post(hook_of(app, slack_off[0]), json={}).get_json()[
        "refused_id"
    ]
    poll = client.get(
        f"/executions/{refused_id}/status", headers={"HX-Request": "true"}
    )
    assert poll.status_code == 286
    listing = client.get("/executions?status=refused").text
    assert f"#{refused_id}" in listing
    assert f"#{refused_id}" not in client.get("/executions?status=failure").text
    assert "1 event refused while Slack was off" in client.get("/dashboard").text
    with app.app_context():
        event = db.session.get(Execution, refused_id)
        event.created_at = utcnow() - timedelta(days=30)
        db.session.commit()
        assert runs.prune(timedelta(days=14)) == 1


def test_another_persons_refused_events_are_404(app, client, auth, slack_off):
    refused_id = client.post(hook_of(app, slack_off[0]), json={}).get_json()[
        "refused_id"
    ]
    make_user(app, "other@example.com")
    auth.login("other@example.com")
    assert client.post(f"/executions/{refused_id}/replay").status_code == 404
    assert client.post(f"/workflows/{slack_off[0]}/replay").status_code == 404
    assert by_status(app, slack_off[0]) == {"refused": 1}

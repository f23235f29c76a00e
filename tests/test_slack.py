"""slack.post_message against a local fake of Slack's Web API, and its errors."""

from __future__ import annotations

import json
import logging

import pytest

from synth_web.extensions import db
from synth_web.models import Connection
from synth_web.vault import REDACTED, put_secret
from tests.conftest import add_workflow
from tests.test_engine import run, steps

TOKEN = "xoxb-1111-2222-FakeSlackTokenForTests"
POST = "/api/chat.postMessage"


@pytest.fixture
def app_config(fake_api):
    return {
        "SYNTH_ALLOW_PRIVATE_NETWORK": True,
        "SYNTH_SLACK_API_URL": fake_api.url("/api"),
    }


@pytest.fixture
def slack(app, user):
    """Connect Slack for `user` with TOKEN, the way the connect form does."""
    with app.app_context():
        connection = Connection(
            user_id=user.id,
            app_name="slack",
            connection_type="bot_token",
            meta={"settings": {}},
        )
        db.session.add(connection)
        db.session.flush()
        put_secret(user.id, connection.id, {"bot_token": TOKEN}, commit=False)
        db.session.commit()
        return connection.id


def post_step(retry=None, **params):
    step = {
        "id": "notify",
        "type": "slack.post_message",
        "with": {"channel": "#sales", "text": "Order of $150", **params},
    }
    if retry:
        step["retry"] = retry
    return step


def run_post(app, user, retry=None, **params):
    return run(app, add_workflow(app, user, [post_step(retry, **params)]))


def test_posts_with_the_bot_token(app, user, slack, fake_api):
    fake_api.route(POST, body={"ok": True, "channel": "C123", "ts": "1700.0001"})
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Big*"}}]
    execution = run_post(app, user, blocks=blocks)
    assert execution.status == "success", execution.error_log
    assert steps(execution)["notify"]["output"] == {
        "ok": True,
        "channel": "C123",
        "ts": "1700.0001",
    }
    request = fake_api.requests[0]
    assert request["method"] == "POST" and request["path"] == POST
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert json.loads(request["body"]) == {
        "channel": "#sales",
        "text": "Order of $150",
        "blocks": blocks,
    }


SLACK_ERRORS = [
    ("invalid_auth", {}, "Slack refused the bot token (invalid_auth)"),
    ("not_authed", {}, "Slack received no bot token"),
    ("token_revoked", {}, "The Slack bot token was revoked"),
    ("account_inactive", {}, "account is inactive"),
    ("channel_not_found", {}, "Slack cannot find the channel #sales"),
    ("not_in_channel", {}, "The bot is not a member of #sales"),
    ("is_archived", {}, "The channel #sales is archived"),
    ("msg_too_long", {}, "The message is too long for Slack"),
    ("no_text", {}, "The message is empty"),
    (
        "missing_scope",
        {"needed": "chat:write.public"},
        "lacks the `chat:write.public` permission",
    ),
    ("something_new", {}, "Slack refused the request (something_new)."),
]


@pytest.mark.parametrize(("code", "extra", "sentence"), SLACK_ERRORS)
def test_slack_errors_become_sentences(
    app, user, slack, fake_api, code, extra, sentence
):
    fake_api.route(POST, body={"ok": False, "error": code, **extra})
    execution = run_post(app, user, retry={"max_attempts": 3, "backoff_seconds": 0})
    assert execution.status == "failure"
    error = steps(execution)["notify"]["error"]
    assert sentence in error
    assert steps(execution)["notify"]["attempts"] == 1  # a person must act first
    assert sentence in execution.error_log


def test_short_retry_after_is_waited_out_once(app, user, slack, fake_api):
    fake_api.route(
        POST,
        sequence=[429],
        headers={"Retry-After": "0.2"},
        body={"ok": True, "channel": "C1", "ts": "1.2"},
    )
    execution = run_post(app, user)
    assert execution.status == "success", execution.error_log
    assert len(fake_api.requests) == 2


def test_long_rate_limit_is_a_retryable_failure(app, user, slack, fake_api):
    fake_api.route(POST, status=429, headers={"Retry-After": "30"}, body={"ok": False})
    execution = run_post(app, user, retry={"max_attempts": 2, "backoff_seconds": 0})
    assert execution.status == "failure"
    record = steps(execution)["notify"]
    assert record["attempts"] == 2
    assert "rate-limiting this bot (ratelimited): try again in 30 s" in record["error"]


def test_slack_down_is_retried(app, user, slack, fake_api):
    fake_api.route(
        POST, sequence=[503], body={"ok": True, "channel": "C1", "ts": "1.2"}
    )
    execution = run_post(app, user, retry={"max_attempts": 2, "backoff_seconds": 0})
    assert execution.status == "success", execution.error_log
    assert steps(execution)["notify"]["attempts"] == 2


def test_an_answer_that_is_not_json(app, user, slack, fake_api):
    fake_api.route(POST, status=200, body="<html>captive portal</html>")
    execution = run_post(app, user)
    assert "Slack answered HTTP 200, not the JSON expected" in execution.error_log


def test_unreachable_slack(app, user, slack):
    app.config["SYNTH_SLACK_API_URL"] = "http://127.0.0.1:9/api"
    execution = run_post(app, user)
    assert "Could not reach Slack at 127.0.0.1: connection refused" in (
        execution.error_log
    )


def test_private_addresses_are_refused_without_the_setting(app, user, slack):
    app.config["SYNTH_ALLOW_PRIVATE_NETWORK"] = False
    execution = run_post(app, user)
    assert "Refused to connect to 127.0.0.1: 127.0.0.1 is a loopback address" in (
        execution.error_log
    )


def test_connection_without_a_token(app, user, fake_api):
    with app.app_context():
        db.session.add(
            Connection(user_id=user.id, app_name="slack", connection_type="bot_token")
        )
        db.session.commit()
    execution = run_post(app, user)
    assert "Slack is connected without a bot token" in execution.error_log
    assert fake_api.requests == []


def test_a_token_echoed_back_is_redacted_everywhere(app, user, slack, fake_api, caplog):
    # A misbehaving server (or proxy) repeats the Authorization header in errors.
    fake_api.route(
        POST, body={"ok": False, "error": f"invalid token {TOKEN}", "got": TOKEN}
    )
    fake_api.route(
        "/echo/chat.postMessage", status=500, body=f"Bearer {TOKEN} rejected"
    )
    caplog.set_level(logging.DEBUG)
    first = run_post(app, user, text=f"my token is {TOKEN}")
    app.config["SYNTH_SLACK_API_URL"] = fake_api.url("/echo")
    second = run_post(app, user)
    for execution in (first, second):
        assert execution.status == "failure"
        stored = json.dumps(execution.results) + (execution.error_log or "")
        assert TOKEN not in stored
        assert REDACTED in stored
    assert REDACTED in steps(first)["notify"]["input"]["text"]
    assert TOKEN not in caplog.text


def test_verify_records_the_workspace(app, user, slack, fake_api):
    from synth_web.engine.verification import verify_connection

    fake_api.route(
        "/api/auth.test",
        body={"ok": True, "team": "Acme", "team_id": "T1", "user": "synth"},
    )
    with app.app_context():
        connection = db.session.get(Connection, slack)
        assert verify_connection(connection) == (
            True,
            "Slack works: signed in as synth in Acme.",
        )
        assert connection.last_verified_at is not None
        assert connection.meta["facts"] == {
            "team": "Acme",
            "team_id": "T1",
            "bot_user": "synth",
        }
    assert fake_api.requests[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"

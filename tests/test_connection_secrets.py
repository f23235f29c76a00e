"""End to end: secrets typed into the connect form reach the vault and the runs,
and nothing else — not the main database, not run records, not the pages."""

from __future__ import annotations

import json

import pytest

from synth_web.extensions import db
from synth_web.models import Connection
from tests.conftest import add_workflow
from tests.smtp_server import ADDRESS, APP_PASSWORD, SmtpServer
from tests.test_engine import run, steps
from tests.test_vault import database_bytes

TOKEN = "xoxb-2468013579-1357924680-EndToEndTokenQ7w3"


@pytest.fixture
def app_config(fake_api):
    return {
        "SYNTH_ALLOW_PRIVATE_NETWORK": True,
        "SYNTH_SLACK_API_URL": fake_api.url("/api"),
        "SYNTH_SMTP_TLS_VERIFY": False,
    }


@pytest.fixture
def smtp(tmp_path):
    server = SmtpServer(tmp_path)
    yield server
    server.close()


def connect_both(client, smtp):
    """Connect Slack and Gmail through the form, as a person would."""
    slack = client.post("/connections/new?app=slack", data={"bot_token": TOKEN})
    gmail = client.post(
        "/connections/new?app=gmail",
        data={**smtp.settings(), "app_password": APP_PASSWORD},
    )
    assert slack.status_code == gmail.status_code == 302


def test_connected_secrets_are_not_in_the_main_database_and_still_work(
    app, signed_in, user, fake_api, smtp
):
    connect_both(signed_in, smtp)
    fake_api.route(
        "/api/chat.postMessage", body={"ok": True, "channel": "C1", "ts": "1.1"}
    )
    actions = [
        {
            "id": "post",
            "type": "slack.post_message",
            "with": {"channel": "#sales", "text": "hi"},
        },
        {
            "id": "mail",
            "type": "gmail.send_email",
            "with": {"to": "grace@example.com", "subject": "Hi", "text": "hi"},
        },
    ]
    execution = run(app, add_workflow(app, user, actions))
    assert execution.status == "success", execution.error_log

    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()  # SQLite: let the WAL reach the file we read
        main = database_bytes(app.config["SQLALCHEMY_DATABASE_URI"])
        vault = database_bytes(app.config["SQLALCHEMY_BINDS"]["vault"])
    # We read the real databases: the main one has the connections and the run.
    assert b"starttls" in main and b"bot_token" in main
    assert b"#sales" in main and b"vault_secrets" not in main
    assert vault.count(b"gAAAAA") == 2
    for secret in (TOKEN, APP_PASSWORD):
        assert secret.encode() not in main
        assert secret.encode() not in vault
    # ...and the secrets still work.
    assert fake_api.requests[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert smtp.mailbox.logins == [(ADDRESS, APP_PASSWORD)]
    assert steps(execution)["mail"]["output"]["accepted"] == ["grace@example.com"]


def test_an_echoed_password_is_redacted_from_records_and_pages(
    app, signed_in, user, fake_api, smtp
):
    connect_both(signed_in, smtp)
    # The step fails while echoing the app password (here: a template puts it in
    # the message, and the Slack fake repeats it in its error).
    fake_api.route(
        "/api/chat.postMessage",
        body={"ok": False, "error": f"bad text {APP_PASSWORD} {TOKEN}"},
    )
    actions = [
        {
            "id": "post",
            "type": "slack.post_message",
            "with": {"channel": "#x", "text": f"{APP_PASSWORD} and {TOKEN}"},
        }
    ]
    execution = run(app, add_workflow(app, user, actions))
    assert execution.status == "failure"
    stored = json.dumps(execution.results) + execution.error_log
    assert APP_PASSWORD not in stored and TOKEN not in stored
    assert stored.count("[redacted]") >= 4
    for page in (
        "/connections",
        "/connections/new?app=slack",
        "/connections/new?app=gmail",
    ):
        html = signed_in.get(page).text
        assert APP_PASSWORD not in html and TOKEN not in html
    with app.app_context():
        for connection in db.session.scalars(db.select(Connection)):
            assert TOKEN not in json.dumps(connection.meta)
            assert APP_PASSWORD not in json.dumps(connection.meta)

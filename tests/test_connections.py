"""The connections pages: connect, secrets write-only, toggle, check, delete."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from synth_web.engine import inserts
from synth_web.engine.checks import workflow_problems
from synth_web.extensions import db
from synth_web.models import Connection, Execution, Workflow
from synth_web.vault import SecretNotFound, VaultSecret, get_secret, mask
from tests.conftest import add_workflow

TOKEN = "xoxb-1234567890-0987654321-SecretSlackTokenA1b2"
NEW_TOKEN = "xoxb-5555555555-6666666666-ReplacedTokenZ9y8"
HX = {"HX-Request": "true"}
SLACK_STEP = {
    "id": "post",
    "type": "slack.post_message",
    "with": {"channel": "#sales", "text": "hi"},
}
LOG_STEP = {"id": "log", "type": "core.log", "with": {"message": "hi"}}


@pytest.fixture
def app_config(fake_api):
    return {
        "SYNTH_ALLOW_PRIVATE_NETWORK": True,
        "SYNTH_SLACK_API_URL": fake_api.url("/api"),
    }


def connect_slack(client, token=TOKEN, **extra):
    return client.post("/connections/new?app=slack", data={"bot_token": token, **extra})


def the_connection(app, app_name="slack"):
    with app.app_context():
        connection = db.session.scalar(
            select(Connection).where(Connection.app_name == app_name)
        )
        if connection is not None:
            db.session.expunge(connection)
        return connection


def secret_of(app, connection_id):
    with app.app_context():
        return get_secret(connection_id)


def queue(app, workflow_id):
    with app.app_context():
        execution, _ = inserts.enqueue(db.session.get(Workflow, workflow_id), "manual")
        return execution.id


def execution(app, execution_id):
    with app.app_context():
        row = db.session.get(Execution, execution_id)
        db.session.expunge(row)
        return row


def problems(app, workflow_id):
    with app.app_context():
        workflow = db.session.get(Workflow, workflow_id)
        return [p.message for p in workflow_problems(workflow)]


# ---------- The list ----------


def test_empty_list_offers_the_catalog(signed_in):
    page = signed_in.get("/connections")
    assert page.status_code == 200
    assert "No apps connected yet" in page.text
    assert 'href="/connections/new?app=slack"' in page.text
    assert 'href="/connections/new?app=gmail"' in page.text


def test_list_shows_state_usage_and_the_masked_secret(app, signed_in, user):
    connect_slack(signed_in)
    add_workflow(app, user, [SLACK_STEP], name="Notify")
    add_workflow(app, user, [LOG_STEP, SLACK_STEP], name="Log then notify")
    add_workflow(app, user, [LOG_STEP], name="Only logs")
    page = signed_in.get("/connections").text
    assert "Used by</dt><dd>2 workflows" in page
    assert mask(TOKEN) in page and mask(TOKEN).endswith("A1b2")
    assert TOKEN not in page
    assert 'Last verified</dt><dd><span class="muted">never</span>' in page
    # Slack is connected, so only Gmail is left to connect.
    assert "/connections/new?app=gmail" in page
    assert "Connect Slack</a>" not in page


# ---------- Connecting ----------


def test_connect_slack_stores_the_token_in_the_vault_only(app, signed_in, user):
    response = connect_slack(signed_in)
    assert response.status_code == 302
    connection = the_connection(app)
    assert response.location == f"/connections#connection-{connection.id}"
    assert connection.user_id == user.id
    assert connection.status == "active"
    assert connection.connection_type == "bot_token"
    assert TOKEN not in str(connection.meta)
    assert secret_of(app, connection.id) == {"bot_token": TOKEN}
    page = signed_in.get(response.location).text
    assert "Slack is connected. Use “Check now” to test it." in page


def test_connect_and_check_at_once(app, signed_in, fake_api):
    fake_api.route("/api/auth.test", body={"ok": True, "team": "Acme", "user": "synth"})
    response = connect_slack(signed_in, check_now="y")
    page = signed_in.get(response.location).text
    assert "Slack is connected. Slack works: signed in as synth in Acme." in page
    assert "Acme as @synth" in page
    assert the_connection(app).last_verified_at is not None


def test_gmail_form_is_prefilled_and_never_shows_secrets(app, signed_in):
    form = signed_in.get("/connections/new?app=gmail").text
    assert 'value="smtp.gmail.com"' in form
    assert 'value="587"' in form
    assert re.search(r'<option selected value="starttls">', form)
    assert 'autocomplete="new-password"' in form
    response = signed_in.post(
        "/connections/new?app=gmail",
        data={
            "address": "Ada@Gmail.com ",
            "app_password": "abcd efgh ijkl mnop",
            "smtp_host": "smtp.gmail.com",
            "smtp_port": "465",
            "security": "ssl",
        },
    )
    assert response.status_code == 302
    connection = the_connection(app, "gmail")
    assert connection.connection_type == "smtp"
    assert connection.meta["settings"] == {
        "address": "Ada@Gmail.com",
        "smtp_host": "smtp.gmail.com",
        "smtp_port": "465",
        "security": "ssl",
    }
    assert secret_of(app, connection.id) == {"app_password": "abcd efgh ijkl mnop"}
    again = signed_in.get("/connections/new?app=gmail").text
    assert "abcd efgh ijkl mnop" not in again
    assert 'value="465"' in again
    assert f"Stored: {mask('abcd efgh ijkl mnop')}. Leave blank to keep it" in again


GMAIL_OK = {
    "address": "ada@gmail.com",
    "app_password": "abcd efgh ijkl mnop",
    "smtp_host": "smtp.gmail.com",
    "smtp_port": "587",
    "security": "starttls",
}


@pytest.mark.parametrize(
    ("app_key", "data", "field", "message"),
    [
        ("slack", {"bot_token": ""}, "bot_token", "Enter the bot token."),
        (
            "slack",
            {"bot_token": "not-a-token"},
            "bot_token",
            "A Slack bot token starts with xoxb-",
        ),
        ("slack", {"bot_token": "xoxb-" + "a" * 5000}, "bot_token", "too long"),
        ("gmail", {"address": ""}, "address", "Enter the gmail address."),
        (
            "gmail",
            {"address": "ada"},
            "address",
            "Enter a valid email address, like name@gmail.com.",
        ),
        ("gmail", {"app_password": ""}, "app_password", "Enter the app password."),
        ("gmail", {"smtp_port": "0"}, "smtp_port", "Enter a port number from 1"),
        ("gmail", {"smtp_port": "smtp"}, "smtp_port", "Enter a port number from 1"),
        ("gmail", {"smtp_host": "https://x/"}, "smtp_host", "Enter a host name"),
        ("gmail", {"smtp_host": ""}, "smtp_host", "Enter the smtp host."),
        ("gmail", {"security": "none"}, "security", "Not a valid choice."),
    ],
)
def test_bad_input_is_explained_beside_the_field(
    app, signed_in, app_key, data, field, message
):
    base = GMAIL_OK if app_key == "gmail" else {}
    response = signed_in.post(f"/connections/new?app={app_key}", data={**base, **data})
    assert response.status_code == 200
    error = re.search(
        rf'<p class="field-error" id="{field}-error">([^<]*)</p>', response.text
    )
    assert error and message in error.group(1)
    assert 'aria-invalid="true"' in response.text
    # What was typed into a secret field is never sent back.
    assert "abcd efgh ijkl mnop" not in response.text
    assert "a" * 100 not in response.text
    assert the_connection(app, app_key) is None


def test_unknown_and_missing_apps(signed_in):
    assert signed_in.get("/connections/new?app=notion").status_code == 404
    assert signed_in.get("/connections/new?app=core").status_code == 404
    response = signed_in.get("/connections/new")
    assert response.status_code == 302
    assert response.location == "/connections#connect"


def test_connecting_again_keeps_a_blank_secret_and_the_id(app, signed_in):
    connect_slack(signed_in)
    first = the_connection(app)
    form = signed_in.get("/connections/new?app=slack").text
    assert "Reconnect Slack" in form and TOKEN not in form
    assert "Leave blank to keep it" in form
    response = connect_slack(signed_in, token="")
    assert response.status_code == 302
    assert the_connection(app).id == first.id
    assert secret_of(app, first.id) == {"bot_token": TOKEN}
    page = signed_in.get(response.location).text
    assert "Slack connection was updated." in page


def test_connecting_again_replaces_the_secret_and_voids_the_check(app, signed_in):
    connect_slack(signed_in)
    first = the_connection(app)
    with app.app_context():
        connection = db.session.get(Connection, first.id)
        connection.last_verified_at = connection.created_at
        connection.meta = {**connection.meta, "facts": {"team": "Old"}}
        db.session.commit()
    connect_slack(signed_in, token=NEW_TOKEN)
    again = the_connection(app)
    assert again.id == first.id
    assert secret_of(app, first.id) == {"bot_token": NEW_TOKEN}
    assert again.last_verified_at is None and "facts" not in again.meta
    with app.app_context():
        assert db.session.scalar(select(func.count(VaultSecret.id))) == 1


def test_two_connects_at_once_end_as_one_connection(app, signed_in, monkeypatch):
    from synth_web.connections import services

    connect_slack(signed_in)
    first = the_connection(app)
    real = services.find_connection
    calls = []

    def racing(user_id, app_key):
        # The first look misses the row another request has just committed.
        calls.append(app_key)
        return None if len(calls) == 1 else real(user_id, app_key)

    monkeypatch.setattr(services, "find_connection", racing)
    response = connect_slack(signed_in, token=NEW_TOKEN)
    assert response.status_code == 302
    assert the_connection(app).id == first.id
    assert secret_of(app, first.id) == {"bot_token": NEW_TOKEN}
    assert "Slack connection was updated." in signed_in.get("/connections").text


# ---------- Turning off and on ----------

# Switching off a connection that workflows use asks first; this is the answer.
OFF = {"confirm": "off"}


@pytest.fixture
def slack_workflows(app, signed_in, user):
    """Slack connected; two webhook workflows use it, one does not."""
    connect_slack(signed_in)
    hook = {"type": "webhook"}
    ids = [
        add_workflow(app, user, [SLACK_STEP], trigger=hook, name="Notify"),
        add_workflow(app, user, [LOG_STEP, SLACK_STEP], name="Log then notify"),
        add_workflow(app, user, [LOG_STEP], name="Only logs"),
    ]
    return the_connection(app).id, ids


def test_turning_off_blocks_dependent_workflows_and_their_queued_runs(
    app, signed_in, client, slack_workflows
):
    connection_id, (notify, both, logs) = slack_workflows
    queued = [queue(app, notify), queue(app, logs)]
    response = signed_in.post(
        f"/connections/{connection_id}/toggle", data=OFF, headers=HX
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<article class="card connection is-off"')
    assert "Slack is off: 2 workflows can no longer run." in response.text
    assert "1 queued run ended without running." in response.text
    assert 'aria-pressed="false"' in response.text
    assert problems(app, notify) == ["Slack connection is off."]
    assert problems(app, both) == ["Slack connection is off."]
    assert problems(app, logs) == []
    failed, untouched = (execution(app, i) for i in queued)
    assert failed.status == "failure"
    assert failed.error_log == "Not run: Slack connection is off."
    assert untouched.status == "queued"
    with app.app_context():
        token = db.session.get(Workflow, notify).webhook_token
    refused = client.post(f"/hooks/{token}", json={})
    assert refused.status_code == 409
    assert refused.get_json()["problems"][0]["message"] == "Slack connection is off."

    response = signed_in.post(f"/connections/{connection_id}/toggle", headers=HX)
    assert "Slack is back on: 2 workflows can run again." in response.text
    assert problems(app, notify) == [] and problems(app, both) == []
    assert client.post(f"/hooks/{token}", json={}).status_code == 202


def test_switching_off_asks_first_naming_the_workflows_it_blocks(
    app, signed_in, slack_workflows
):
    connection_id, _ = slack_workflows
    for headers in (HX, {}):
        response = signed_in.post(
            f"/connections/{connection_id}/toggle", headers=headers
        )
        assert response.status_code == 200
        assert "Switch Slack off?</strong> 2 workflows will be blocked" in response.text
        assert "Log then notify" in response.text and "Notify" in response.text
        assert "Only logs" not in response.text
        assert 'name="confirm" value="off"' in response.text
        assert the_connection(app).status == "active"


def test_toggle_without_javascript_redirects_with_a_flash(
    app, signed_in, slack_workflows
):
    connection_id, _ = slack_workflows
    response = signed_in.post(f"/connections/{connection_id}/toggle", data=OFF)
    assert response.status_code == 302
    assert response.location == f"/connections#connection-{connection_id}"
    page = signed_in.get(response.location).text
    assert "Slack is off: 2 workflows can no longer run." in page
    assert the_connection(app).status == "inactive"


def test_toggle_an_unused_connection(app, signed_in):
    connect_slack(signed_in)
    connection_id = the_connection(app).id
    response = signed_in.post(f"/connections/{connection_id}/toggle", headers=HX)
    assert "Slack is off. No workflow uses it." in response.text
    response = signed_in.post(f"/connections/{connection_id}/toggle", headers=HX)
    assert "Slack is back on." in response.text


# ---------- Checking ----------


def test_check_now_success_then_failure(app, signed_in, fake_api):
    connect_slack(signed_in)
    connection_id = the_connection(app).id
    fake_api.route("/api/auth.test", body={"ok": True, "team": "Acme", "user": "synth"})
    response = signed_in.post(f"/connections/{connection_id}/verify", headers=HX)
    assert "Slack works: signed in as synth in Acme." in response.text
    assert "Verification failed" not in response.text
    verified_at = the_connection(app).last_verified_at
    assert verified_at is not None

    fake_api.route("/api/auth.test", body={"ok": False, "error": "token_revoked"})
    response = signed_in.post(f"/connections/{connection_id}/verify", headers=HX)
    assert "The Slack check failed: The Slack bot token was revoked" in response.text
    connection = the_connection(app)
    assert connection.last_verified_at == verified_at
    assert connection.meta["last_error"]["message"].startswith(
        "The Slack bot token was revoked (token_revoked)"
    )
    page = signed_in.get("/connections").text
    assert "Verification failed</span>" in page
    assert "The Slack bot token was revoked" in page

    fake_api.route("/api/auth.test", body={"ok": True, "team": "Acme"})
    signed_in.post(f"/connections/{connection_id}/verify")
    assert "last_error" not in the_connection(app).meta
    assert "Verification failed" not in signed_in.get("/connections").text


def test_a_check_that_echoes_the_token_stores_and_shows_no_token(
    app, signed_in, fake_api
):
    connect_slack(signed_in)
    connection_id = the_connection(app).id
    fake_api.route("/api/auth.test", status=502, body=f"bad gateway for {TOKEN}")
    response = signed_in.post(f"/connections/{connection_id}/verify")
    page = signed_in.get(response.location).text
    assert "Slack answered HTTP 502" in page and "[redacted]" in page
    assert TOKEN not in page
    assert TOKEN not in str(the_connection(app).meta)


def test_apps_outside_the_catalog_cannot_be_checked(app, signed_in, user):
    with app.app_context():
        db.session.add(
            Connection(user_id=user.id, app_name="github", connection_type="oauth2")
        )
        db.session.commit()
    connection_id = the_connection(app, "github").id
    page = signed_in.get("/connections").text
    assert "not in the app catalog" in page
    assert f"/connections/{connection_id}/verify" not in page
    response = signed_in.post(f"/connections/{connection_id}/verify", headers=HX)
    assert "Synth cannot check Github connections" in response.text


# ---------- Deleting ----------


def test_delete_confirms_with_the_workflows_then_erases_the_secret(
    app, signed_in, slack_workflows
):
    connection_id, (notify, both, logs) = slack_workflows
    queued = queue(app, notify)
    page = signed_in.get(f"/connections/{connection_id}/delete")
    assert page.status_code == 200
    assert "2 workflows use Slack" in page.text
    assert "Notify" in page.text and "Log then notify" in page.text
    assert "Only logs" not in page.text
    assert the_connection(app) is not None  # GET deletes nothing
    response = signed_in.post(f"/connections/{connection_id}/delete")
    assert response.status_code == 302
    assert the_connection(app) is None
    with pytest.raises(SecretNotFound):
        secret_of(app, connection_id)
    assert problems(app, notify) == ["Connect Slack to use this step."]
    assert execution(app, queued).error_log == "Not run: Slack is no longer connected."
    listing = signed_in.get("/connections").text
    assert "Slack was disconnected and its secret erased" in listing
    assert "/connections/new?app=slack" in listing


# ---------- Isolation ----------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/connections/{id}/delete"),
        ("post", "/connections/{id}/delete"),
        ("post", "/connections/{id}/toggle"),
        ("post", "/connections/{id}/verify"),
    ],
)
def test_another_persons_connection_is_404(app, signed_in, other_user, method, path):
    with app.app_context():
        theirs = Connection(
            user_id=other_user.id, app_name="slack", connection_type="bot_token"
        )
        db.session.add(theirs)
        db.session.commit()
        theirs_id = theirs.id
    response = getattr(signed_in, method)(path.format(id=theirs_id), headers=HX)
    assert response.status_code == 404
    assert the_connection(app).status == "active"
    assert the_connection(app).id == theirs_id
    assert signed_in.post(path.format(id=9999)).status_code == 404


def test_lists_and_forms_show_only_your_own(app, client, auth, user, other_user):
    auth.login(other_user.email)
    connect_slack(client)
    auth.logout()
    auth.login(user.email)
    page = client.get("/connections").text
    assert "No apps connected yet" in page and mask(TOKEN) not in page
    assert "Reconnect" not in client.get("/connections/new?app=slack").text


# ---------- The demo account ----------


def test_demo_connections_look_real_and_leak_nothing(app, runner, client):
    from synth_web.demo.connections import CONNECTIONS

    result = runner.invoke(
        args=[
            "synth",
            "demo",
            "--email",
            "demo@example.com",
            "--password",
            "demo-pass-123",
        ]
    )
    assert result.exit_code == 0, result.output
    client.post(
        "/login", data={"email": "demo@example.com", "password": "demo-pass-123"}
    )
    page = client.get("/connections").text
    for *_, secret in CONNECTIONS:
        for value in secret.values():
            assert value not in page
            assert mask(value) in page
    assert page.count("Verification failed</span>") == 2
    assert 'aria-pressed="false"' in page and 'aria-pressed="true"' in page
    assert "Every app in the catalog is connected." in page

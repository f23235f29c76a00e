"""gmail.send_email against a local SMTP server (aiosmtpd) with STARTTLS or SSL."""

from __future__ import annotations

import json

import pytest

from synth_web.engine.verification import verify_connection
from synth_web.extensions import db
from synth_web.models import Connection
from synth_web.vault import put_secret
from tests.conftest import add_workflow
from tests.smtp_server import ADDRESS, APP_PASSWORD, SmtpServer
from tests.test_engine import run, steps


@pytest.fixture
def app_config():
    # The local server's certificate is self-signed: only tests turn checks off.
    return {"SYNTH_ALLOW_PRIVATE_NETWORK": True, "SYNTH_SMTP_TLS_VERIFY": False}


@pytest.fixture(params=["starttls", "ssl"])
def smtp(request, tmp_path):
    server = SmtpServer(tmp_path, implicit_tls=request.param == "ssl")
    yield server
    server.close()


@pytest.fixture
def starttls(tmp_path):
    server = SmtpServer(tmp_path)
    yield server
    server.close()


def connect_gmail(app, user, server, password=APP_PASSWORD, **settings):
    """Store a Gmail connection pointing at the local server."""
    with app.app_context():
        connection = Connection(
            user_id=user.id,
            app_name="gmail",
            connection_type="smtp",
            meta={"settings": {**server.settings(), **settings}},
        )
        db.session.add(connection)
        db.session.flush()
        put_secret(user.id, connection.id, {"app_password": password}, commit=False)
        db.session.commit()
        return connection.id


def send_step(**params):
    return {
        "id": "mail",
        "type": "gmail.send_email",
        "with": {"to": "grace@example.com", "subject": "Sales today", **params},
    }


def send(app, user, **params):
    return run(app, add_workflow(app, user, [send_step(**params)]))


def test_sends_text_and_html_with_cc_and_bcc(app, user, smtp):
    connect_gmail(app, user, smtp)
    execution = send(
        app,
        user,
        to=["grace@example.com", "Alan <alan@example.com>"],
        cc="ops@example.com",
        bcc=["boss@example.com"],
        text="Revenue: $1,200",
        html="<p>Revenue: <b>$1,200</b></p>",
    )
    assert execution.status == "success", execution.error_log
    output = steps(execution)["mail"]["output"]
    assert output["accepted"] == [
        "grace@example.com",
        "alan@example.com",
        "ops@example.com",
        "boss@example.com",
    ]
    assert (
        output["message_id"].startswith("<")
        and "@example.com>" in (output["message_id"])
    )
    assert smtp.mailbox.logins == [(ADDRESS, APP_PASSWORD)]
    (envelope,) = smtp.mailbox.envelopes
    assert envelope.mail_from == ADDRESS
    assert sorted(envelope.rcpt_tos) == sorted(output["accepted"])
    (message,) = smtp.mailbox.messages()
    assert message["From"] == ADDRESS
    assert message["To"] == "grace@example.com, Alan <alan@example.com>"
    assert message["Cc"] == "ops@example.com"
    assert message["Bcc"] is None  # blind copies travel in the envelope only
    assert message["Subject"] == "Sales today"
    assert message["Message-ID"] == output["message_id"]
    parts = {part.get_content_type(): part for part in message.walk()}
    assert "Revenue: $1,200" in parts["text/plain"].get_payload(decode=True).decode()
    assert "<b>$1,200</b>" in parts["text/html"].get_payload(decode=True).decode()


def test_html_only(app, user, starttls):
    connect_gmail(app, user, starttls)
    execution = send(app, user, html="<h1>Hi</h1>")
    assert execution.status == "success", execution.error_log
    (message,) = starttls.mailbox.messages()
    assert message.get_content_type() == "text/html"


def test_wrong_app_password(app, user, smtp):
    connect_gmail(app, user, smtp, password="wrong pass word x")
    execution = send(app, user, text="x")
    assert execution.status == "failure"
    error = steps(execution)["mail"]["error"]
    assert error.startswith(
        f"Gmail refused the app password for {ADDRESS}: check it in Connections."
    )
    assert "wrong pass word x" not in json.dumps(execution.results)
    assert smtp.mailbox.envelopes == []


def test_some_recipients_refused(app, user, starttls):
    connect_gmail(app, user, starttls)
    execution = send(app, user, to=["grace@example.com", "x@nowhere.test"], text="x")
    assert execution.status == "success", execution.error_log
    assert steps(execution)["mail"]["output"]["accepted"] == ["grace@example.com"]


def test_every_recipient_refused(app, user, starttls):
    connect_gmail(app, user, starttls)
    execution = send(app, user, to="x@nowhere.test", text="x")
    assert "Gmail refused every recipient: x@nowhere.test (550 5.1.1 No such user" in (
        execution.error_log
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"to": "not an address"}, "`not an address` is not an email address."),
        ({"subject": "Hi\nBcc: all@example.com"}, "contains a line break"),
    ],
)
def test_bad_messages_are_refused_before_sending(app, user, starttls, params, message):
    connect_gmail(app, user, starttls)
    execution = send(app, user, text="x", **params)
    assert message in execution.error_log
    assert starttls.mailbox.envelopes == []


def test_a_self_signed_certificate_is_refused_when_verifying(app, user, smtp):
    app.config["SYNTH_SMTP_TLS_VERIFY"] = True
    connect_gmail(app, user, smtp)
    execution = send(app, user, text="x")
    assert "The TLS certificate of 127.0.0.1 could not be verified" in (
        execution.error_log
    )
    assert smtp.mailbox.logins == []  # the password never left


def test_ssl_on_a_starttls_port_is_explained(app, user, starttls):
    connect_gmail(app, user, starttls, security="ssl")
    execution = send(app, user, text="x")
    assert "check the port and security (587 with STARTTLS, 465 with SSL)" in (
        execution.error_log
    )


def test_nothing_listening(app, user, starttls):
    connect_gmail(app, user, starttls, smtp_port="9")
    execution = send(app, user, text="x")
    assert "Could not connect to 127.0.0.1:9: connection refused." in (
        execution.error_log
    )


def test_private_smtp_hosts_are_refused_without_the_setting(app, user, starttls):
    app.config["SYNTH_ALLOW_PRIVATE_NETWORK"] = False
    connect_gmail(app, user, starttls)
    execution = send(app, user, text="x")
    assert "Refused to connect to 127.0.0.1: 127.0.0.1 is a loopback address" in (
        execution.error_log
    )
    assert starttls.mailbox.logins == []


def test_verify_logs_in_and_records(app, user, smtp):
    connection_id = connect_gmail(app, user, smtp)
    with app.app_context():
        connection = db.session.get(Connection, connection_id)
        works, message = verify_connection(connection)
        assert works, message
        assert message == (
            f"Gmail works: signed in as {ADDRESS} on 127.0.0.1:{smtp.port}."
        )
        assert connection.last_verified_at is not None
    assert smtp.mailbox.logins == [(ADDRESS, APP_PASSWORD)]
    assert smtp.mailbox.envelopes == []


def test_verify_failure_keeps_the_last_success(app, user, starttls):
    connection_id = connect_gmail(app, user, starttls)
    with app.app_context():
        connection = db.session.get(Connection, connection_id)
        assert verify_connection(connection)[0]
        verified_at = connection.last_verified_at
        put_secret(user.id, connection_id, {"app_password": "revoked pass 123"})
        works, message = verify_connection(connection)
        assert not works
        assert message.startswith(
            f"The Gmail check failed: Gmail refused the app password for {ADDRESS}"
        )
        db.session.expire_all()
        connection = db.session.get(Connection, connection_id)
        assert connection.last_verified_at == verified_at
        error = connection.meta["last_error"]
        assert error["message"].startswith("Gmail refused the app password")
        assert "revoked pass 123" not in json.dumps(connection.meta)
        assert error["at"]

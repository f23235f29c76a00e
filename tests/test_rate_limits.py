"""Brute-force limits on sign-in and registration."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "SYNTH_LOGIN_IP_LIMIT": "1000 per minute"}


def test_ten_failed_logins_lock_the_account(client, auth, user):
    for _ in range(10):
        assert auth.login(password="wrong password").status_code == 200
    locked = auth.login()
    assert locked.status_code == 429
    assert "Too many attempts" in locked.text
    # A styled, readable page, not a bare error.
    assert "<title>Too many attempts" in locked.text
    assert 'class="error-page"' in locked.text and "app.css" in locked.text


def test_other_accounts_are_not_locked(client, auth, user, other_user):
    for _ in range(10):
        auth.login(password="wrong password")
    assert auth.login(email=other_user.email).status_code == 302


def test_successful_logins_do_not_count(client, auth, user):
    for _ in range(12):
        assert auth.login().status_code == 302
        auth.logout()


def test_account_limit_ignores_email_case(client, auth, user):
    for index in range(10):
        email = "ADA@example.com" if index % 2 else "ada@example.com"
        auth.login(email=email, password="wrong password")
    assert auth.login().status_code == 429


def test_per_ip_limit(app, client, auth, user):
    app.config["SYNTH_LOGIN_IP_LIMIT"] = "3 per minute"
    for index in range(3):
        auth.login(email=f"someone{index}@example.com", password="x")
    assert auth.login().status_code == 429


def test_registration_is_limited_per_ip(app, client):
    app.config["SYNTH_REGISTER_LIMIT"] = "2 per minute"
    for index in range(2):
        client.post(
            "/register",
            data={"name": "A", "email": f"a{index}@example.com", "password": "short"},
        )
    response = client.post(
        "/register", data={"name": "A", "email": "z@example.com", "password": PASSWORD}
    )
    assert response.status_code == 429


def test_connection_checks_are_limited_per_person(app, client, auth, user):
    from synth_web.extensions import db
    from synth_web.models import Connection

    with app.app_context():
        connection = Connection(
            user_id=user.id, app_name="github", connection_type="oauth2"
        )
        db.session.add(connection)
        db.session.commit()
        url = f"/connections/{connection.id}/verify"
    auth.login()
    for _ in range(20):
        assert client.post(url).status_code == 302
    assert client.post(url).status_code == 429


def test_messages_to_synth_are_limited_per_person(app, client, auth, user):
    app.config["SYNTH_CHAT_LIMIT"] = "2 per minute"
    auth.login()
    for _ in range(2):
        assert client.post("/chat", data={"message": "log 'a'"}).status_code == 303
    refused = client.post("/chat", data={"message": "log 'kept as typed'"})
    assert refused.status_code == 429
    assert '<p class="field-error" id="composer-error">That is a lot of messages' in (
        refused.text
    )
    assert "log &#39;kept as typed&#39;</textarea>" in refused.text
    fragment = client.post(
        "/chat", data={"message": "log 'b'"}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 429
    assert fragment.headers["HX-Retarget"] == "#composer"


def test_trying_again_shares_the_chat_limit(app, client, auth, user):
    from synth_web.extensions import db
    from synth_web.models import ChatMessage

    app.config["SYNTH_CHAT_LIMIT"] = "1 per minute"
    auth.login()
    sent = client.post("/chat", data={"message": "log 'a'"})
    assert sent.status_code == 303
    with app.app_context():
        card = db.session.scalar(
            db.select(ChatMessage).where(ChatMessage.role == "assistant")
        )
        url = f"/chat/{card.conversation_id}/messages/{card.id}/retry"
    assert client.post(url).status_code == 429

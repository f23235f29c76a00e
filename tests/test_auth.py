"""Accounts: register, sign in, sign out, and the account page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from synth_web.extensions import db
from synth_web.models import (
    ChatMessage,
    Connection,
    Execution,
    Memory,
    User,
    Workflow,
)
from tests.conftest import PASSWORD, make_user


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def register(client, **fields):
    data = {"name": "Ada Lovelace", "email": "ada@example.com", "password": PASSWORD}
    data.update(fields)
    return client.post("/register", data=data)


# ---------- Register ----------


def test_register_creates_account_and_signs_in(client, app):
    response = register(client, email="  Ada@Example.COM ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "ada@example.com"
        assert user.name == "Ada Lovelace"
        assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert PASSWORD not in user.password_hash
    assert client.get("/dashboard").status_code == 200


def test_register_keeps_browser_timezone(client, app):
    register(client, timezone="Europe/Paris")
    with app.app_context():
        assert db.session.scalar(select(User.timezone)) == "Europe/Paris"


def test_register_replaces_unknown_timezone_with_utc(client, app):
    register(client, timezone="Mars/Olympus_Mons")
    with app.app_context():
        assert db.session.scalar(select(User.timezone)) == "UTC"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Enter your name."),
        ({"name": "   "}, "Enter your name."),
        ({"name": "x" * 101}, "Keep your name under 100 characters."),
        ({"email": ""}, "Enter your email address."),
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"email": "a@" + "b" * 250 + ".com"}, "That email address is too long."),
        ({"password": ""}, "Choose a password."),
        ({"password": "short1"}, "Use at least 8 characters."),
        ({"password": "x" * 129}, "Use at most 128 characters."),
        ({"password": "password1"}, "most common passwords"),
        ({"password": "Qwertyuiop"}, "most common passwords"),
    ],
)
def test_register_bad_input_is_explained_beside_the_field(client, app, fields, message):
    response = register(client, **fields)
    assert response.status_code == 200
    assert message in response.text
    assert 'class="field-error"' in response.text
    assert count_users(app) == 0


def test_register_keeps_typed_values_but_never_the_password(client):
    response = register(client, password="short")
    assert 'value="Ada Lovelace"' in response.text
    assert 'value="ada@example.com"' in response.text
    assert 'value="short"' not in response.text


def test_register_refuses_duplicate_email_ignoring_case(client, app, user):
    response = register(client, email="ADA@example.com")
    assert response.status_code == 200
    assert "An account with this email already exists" in response.text
    assert count_users(app) == 1


def test_signup_can_be_closed(engine_kind, client, app):
    app.config["SYNTH_ALLOW_SIGNUP"] = False
    assert client.get("/register").status_code == 403
    response = register(client)
    assert response.status_code == 403
    assert "Registration is closed" in response.text
    assert count_users(app) == 0


def test_create_user_command_works_when_signup_closed(app, runner):
    app.config["SYNTH_ALLOW_SIGNUP"] = False
    result = runner.invoke(
        args=[
            "synth",
            "create-user",
            "--email",
            "Ops@Example.com",
            "--name",
            "Ops",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created user ops@example.com" in result.output
    result = runner.invoke(
        args=[
            "synth",
            "create-user",
            "--email",
            "ops@example.com",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_create_user_command_refuses_weak_password(app, runner):
    result = runner.invoke(
        args=[
            "synth",
            "create-user",
            "--email",
            "a@example.com",
            "--password",
            "password",
        ]
    )
    assert result.exit_code != 0
    assert "most common" in result.output
    assert count_users(app) == 0


# ---------- Login ----------


def test_login_then_dashboard(client, auth, user):
    response = auth.login(email="  ADA@example.com ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    assert "Ada Lovelace" in client.get("/dashboard").text


def test_login_records_last_login(app, auth, user):
    auth.login()
    with app.app_context():
        assert db.session.get(User, user.id).last_login_at is not None


@pytest.mark.parametrize(
    ("email", "password"),
    [("ada@example.com", "wrong password"), ("nobody@example.com", PASSWORD)],
)
def test_login_failure_is_generic(client, auth, user, email, password):
    response = auth.login(email=email, password=password)
    assert response.status_code == 200
    assert "Email or password is incorrect." in response.text
    assert client.get("/dashboard").status_code == 302


def test_login_empty_fields_explained(auth):
    response = auth.login(email="", password="")
    assert "Enter your email address." in response.text
    assert "Enter your password." in response.text


def test_login_never_echoes_password(auth, user):
    response = auth.login(password="my-secret-typo")
    assert "my-secret-typo" not in response.text


def test_inactive_user_cannot_login(app, auth, user):
    with app.app_context():
        db.session.get(User, user.id).is_active = False
        db.session.commit()
    assert "Email or password is incorrect." in auth.login().text


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/account", "/account"),
        ("/account?tab=1", "/account?tab=1"),
        ("https://evil.example.com/", "/dashboard"),
        ("//evil.example.com/", "/dashboard"),
        ("/\\evil.example.com", "/dashboard"),
        ("javascript:alert(1)", "/dashboard"),
        ("", "/dashboard"),
    ],
)
def test_login_follows_next_only_when_local(client, user, next_url, expected):
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == expected


def test_login_issues_fresh_session(client, app, auth, user):
    with client.session_transaction() as session:
        session["planted"] = "attacker value"
    auth.login()
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{user.id}:")


def test_remember_me_sets_cookie(client, auth, user):
    auth.login(remember="y")
    assert client.get_cookie("remember_token") is not None


def test_without_remember_me_no_cookie(client, auth, user):
    auth.login()
    assert client.get_cookie("remember_token") is None


def test_signed_in_person_visiting_login_goes_to_dashboard(signed_in):
    assert signed_in.get("/login").headers["Location"] == "/dashboard"


def test_logout(signed_in, auth):
    response = auth.logout()
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert signed_in.get("/dashboard").status_code == 302


def test_logout_is_post_only(signed_in):
    assert signed_in.get("/logout").status_code == 405


def test_index_redirects(client, signed_in):
    assert signed_in.get("/").headers["Location"] == "/dashboard"


def test_index_redirects_signed_out(client):
    assert client.get("/").headers["Location"] == "/login"


# ---------- Account ----------


def test_account_page_shows_forms(signed_in):
    response = signed_in.get("/account")
    assert response.status_code == 200
    for label in ("Profile", "Change password", "Delete my account"):
        assert label in response.text


def test_account_keeps_own_email(signed_in, app, user):
    response = signed_in.post(
        "/account", data={"name": "Ada", "email": "ADA@example.com", "timezone": "UTC"}
    )
    assert response.status_code == 302


def test_account_changes_name_email_timezone(signed_in, app, user):
    response = signed_in.post(
        "/account",
        data={
            "name": "Countess Ada",
            "email": " NEW@Example.com",
            "timezone": "Asia/Tokyo",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(User, user.id)
        assert (saved.name, saved.email, saved.timezone) == (
            "Countess Ada",
            "new@example.com",
            "Asia/Tokyo",
        )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Enter your name."),
        ({"email": "nope"}, "Enter a valid email address"),
        ({"timezone": "Nowhere/City"}, "Not a valid choice"),
        ({"email": "grace@example.com"}, "Another account already uses this email."),
    ],
)
def test_account_bad_input_changes_nothing(
    signed_in, app, user, other_user, fields, message
):
    data = {"name": "Changed", "email": "ada@example.com", "timezone": "UTC"}
    data.update(fields)
    response = signed_in.post("/account", data=data)
    assert response.status_code == 200
    assert message in response.text
    with app.app_context():
        saved = db.session.get(User, user.id)
        assert (saved.name, saved.email) == ("Ada Lovelace", "ada@example.com")


def change_password(
    client, current=PASSWORD, new="a much better passphrase", confirm=None
):
    return client.post(
        "/account/password",
        data={
            "current_password": current,
            "new_password": new,
            "confirm_password": confirm if confirm is not None else new,
        },
    )


def test_change_password(signed_in, app, auth):
    response = change_password(signed_in)
    assert response.status_code == 302
    # This browser stays signed in.
    assert signed_in.get("/account").status_code == 200
    auth.logout()
    assert "incorrect" in auth.login().text
    assert auth.login(password="a much better passphrase").status_code == 302


def test_change_password_signs_out_other_sessions_and_remember_cookies(app, user):
    laptop, phone = app.test_client(), app.test_client()
    for client in (laptop, phone):
        client.post(
            "/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}
        )
    remember = phone.get_cookie("remember_token").value
    assert change_password(laptop).status_code == 302
    assert laptop.get("/dashboard").status_code == 200
    assert phone.get("/dashboard").status_code == 302
    # A stolen remember-me cookie from before the change no longer works either.
    stranger = app.test_client()
    stranger.set_cookie("remember_token", remember)
    assert stranger.get("/dashboard").status_code == 302


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"current": "wrong one!"}, "Your current password is not right."),
        ({"current": ""}, "Enter your current password."),
        ({"new": "short"}, "Use at least 8 characters."),
        ({"new": "iloveyou"}, "most common passwords"),
        ({"confirm": "something else"}, "The two new passwords do not match."),
    ],
)
def test_change_password_bad_input(signed_in, app, auth, kwargs, message):
    response = change_password(signed_in, **kwargs)
    assert response.status_code == 200
    assert message in response.text
    auth.logout()
    assert auth.login().status_code == 302


def seed_everything(app, user_id: int) -> None:
    """Give a user one row in every table."""
    with app.app_context():
        workflow = Workflow(
            user_id=user_id, name="W", trigger={"type": "manual"}, actions=[]
        )
        db.session.add(workflow)
        db.session.flush()
        db.session.add_all(
            [
                Execution(workflow_id=workflow.id, user_id=user_id),
                Connection(
                    user_id=user_id, app_name="slack", connection_type="bot_token"
                ),
                Memory(user_id=user_id, context_type="preference", content="x"),
                ChatMessage(
                    user_id=user_id, role="user", content="hi", conversation_id="c"
                ),
            ]
        )
        db.session.commit()


def test_delete_account_removes_everything_it_owns(signed_in, app, user, other_user):
    seed_everything(app, user.id)
    seed_everything(app, other_user.id)
    response = signed_in.post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    with app.app_context():
        assert db.session.get(User, user.id) is None
        for model in (Workflow, Execution, Connection, Memory, ChatMessage):
            owners = set(db.session.scalars(select(model.user_id)))
            assert owners == {other_user.id}, model.__tablename__
    assert signed_in.get("/dashboard").status_code == 302


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("wrong password", "That password is not right."),
        ("", "Enter your password to confirm."),
    ],
)
def test_delete_account_needs_password(signed_in, app, password, message):
    response = signed_in.post("/account/delete", data={"password": password})
    assert response.status_code == 200
    assert message in response.text
    assert count_users(app) == 1


def test_other_users_are_unaffected_by_login(app, client, user):
    grace = make_user(app, "grace@example.com", "Grace")
    client.post("/login", data={"email": "grace@example.com", "password": PASSWORD})
    assert "Grace" in client.get("/account").text
    assert grace.id != user.id

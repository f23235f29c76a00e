"""The tokens page: make a token (shown once), list, revoke; CSRF as usual."""

from __future__ import annotations

import re

import pytest

from synth_web.extensions import db
from synth_web.models import ApiToken
from synth_web.tokens.services import create_token, hash_token
from tests.api_support import Api, assert_problem, make_token

SECRET = re.compile(r"synth_pat_[A-Za-z0-9_-]{43}")


def tokens(app) -> list[ApiToken]:
    with app.app_context():
        rows = list(db.session.scalars(db.select(ApiToken).order_by(ApiToken.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def test_the_account_page_links_to_tokens(signed_in):
    assert 'href="/account/tokens"' in signed_in.get("/account").text


def test_signed_out_people_go_to_login(client):
    response = client.get("/account/tokens")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_an_empty_list_explains_tokens(signed_in):
    page = signed_in.get("/account/tokens").text
    assert "No tokens yet" in page
    assert "Authorization: Bearer" in page


def test_making_a_token_shows_it_once(app, signed_in, client):
    response = signed_in.post(
        "/account/tokens", data={"name": "n8n", "scopes": ["read", "write"]}
    )
    assert response.status_code == 201
    secret = SECRET.search(response.text).group(0)
    assert "only time Synth shows it" in response.text
    [token] = tokens(app)
    assert (token.name, token.scopes) == ("n8n", ["read", "write"])
    assert token.token_hash == hash_token(secret)
    # Never again: the list shows only the first characters.
    page = signed_in.get("/account/tokens").text
    assert secret not in page
    assert f"{token.prefix}…" in page
    assert token.prefix == secret[:14]
    # And it works at once.
    assert Api(app.test_client(), secret).get("/workflows").status_code == 200


def test_the_page_is_never_cached(signed_in):
    response = signed_in.post("/account/tokens", data={"name": "x", "scopes": "read"})
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "scopes": "read"}, "Name the token"),
        ({"name": "   ", "scopes": "read"}, "Name the token"),
        ({"name": "x" * 101, "scopes": "read"}, "under 100 characters"),
        ({"name": "cli"}, "at least one scope"),
        ({"name": "cli", "scopes": "admin"}, "at least one scope"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_made(app, signed_in, data, message):
    response = signed_in.post("/account/tokens", data=data)
    assert response.status_code == 200
    assert message in response.text
    assert 'aria-invalid="true"' in response.text or "scopes-error" in response.text
    assert tokens(app) == []


def test_the_list_shows_scopes_and_use(app, signed_in, user):
    secret = make_token(app, user, ["read"], name="planner")
    Api(app.test_client(), secret).get("/workflows")
    page = signed_in.get("/account/tokens").text
    assert "planner" in page
    assert "read" in page
    assert "just now" in page  # created and last used


def test_revoking_stops_the_token(app, signed_in, user):
    secret = make_token(app, user, name="old")
    [token] = tokens(app)
    page = signed_in.get("/account/tokens").text
    assert "Revoke “old”?" in page  # the confirmation, inside <details>
    response = signed_in.post(f"/account/tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert "was revoked" in signed_in.get("/account/tokens").text
    assert tokens(app)[0].revoked_at is not None
    assert_problem(Api(app.test_client(), secret).get("/workflows"), 401)
    # Revoking again changes nothing.
    assert signed_in.post(f"/account/tokens/{token.id}/revoke").status_code == 302


def test_someone_elses_token_is_404(app, signed_in, other_user):
    with app.app_context():
        token_id = create_token(other_user.id, "theirs", ["read"]).token.id
    assert signed_in.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert "theirs" not in signed_in.get("/account/tokens").text
    assert tokens(app)[0].revoked_at is None


def test_deleting_the_account_deletes_its_tokens(app, user):
    make_token(app, user)
    with app.app_context():
        from synth_web.auth.services import delete_user
        from synth_web.models import User

        delete_user(db.session.get(User, user.id))
    assert tokens(app) == []


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_making_a_token_needs_the_csrf_token(self, app, client, user):
        from tests.test_csrf import csrf_token, signed_in_with_csrf

        signed_in_with_csrf(client, user)
        refused = client.post("/account/tokens", data={"name": "x", "scopes": "read"})
        assert refused.status_code == 400
        token = csrf_token(client.get("/account/tokens").text)
        made = client.post(
            "/account/tokens",
            data={"name": "x", "scopes": "read", "csrf_token": token},
        )
        assert made.status_code == 201


def test_the_cli_makes_a_token(app, runner, user):
    result = runner.invoke(
        args=["synth", "create-token", "--email", user.email, "--name", "cron"]
    )
    assert result.exit_code == 0, result.output
    secret = SECRET.search(result.output).group(0)
    [token] = tokens(app)
    assert (token.name, token.scopes) == ("cron", ["read", "write"])
    assert token.token_hash == hash_token(secret)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "nobody@example.com", "--name", "x"], "no account"),
        (["--email", "ada@example.com", "--name", " "], "1 to 100"),
        (["--email", "ada@example.com", "--name", "x", "--scopes", "admin"], "scope"),
    ],
)
def test_the_cli_refuses_bad_input(app, runner, user, args, message):
    result = runner.invoke(args=["synth", "create-token", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert tokens(app) == []

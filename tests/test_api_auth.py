"""The API's door: bearer tokens only, scopes, problem+json, limits, the document."""

from __future__ import annotations

from datetime import timedelta

import pytest

from synth_web.extensions import db
from synth_web.models import ApiToken, utcnow
from synth_web.tokens.services import TOUCH_EVERY, hash_token, revoke_token
from tests.api_support import PROBLEM, Api, assert_problem, make_token

WORKFLOW = {
    "name": "Log it",
    "intent": "Write a line to the log.",
    "trigger": {"type": "manual"},
    "actions": [{"id": "log", "type": "core.log", "with": {"message": "hi"}}],
}


def test_no_token_is_401_with_a_bearer_challenge(client, user):
    response = client.get("/api/v1/workflows")
    body = assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "/account/tokens" in body["detail"]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer synth_pat_not-a-real-token",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "synth_pat_without_a_scheme",
        "Bearer " + "x" * 300,
    ],
)
def test_a_bad_token_is_401(client, user, header):
    response = client.get("/api/v1/workflows", headers={"Authorization": header})
    assert_problem(response, 401)
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_a_revoked_token_is_401(app, client, user):
    token = make_token(app, user)
    with app.app_context():
        revoke_token(db.session.scalar(db.select(ApiToken)))
    response = client.get(
        "/api/v1/workflows", headers={"Authorization": f"Bearer {token}"}
    )
    assert_problem(response, 401)


def test_a_deactivated_account_token_is_401(app, client, user):
    token = make_token(app, user)
    with app.app_context():
        from synth_web.models import User

        db.session.get(User, user.id).is_active = False
        db.session.commit()
    response = client.get(
        "/api/v1/workflows", headers={"Authorization": f"Bearer {token}"}
    )
    assert_problem(response, 401)


def test_a_signed_in_session_does_not_open_the_api(signed_in):
    assert signed_in.get("/dashboard").status_code == 200
    assert_problem(signed_in.get("/api/v1/workflows"), 401)
    assert_problem(signed_in.post("/api/v1/workflows", json=WORKFLOW), 401)


def test_a_token_wins_over_the_session_of_someone_else(app, signed_in, other_user):
    token = make_token(app, other_user)
    api = Api(signed_in, token)
    api.post("/workflows", json=WORKFLOW)
    rows = api.get("/workflows").get_json()["data"]
    assert [row["name"] for row in rows] == ["Log it"]
    with app.app_context():
        from synth_web.models import Workflow

        assert db.session.scalar(db.select(Workflow.user_id)) == other_user.id


def test_api_responses_set_no_cookie(api):
    response = api.get("/workflows")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_a_read_token_cannot_write(app, client, user):
    api = Api(client, make_token(app, user, ["read"]))
    assert api.get("/workflows").status_code == 200
    body = assert_problem(api.post("/workflows", json=WORKFLOW), 403)
    assert "`write`" in body["detail"]
    assert (
        'scope="write"'
        in api.post("/workflows", json=WORKFLOW).headers["WWW-Authenticate"]
    )
    assert_problem(api.delete("/memory/1"), 403)


def test_a_write_token_cannot_read(app, client, user):
    api = Api(client, make_token(app, user, ["write"]))
    assert api.post("/workflows", json=WORKFLOW).status_code == 201
    assert_problem(api.get("/workflows"), 403)


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_token_requests_need_no_csrf_token(self, api):
        assert api.post("/workflows", json=WORKFLOW).status_code == 201

    def test_pages_still_need_one(self, client, user):
        response = client.post("/login", data={"email": user.email, "password": "x"})
        assert response.status_code == 400


def test_last_used_is_recorded_at_most_once_a_minute(app, api):
    def last_used():
        with app.app_context():
            return db.session.scalar(db.select(ApiToken.last_used_at))

    assert last_used() is None
    api.get("/workflows")
    first = last_used()
    assert first is not None
    api.get("/workflows")
    assert last_used() == first
    with app.app_context():
        token = db.session.scalar(db.select(ApiToken))
        token.last_used_at = utcnow() - TOUCH_EVERY - timedelta(seconds=1)
        db.session.commit()
    api.get("/workflows")
    assert last_used() > first


def test_only_the_hash_of_a_token_is_stored(app, user):
    secret = make_token(app, user)
    with app.app_context():
        token = db.session.scalar(db.select(ApiToken))
        assert token.token_hash == hash_token(secret)
        assert secret not in str(
            [token.token_hash, token.prefix, token.name, token.scopes]
        )
        assert secret.startswith(token.prefix)


# ---------- Errors are problem+json everywhere under /api/ ----------


def test_unknown_api_url_is_a_problem(api):
    body = assert_problem(api.get("/no-such-thing"), 404)
    assert body["type"] == "about:blank"


def test_wrong_method_is_a_problem_with_allow(api):
    response = api.request("PUT", "/workflows")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_broken_json_is_400(api):
    response = api.post(
        "/workflows", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400)


def test_a_body_that_is_not_json_is_415(api):
    response = api.post(
        "/workflows", data="name=x", content_type="application/x-www-form-urlencoded"
    )
    assert_problem(response, 415)


@pytest.mark.parametrize("body", ["[]", "0", '"text"', "null", "false"])
def test_a_body_that_is_not_an_object_is_422(api, body):
    response = api.post(
        "/workflows", data=body, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 422, path="body")


def test_a_missing_body_is_422(api):
    assert_problem(api.patch("/memory/1"), 422, path="body")


def test_unknown_fields_are_refused(api):
    response = api.post("/workflows", json={**WORKFLOW, "colour": "red"})
    body = assert_problem(response, 422, path="colour")
    assert body["type"] == "urn:synth:problem:invalid-request"


def test_numbers_in_text_are_not_numbers(api):
    response = api.post(
        "/memory",
        json={"context_type": "preference", "content": "x", "relevance_score": "0.5"},
    )
    assert_problem(response, 422, path="relevance_score")


class TestSizeLimit:
    @pytest.fixture
    def app_config(self):
        return {"SYNTH_API_MAX_BYTES": 2048}

    def test_a_body_over_the_limit_is_413(self, api):
        big = {**WORKFLOW, "intent": "x" * 4096}
        body = assert_problem(api.post("/workflows", json=big), 413)
        assert "2 KB" in body["detail"]

    def test_a_body_under_the_limit_is_fine(self, api):
        assert api.post("/workflows", json=WORKFLOW).status_code == 201


class TestRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "SYNTH_API_LIMIT": "3 per minute"}

    def test_each_token_has_its_own_limit(self, app, client, user, other_user):
        first = Api(client, make_token(app, user))
        second = Api(client, make_token(app, other_user))
        for _ in range(3):
            assert first.get("/workflows").status_code == 200
        response = first.get("/workflows")
        body = assert_problem(response, 429)
        assert "3 per 1 minute" in body["detail"]
        assert int(response.headers["Retry-After"]) > 0
        assert second.get("/workflows").status_code == 200


# ---------- The document ----------


def test_the_openapi_document_is_public_and_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    operations = [op for path in doc["paths"].values() for op in path.values()]
    assert len(operations) == 26  # 24 + POST /plans and GET /apps (issue 15)
    for operation in operations:
        for code in ("401", "403", "429"):
            content = operation["responses"][code]["content"]
            assert list(content) == [PROBLEM]


def test_the_document_uses_the_models_that_validate(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    create = doc["components"]["schemas"]["MemoryCreate"]
    assert create["additionalProperties"] is False
    assert create["properties"]["relevance_score"]["maximum"] == 1
    paths = doc["paths"]
    post = paths["/api/v1/conversations/{conversation_id}/messages"]["post"]
    assert {"200", "201", "409"} <= set(post["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ('{"name": "a\\u0000b", "trigger": {}, "actions": []}', "name"),
        (
            '{"name": "x", "trigger": {"k": ["ok", "\\u0000"]}, "actions": []}',
            "trigger.k[1]",
        ),
        ('{"name": "x", "trigger": {"a\\u0000": 1}, "actions": []}', "trigger"),
        ('{"name": "\\ud800", "trigger": {}, "actions": []}', "name"),
    ],
)
def test_text_no_database_can_keep_is_422(app, api, body, path):
    response = api.post(
        "/workflows", data=body, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 422, path=path)


@pytest.mark.parametrize(
    "url",
    [
        "/workflows?q=a%00b",
        "/context?conversation_id=%00",
        "/conversations/a%00/messages",
    ],
)
def test_urls_with_text_no_database_can_keep_are_422(api, url):
    assert_problem(api.get(url), 422)

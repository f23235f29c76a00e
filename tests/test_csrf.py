"""CSRF: every POST needs the session's token, htmx requests included."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD


def csrf_token(html: str) -> str:
    match = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', html
    ) or re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


# Programs, not browsers, call these: they authenticate otherwise and skip CSRF
# (webhooks by their secret URL, the API by bearer token; see test_api_auth).
CSRF_EXEMPT = {"hooks.receive"}
CSRF_EXEMPT_BLUEPRINTS = ("api.",)


def post_urls(app) -> list[str]:
    return sorted(
        re.sub(r"<(?:int:)?[^>]+>", "1", rule.rule)
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods
        and rule.endpoint not in CSRF_EXEMPT
        and not rule.endpoint.startswith(CSRF_EXEMPT_BLUEPRINTS)
    )


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def signed_in_with_csrf(client, user) -> str:
    token = csrf_token(client.get("/login").text)
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return csrf_token(client.get("/account").text)


def test_login_without_csrf_token_is_refused(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "This form expired" in response.text
    assert client.get("/dashboard").status_code == 302


def test_every_post_route_refuses_a_missing_token(client, app, user):
    signed_in_with_csrf(client, user)
    for url in post_urls(app):
        response = client.post(url, data={})
        assert response.status_code == 400, url


def test_csrf_failure_on_htmx_refreshes_the_page(client, user):
    signed_in_with_csrf(client, user)
    response = client.post(
        "/account", data={"name": "X"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert response.headers["HX-Refresh"] == "true"


def test_csrf_token_in_htmx_header_is_accepted(client, user):
    token = signed_in_with_csrf(client, user)
    response = client.post(
        "/account",
        data={"name": "Ada", "email": user.email, "timezone": "UTC"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 302


def test_page_carries_token_for_htmx(client, user):
    signed_in_with_csrf(client, user)
    html = client.get("/dashboard").text
    assert re.search(r'hx-headers=\'\{"X-CSRFToken": "[^"]+"\}\'', html)


def test_webhooks_need_no_csrf_token(client):
    response = client.post("/hooks/unknown-token", json={"a": 1})
    assert response.status_code == 404
    assert response.get_json() == {"error": "No workflow listens on this webhook URL."}

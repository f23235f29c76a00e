"""Protection that holds on every request: sign-in, CSRF, headers."""

from __future__ import annotations

import re

import pytest

from synth_web.security import CONTENT_SECURITY_POLICY, is_safe_next
from tests.conftest import PASSWORD

PUBLIC_ENDPOINTS = {
    "static",
    "auth.index",
    "auth.login",
    "auth.register",
    "health.healthz",
    "api.openapi",
}


def protected_get_urls(app, blueprint: str | None = None) -> list[str]:
    """GET URLs that need a signed-in person (or, for the API, a token)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or "GET" not in rule.methods:
            continue
        if rule.endpoint.startswith("api.") != (blueprint == "api"):
            continue
        path = re.sub(r"<(?:int:)?[^>]+>", "1", rule.rule)
        urls.append(path)
    return sorted(urls)


# ---------- Signed-out people ----------


def test_every_page_but_the_public_ones_needs_sign_in(client, app):
    urls = protected_get_urls(app)
    assert "/dashboard" in urls and "/account" in urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login?next="), url


def test_every_api_url_needs_a_token_not_a_sign_in(client, app):
    urls = protected_get_urls(app, blueprint="api")
    assert "/api/v1/workflows" in urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.mimetype == "application/problem+json", url


def test_redirect_keeps_where_you_were_going(client, user):
    response = client.get("/account?tab=security")
    assert response.headers["Location"] == "/login?next=/account?tab%3Dsecurity"
    login = client.post(
        response.headers["Location"], data={"email": user.email, "password": PASSWORD}
    )
    assert login.headers["Location"] == "/account?tab=security"


def test_htmx_request_signed_out_gets_hx_redirect(client):
    response = client.get(
        "/dashboard",
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/account"},
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/account"


def test_public_pages_need_no_sign_in(client):
    for url in ("/login", "/register", "/healthz"):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/dashboard", True),
        ("/a?b=c", True),
        ("//evil.com", False),
        ("https://evil.com", False),
        ("/\\evil.com", False),
        ("dashboard", False),
        (None, False),
        ("/x\n", False),
    ],
)
def test_is_safe_next(target, safe):
    assert is_safe_next(target) is safe


# ---------- Headers ----------


@pytest.mark.parametrize(
    "url", ["/login", "/register", "/healthz", "/nope", "/static/css/app.css"]
)
def test_security_headers_everywhere(client, url):
    response = client.get(url)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_csp_has_no_unsafe_inline():
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY


def test_signed_in_pages_are_not_cached(signed_in):
    assert signed_in.get("/dashboard").headers["Cache-Control"] == "no-store"


def test_htmx_configured_without_eval_or_inline_styles(client):
    html = client.get("/login").text
    assert '"includeIndicatorStyles": false' in html
    assert '"allowEval": false' in html
    assert '"historyRestoreAsHxRequest": false' in html
    assert "<script>" not in html and "style=" not in html and " onclick" not in html


def test_session_cookie_flags(client, user):
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    remember = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session, remember):
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Secure" not in cookie


def test_secure_cookies_when_asked(app, user):
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    response = app.test_client().post(
        "/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    assert all("Secure" in c for c in response.headers.getlist("Set-Cookie"))


# ---------- Error pages ----------


def test_404_is_a_styled_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Not found" in response.text and "<title>Not found" in response.text


def test_unexpected_error_is_a_styled_500_without_details(app, client, auth, user):
    def explode():
        raise RuntimeError("secret internals: token=abc123")

    app.add_url_rule("/explode", "explode", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    auth.login()
    response = client.get("/explode")
    assert response.status_code == 500
    assert "<title>Something broke" in response.text
    assert 'class="error-page"' in response.text and "app.css" in response.text
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


def test_404_on_htmx_fragment_goes_to_flashes(signed_in):
    response = signed_in.get("/no-such-page", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#flashes"
    assert "<html" not in response.text


def test_413_over_the_size_limit(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"email": "x" * 4096, "password": "y"})
    assert response.status_code == 413
    assert "Too large" in response.text


def test_session_cookie_is_secure_over_https(app, user):
    client = app.test_client()
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        base_url="https://localhost",
    )
    session = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")
    )
    assert "Secure" in session


@pytest.mark.parametrize("proxy_fix", [True, False])
def test_forwarded_proto_is_trusted_only_with_proxy_fix(tmp_path, proxy_fix):
    from synth_web import create_app
    from synth_web.auth.services import create_user
    from synth_web.extensions import db
    from tests.conftest import base_config

    instance = tmp_path / "instance"
    config = base_config(f"sqlite:///{instance / 'p.db'}", instance)
    app = create_app({**config, "SYNTH_PROXY_FIX": proxy_fix})
    with app.app_context():
        db.create_all()
        create_user("P", "p@example.com", PASSWORD)
    response = app.test_client().post(
        "/login",
        data={"email": "p@example.com", "password": PASSWORD},
        headers={"X-Forwarded-Proto": "https"},
    )
    session = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")
    )
    assert ("Secure" in session) is proxy_fix

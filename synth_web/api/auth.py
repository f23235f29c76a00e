"""Who is calling: a bearer token, never the session cookie; and what it sent.

Every API request is authenticated here, before its view: the token's owner
becomes `current_user` for this request only (so the services' access helpers
scope everything to them), and a signed-in browser session counts for nothing.
"""

from __future__ import annotations

import hashlib

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import BadRequest

from synth_web.api.problems import ApiProblem
from synth_web.api.spec import BODY_REQUIRED, READ_SCOPE
from synth_web.extensions import login_manager
from synth_web.tokens.services import find_token, touch

READ_METHODS = ("GET", "HEAD", "OPTIONS")
BODY_METHODS = ("POST", "PUT", "PATCH")
PUBLIC_ENDPOINTS = ("api.openapi",)
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="synth"'}


def bearer_secret() -> str | None:
    """Return the token from `Authorization: Bearer …`, if there is one."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def rate_key() -> str:
    """Count requests per token (by its hash), or per address without one."""
    secret = bearer_secret()
    if secret is None:
        return f"api-anonymous:{get_remote_address()}"
    return f"api:{hashlib.sha256(secret.encode()).hexdigest()[:32]}"


def unauthorized(detail: str) -> ApiProblem:
    """Refuse a request without a usable token, with the Bearer challenge."""
    challenge = {
        "WWW-Authenticate": 'Bearer realm="synth", error="invalid_token"'
        if bearer_secret()
        else CHALLENGE["WWW-Authenticate"]
    }
    return ApiProblem(401, detail, "unauthorized", headers=challenge)


def insufficient_scope(scope: str) -> str:
    """Return the challenge that names the scope a request needed."""
    return f'Bearer realm="synth", error="insufficient_scope", scope="{scope}"'


def authenticate() -> None:
    """Find the token's owner and check the token's scope for this method."""
    # Set before anything reads current_user: the session is never consulted.
    g._login_user = login_manager.anonymous_user()
    request.max_content_length = current_app.config["SYNTH_API_MAX_BYTES"]
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    secret = bearer_secret()
    if secret is None:
        raise unauthorized(
            "Send a personal access token: Authorization: Bearer <token>. "
            "Make one on /account/tokens."
        )
    found = find_token(secret)
    if found is None:
        raise unauthorized("This token is unknown or was revoked.")
    token, user = found
    reads = request.method in READ_METHODS or request.endpoint in READ_SCOPE
    g.api_token = token
    require_scope("read" if reads else "write")
    g._login_user = user
    touch(token)


def require_scope(scope: str) -> None:
    """Refuse the request unless its token has the scope (403, naming it)."""
    if not g.api_token.allows(scope):
        raise ApiProblem(
            403,
            f"This token lacks the `{scope}` scope. Make a token with it on "
            "/account/tokens.",
            "insufficient-scope",
            headers={"WWW-Authenticate": insufficient_scope(scope)},
        )


def check_body() -> None:
    """Require a JSON object as the body of writes that send one."""
    if request.method not in BODY_METHODS or request.endpoint in PUBLIC_ENDPOINTS:
        return
    has_body = bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", ""
    )
    if not has_body:
        if request.endpoint in BODY_REQUIRED:
            raise ApiProblem(
                422,
                "Send a JSON object as the body.",
                "invalid-request",
                [{"path": "body", "message": "The body is missing."}],
            )
        return
    if not request.is_json:
        raise ApiProblem(
            415, "Send the body as JSON (Content-Type: application/json).", None
        )
    try:
        # Through the input guard (synth_web.inputs): depth, size, NUL, NaN.
        body = request.get_json()
    except BadRequest:
        raise ApiProblem(400, "The body is not valid JSON.", "invalid-json") from None
    if not isinstance(body, dict):
        raise ApiProblem(
            422,
            "The body must be a JSON object.",
            "invalid-request",
            [{"path": "body", "message": 'Send a JSON object, like {"name": …}.'}],
        )

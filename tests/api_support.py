"""Fixtures and helpers for the API tests: tokens and a client that sends them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from synth_web.models import User
from synth_web.tokens.services import create_token

PROBLEM = "application/problem+json"


def make_token(
    app: Flask, user: User, scopes: Iterable[str] = ("read", "write"), name: str = "t"
) -> str:
    """Make a token for a user and return its secret."""
    with app.app_context():
        return create_token(user.id, name, scopes).secret


class Api:
    """A test client that sends a bearer token with every request."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        """Send a request to /api/v1 + url with the token."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return self.client.open(
            f"/api/v1{url}", method=method, headers=headers, **kwargs
        )

    def get(self, url: str, **kwargs: Any) -> Any:
        """GET a URL."""
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        """POST to a URL."""
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Any:
        """PATCH a URL."""
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        """DELETE a URL."""
        return self.request("DELETE", url, **kwargs)


@pytest.fixture
def api(app: Flask, user: User) -> Api:
    """The API as `user`, with a read and write token."""
    return Api(app.test_client(), make_token(app, user))


@pytest.fixture
def other_api(app: Flask, other_user: User) -> Api:
    """The API as someone else."""
    return Api(app.test_client(), make_token(app, other_user))


def assert_problem(response: Any, status: int, path: str | None = None) -> dict:
    """Check a problem+json answer (and, if given, that it names a path)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= set(body)
    if path is not None:
        assert path in [error["path"] for error in body.get("errors") or []], body
    return body


def all_pages(api: Api, url: str, limit: int, **params: Any) -> list[dict]:
    """Follow next_cursor from the first page to the last; return every row."""
    rows: list[dict] = []
    cursor = None
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        body = api.get(url, query_string=query).get_json()
        rows += body["data"]
        cursor = body["next_cursor"]
        if cursor is None:
            return rows

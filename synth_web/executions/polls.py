"""Unchanged live polls, answered before Flask's request machinery (issue 20).

A run page polls `/executions/<id>/status?v=<version>` every second. When Redis
vouches for the browser session and keeps the run's reading as the page shows it
(engine/live.py), the answer is an empty 204 that needs no request context,
sign-in, rate limiter, session or after-request hooks. Under load those cost a
poll three times what the answer itself does, so this WSGI middleware gives that
204 straight from the environ, with the headers the view's answer had.

Everything else goes on to Flask untouched, and its view answers as it always
did: another path or method, a whole page, a part or an id the view would
refuse, an unusual query, a session Redis does not vouch for (signed out, or not
seen for SESSION_SECONDS), another person's run, a changed or finished run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask
from itsdangerous import BadSignature
from werkzeug.exceptions import NotFound
from werkzeug.http import parse_cookie

from synth_web.executions.services import LIVE_PARTS, unchanged_for_vouched_session
from synth_web.inputs import MAX_ID
from synth_web.security import SECURITY_HEADERS

POLL_PATH = re.compile(r"/executions/([1-9][0-9]{0,18})/status")
# A page's poll query is `part`, `seen` and `v`: tens of characters.
MAX_QUERY = 256
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class LivePolls:
    """Answer 204 to a vouched-for poll of an unchanged run; pass the rest on."""

    def __init__(self, app: Flask, wsgi_app: WSGIApp) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        # As the view's 204 carried them (security.add_security_headers).
        self.headers = [
            ("Cache-Control", "no-store"),
            ("Vary", "Cookie"),
            *SECURITY_HEADERS,
        ]

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Answer the poll here when nothing changed, else call the app."""
        if self.unchanged(environ):
            start_response("204 NO CONTENT", list(self.headers))
            return []
        return self.wsgi_app(environ, start_response)

    def unchanged(self, environ: dict[str, Any]) -> bool:
        """Whether this request is a vouched-for poll of a run that did not change."""
        if not self.app.config.get("SYNTH_LIVE_REDIS_URL"):
            return False
        if environ.get("REQUEST_METHOD") != "GET" or not is_fragment(environ):
            return False
        found = POLL_PATH.fullmatch(environ.get("PATH_INFO", ""))
        execution_id = int(found[1]) if found else 0
        if not 0 < execution_id <= MAX_ID:
            return False
        args = poll_args(environ.get("QUERY_STRING", ""))
        if args is None:
            return False
        part, known = args.get("part", "detail"), args.get("v")
        if part not in LIVE_PARTS or not known:
            return False
        signed_in_as = self.signed_in_as(environ)
        if signed_in_as is None:
            return False
        with self.app.app_context():
            try:
                return unchanged_for_vouched_session(
                    execution_id, known, part == "detail", signed_in_as
                )
            except NotFound:
                return False  # not theirs, or gone: the view answers its 404

    def signed_in_as(self, environ: dict[str, Any]) -> str | None:
        """The session cookie's "<user id>:<secret>", read as Flask reads it."""
        app = self.app
        cookie = parse_cookie(environ).get(app.config["SESSION_COOKIE_NAME"])
        serializer = app.session_interface.get_signing_serializer(app)
        if not cookie or serializer is None:
            return None
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            session = serializer.loads(cookie, max_age=max_age)
        except BadSignature:
            return None
        user_id = session.get("_user_id") if isinstance(session, dict) else None
        return user_id if isinstance(user_id, str) else None


def is_fragment(environ: dict[str, Any]) -> bool:
    """htmx asked for a fragment (as htmx.is_fragment_request, from the environ)."""

    def said(header: str) -> bool:
        return environ.get(header, "false").lower() == "true"

    return (
        said("HTTP_HX_REQUEST")
        and not said("HTTP_HX_BOOSTED")
        and not said("HTTP_HX_HISTORY_RESTORE_REQUEST")
    )


def poll_args(query: str) -> dict[str, str] | None:
    """A poll's query arguments, each name's first value as Flask's `args.get`;
    None for a query no page sends (long, or not text), which Flask then checks."""
    if len(query) > MAX_QUERY:
        return None
    args: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return None
        args.setdefault(name, value)
    return args

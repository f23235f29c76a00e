"""Rules that hold on every request: sign-in, security headers, CSRF and errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    current_app,
    has_request_context,
    redirect,
    request,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from synth_web.extensions import login_manager
from synth_web.inputs import check_url

View = TypeVar("View", bound=Callable[..., Any])

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)

# Every response carries these (a view may set its own first).
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)


def public(view: View) -> View:
    """Mark a view as reachable without signing in."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def is_safe_next(target: str | None) -> bool:
    """Tell whether a `next` value is a path on this site, not another origin."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def require_login() -> Response | None:
    """Send signed-out people to the login page, unless the view is public."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "is_public", False) or current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


def unauthorized() -> Response:
    """Redirect to /login, keeping where the person was going."""
    if getattr(request, "htmx", None):
        # htmx would swap a login page into a fragment: move the whole page.
        current = urlsplit(request.htmx.current_url or "")
        target = current.path + (f"?{current.query}" if current.query else "")
        location = url_for("auth.login", next=target if is_safe_next(target) else None)
        response = Response("", 401)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def check_page_url() -> None:
    """Guard every URL but the API's, which checks its own after the token."""
    if request.blueprint != "api":
        check_url()


def add_security_headers(response: Response) -> Response:
    """Set the CSP and the other headers every response carries."""
    for name, value in SECURITY_HEADERS:
        response.headers.setdefault(name, value)
    # Pages of a signed-in person must not be served from shared caches (a view
    # that set it already loads nobody here).
    if "Cache-Control" not in response.headers and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def csrf_failed(error: CSRFError) -> Response | tuple[str, int]:
    """Refresh an htmx page whose token went stale instead of failing silently."""
    if getattr(request, "htmx", None):
        response = Response("", 400)
        response.headers["HX-Refresh"] = "true"
        return response
    from synth_web.errors import render_error

    return render_error(400, "This form expired. Reload the page and try again.")


class SessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure when configured, or when this request is HTTPS."""
        configured = super().get_cookie_secure(app)
        return configured or (has_request_context() and request.is_secure)


def init_app(app: Flask) -> None:
    """Install the request hooks on the app."""
    app.session_interface = SessionInterface()
    login_manager.unauthorized_handler(unauthorized)
    app.before_request(check_page_url)
    app.before_request(require_login)
    app.after_request(add_security_headers)
    app.register_error_handler(CSRFError, csrf_failed)

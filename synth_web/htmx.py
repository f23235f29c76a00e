"""One URL, page or fragment: the helpers every view uses to answer htmx."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template, request


def is_fragment_request() -> bool:
    """Tell whether htmx asked for a piece of a page rather than a whole one."""
    hx = getattr(request, "htmx", None)
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render_page_or_fragment(
    page: str, fragment: str, status: int = 200, **context: Any
) -> Response:
    """Render the whole page, or only its fragment for an htmx partial request."""
    template = fragment if is_fragment_request() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def htmx_redirect(location: str) -> Response:
    """Send the browser elsewhere: HX-Redirect for htmx, a 303 otherwise."""
    if getattr(request, "htmx", None):
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    response = make_response("", 303)
    response.headers["Location"] = location
    return response


def flash_fragment(message: str, category: str, status: int = 200) -> Response:
    """Answer an htmx request with a flash message put into #flashes."""
    html = render_template("_partials/flash.html", category=category, message=message)
    response = make_response(html, status)
    response.headers["HX-Retarget"] = "#flashes"
    response.headers["HX-Reswap"] = "beforeend"
    return response

"""Styled error pages, and error flashes for htmx fragment requests."""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from synth_web.htmx import is_fragment_request
from synth_web.inputs import Refused

MESSAGES = {
    400: ("Bad request", "Something in that request was not right."),
    403: ("Not allowed", "You do not have access to this."),
    404: ("Not found", "There is nothing here, or it is not yours to see."),
    405: ("Not allowed", "That action is not available here."),
    409: ("Conflict", "That could not be done in the current state."),
    413: ("Too large", "What you sent is larger than we accept."),
    429: (
        "Too many attempts",
        "You tried that too often. Wait a few minutes, then try again.",
    ),
    500: ("Something broke", "An unexpected error happened. It has been logged."),
}


def wants_json() -> bool:
    """Tell whether the caller is a program (webhooks, API), not a browser page."""
    return request.path.startswith(("/hooks/", "/api/"))


def wants_problem() -> bool:
    """Tell whether the caller is an API client, answered with problem+json."""
    return request.path.startswith("/api/")


def render_error(status: int, detail: str | None = None) -> Response:
    """Render a full error page, or an error flash for an htmx fragment."""
    title, message = MESSAGES.get(status, ("Error", "Something went wrong."))
    message = detail or message
    if wants_problem():
        from synth_web.api.problems import problem_response

        return problem_response(status, message)
    if wants_json():
        return make_response(jsonify({"error": f"{title}: {message}"}), status)
    if is_fragment_request():
        html = render_template(
            "_partials/flash.html", category="error", message=f"{title}: {message}"
        )
        response = make_response(html, status)
        # Put the message where the person can see it, not into the target.
        response.headers["HX-Retarget"] = "#flashes"
        response.headers["HX-Reswap"] = "beforeend"
        return response
    html = render_template(
        "errors/error.html", status=status, title=title, message=message
    )
    return make_response(html, status)


def handle_http_error(error: HTTPException) -> Response:
    """Turn any HTTP error into our styled page."""
    status = error.code or 500
    if getattr(error, "response", None) is not None:
        # A limit's on_breach answer (the composer says it beside the field).
        return error.response
    detail = None
    if status == 413 and wants_problem():
        limit = request.max_content_length or 0
        detail = f"The body is larger than the limit of {limit // 1024} KB."
    if status == 429 and wants_problem():
        detail = (
            f"Too many requests with this token (limit: {error.description}). "
            "Wait the seconds in Retry-After, then try again."
        )
    elif status == 429:
        detail = (
            "You tried that too often. Wait a few minutes, then try again."
            f" (Limit: {error.description})"
        )
    response = render_error(status, detail)
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def handle_refused(error: Refused) -> Response:
    """Answer input the guard refused: 422 naming the field for the API, else 400."""
    if wants_problem():
        from synth_web.api.problems import ApiProblem

        where = error.path or "body"
        return ApiProblem(
            422,
            f"{where}: {error.message}",
            "invalid-request",
            [{"path": where, "message": error.message}],
        ).response()
    where = f"{error.path}: " if error.path else ""
    return render_error(400, f"{where}{error.message}")


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(Refused, handle_refused)
    # Unhandled exceptions reach the 500 handler through Flask, which logs them
    # first (and lets them propagate in tests).
    app.register_error_handler(HTTPException, handle_http_error)

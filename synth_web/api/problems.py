"""Errors of the JSON API as RFC 9457 problem details (application/problem+json).

Every error under /api/ has `type`, `title`, `status` and `detail`; invalid
input adds `errors`, a list of `{path, message}` naming the field
(`actions[2].with.url`, `limit`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from flask import Response, current_app
from pydantic import ValidationError

from synth_web.engine.validation import Problem
from synth_web.words import plural

PROBLEM_JSON = "application/problem+json"
# Problem types with meaning beyond the status code; the rest are about:blank.
TYPE_BASE = "urn:synth:problem:"
FRIENDLY = {
    "missing": "This field is required.",
    "extra_forbidden": "Unknown field.",
}


class ApiProblem(Exception):
    """Answer the request with a problem document instead of a result."""

    def __init__(
        self,
        status: int,
        detail: str,
        kind: str | None = None,
        errors: Iterable[Mapping[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.errors = [dict(error) for error in errors] if errors is not None else None
        self.headers = dict(headers or {})

    def response(self) -> Response:
        """Build the problem+json response."""
        return problem_response(
            self.status, self.detail, self.kind, self.errors, self.headers
        )


def title_of(status: int) -> str:
    """Return the standard phrase of a status code."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_response(
    status: int,
    detail: str,
    kind: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Return a problem document with the right media type."""
    body: dict[str, Any] = {
        "type": f"{TYPE_BASE}{kind}" if kind else "about:blank",
        "title": title_of(status),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    # ASCII with \u escapes: safe whatever a caller put in a path.
    response = current_app.response_class(
        json.dumps(body), status=status, mimetype=PROBLEM_JSON
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def json_path(location: Iterable[Any]) -> str:
    """Write a pydantic error location as `actions[2].with.url`."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def invalid_input(error: ValidationError, where: str = "body") -> ApiProblem:
    """Turn a pydantic validation error into a 422 with one entry per field."""
    errors = []
    for item in error.errors(include_url=False):
        message = FRIENDLY.get(item["type"], item["msg"])
        if item["type"] == "value_error":
            message = str(item["ctx"]["error"])  # our own words, unprefixed
        errors.append({"path": json_path(item["loc"]) or where, "message": message})
    count = len(errors)
    detail = f"The request has {plural(count, 'invalid value')}."
    return ApiProblem(422, detail, "invalid-request", errors)


def workflow_problems(problems: list[Problem], status: int = 422) -> ApiProblem:
    """Refuse a workflow because of its problems, each with its path."""
    count = len(problems)
    has = f"The workflow has {plural(count, 'problem')}"
    detail = f"{has}. Fix them, or save it as an inactive draft with ?draft=true."
    if status == 409:
        detail = f"{has} and cannot run or be switched on until they are fixed."
    errors = [
        {"path": p.path, "message": p.message, "phase": p.phase} for p in problems
    ]
    return ApiProblem(status, detail, "workflow-problems", errors)

"""The OpenAPI 3.1 document, generated from the models that validate requests.

spectree builds the document from the pydantic models each view declares and
validates requests with the same models; this module adds what spectree does
not know: bearer auth, and the problem+json errors every operation can answer.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Blueprint, jsonify
from spectree import Response, SpecTree

from synth_web.api.chat_models import CONVERSATION_ID
from synth_web.api.common import NO_NUL, ProblemDetails, json_schemas
from synth_web.api.problems import PROBLEM_JSON, invalid_input
from synth_web.inputs import MAX_ID
from synth_web.security import public

DESCRIPTION = (
    "Create and run workflows, read their runs, report runs executed elsewhere, "
    "and keep memory and conversations. Authenticate with a personal access "
    "token from /account/tokens: `Authorization: Bearer <token>`. Reading needs "
    "the `read` scope, everything else `write`. Lists are pages of at most 100 "
    "rows; pass `next_cursor` back as `cursor` for the next one. Errors are "
    "RFC 9457 problem details."
)
# Statuses any operation may answer, and those that depend on its shape.
ALWAYS = (401, 403, 429)
WITH_BODY = (400, 413, 415, 422)
WITH_ID = (404,)
# Path parameters whose rule spectree cannot read from the URL converter.
PATH_PARAMETERS = {
    "conversation_id": {"type": "string", "pattern": CONVERSATION_ID},
}
ERROR_WORDS = {
    400: "The body is not valid JSON.",
    401: "No token, or one that is unknown or revoked.",
    403: "The token lacks the scope this needs.",
    404: "No such object among yours.",
    409: "Not possible in the object's current state.",
    413: "The body is larger than the limit.",
    415: "The body is not JSON.",
    422: "Invalid values, each with its path.",
    429: "Too many requests with this token.",
}


def reject_invalid(
    _request: Any, _response: Any, error: Any, _instance: Any, _adapter: Any
) -> None:
    """Answer invalid input with a problem document listing each bad field."""
    if error is not None:
        raise invalid_input(error)


spec = SpecTree(
    "flask",
    mode="strict",
    title="Synth API",
    version="1.0.0",
    description=DESCRIPTION,
    page_templates={},
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    before=reject_invalid,
    validation_error_status=422,
    validation_error_model=ProblemDetails,
)
# Operation id → the error statuses it may answer beyond ALWAYS.
ERRORS: dict[str, set[int]] = {}
# Operation id → the rule beyond the schema that makes valid input a 422.
SEMANTIC: dict[str, str] = {}
# Endpoints whose request body is required (their view takes `json`).
BODY_REQUIRED: set[str] = set()
# Operation ids whose request body may be left out (the document says so).
BODY_OPTIONAL: set[str] = set()
# Endpoints that change nothing although they are POSTs: the read scope will do.
READ_SCOPE: set[str] = set()
_DOCUMENT: dict[str, Any] = {}


def route(
    bp: Blueprint,
    rule: str,
    method: str,
    status: int = 200,
    out: Any = None,
    tag: str = "",
    errors: Iterable[int] = (),
    also: Mapping[int, Any] | None = None,
    scope: str | None = None,
    semantic: str | None = None,
    body_optional: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an API view whose request and response the models describe.

    `semantic` names the rule no schema can state that makes a schema-valid
    request a 422 (a template naming a later step): the document says so for
    this operation only, and schemathesis.toml expects it here only.
    `body_optional`: the view takes `json`, but no body at all reads as `{}`.
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        code = f"HTTP_{status}"
        resp = Response(**{code: out}) if out is not None else Response(code)
        for other, model in (also or {}).items():
            resp.add_model(other, model)
        view = spec.validate(resp=resp, tags=[tag], operation_id=func.__name__)(func)
        extra = set(errors)
        if method in ("POST", "PUT", "PATCH"):
            extra |= set(WITH_BODY)
        if "<" in rule:
            extra |= set(WITH_ID)
        ERRORS[func.__name__] = extra
        if semantic:
            SEMANTIC[func.__name__] = semantic
        if body_optional:
            BODY_OPTIONAL.add(func.__name__)
        elif "json" in func.__annotations__:
            BODY_REQUIRED.add(f"{bp.name}.{func.__name__}")
        if scope == "read":
            READ_SCOPE.add(f"{bp.name}.{func.__name__}")
        # Tokens, not sessions: the sign-in redirect never applies here.
        bp.add_url_rule(rule, func.__name__, public(view), methods=[method])
        return view

    return decorate


def problem_content() -> dict[str, Any]:
    """Return the media type of errors with the problem schema."""
    schema = {"$ref": "#/components/schemas/ProblemDetails"}
    return {PROBLEM_JSON: {"schema": schema}}


def tighten(node: Any) -> Any:
    """State what the input guard keeps: free JSON by reference, text without NUL."""
    if isinstance(node, list):
        return [tighten(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: tighten(value) for key, value in node.items()}
    if "x-json" in node:
        name = node.pop("x-json")
        return {"$ref": f"#/components/schemas/{name}", **node}
    plain = not {"pattern", "enum", "const", "format"} & set(node)
    if node.get("type") == "string" and plain:
        node["pattern"] = NO_NUL
    return node


def finish(document: dict[str, Any]) -> dict[str, Any]:
    """Add bearer auth and the problem+json error responses to spectree's output."""
    document = copy.deepcopy(document)
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(json_schemas())
    document = tighten(document)
    components = document["components"]
    schemas = components["schemas"]
    if "ProblemDetails" not in schemas:
        problem = ProblemDetails.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        schemas.update(problem.pop("$defs", {}))
        schemas["ProblemDetails"] = problem
    components["securitySchemes"] = {
        "bearerToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token (synth_pat_…).",
        }
    }
    document["security"] = [{"bearerToken": []}]
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "path":
                    continue
                if parameter["name"] in PATH_PARAMETERS:
                    parameter["schema"] = dict(PATH_PARAMETERS[parameter["name"]])
                elif parameter["schema"].get("type") == "integer":
                    parameter["schema"] = {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_ID,
                    }
            if operation.get("operationId") in BODY_OPTIONAL:
                operation["requestBody"]["required"] = False
            responses = operation.setdefault("responses", {})
            codes = set(ALWAYS) | ERRORS.get(operation.get("operationId", ""), set())
            for code in sorted(codes | {int(c) for c in responses if int(c) >= 400}):
                entry = responses.setdefault(str(code), {})
                entry["description"] = ERROR_WORDS.get(code, "An error.")
                entry["content"] = problem_content()
            if operation.get("operationId") in SEMANTIC:
                responses["422"]["description"] += (
                    " Also for valid values that break a rule no schema states: "
                    + SEMANTIC[operation["operationId"]]
                )
    return document


def openapi_document() -> dict[str, Any]:
    """Return the finished OpenAPI document (built once per process)."""
    if not _DOCUMENT:
        _DOCUMENT.update(finish(spec.spec))
    return _DOCUMENT


def serve_document() -> Any:
    """Serve the OpenAPI 3.1 document of this API."""
    return jsonify(openapi_document())

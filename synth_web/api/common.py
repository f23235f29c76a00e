"""Models every part of the API shares: problems, pages and list arguments."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)

from synth_web.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Keyset
from synth_web.inputs import MAX_DEPTH, MAX_INTEGER, MAX_NODES, MIN_INTEGER

# Path parameters: ids. The document says 1 to MAX_ID; inputs.check_url
# answers 404 for anything else before a query sees it (werkzeug's own min/max
# arguments answer 405 for a method that exists).
ID = "int"
MAX_CURSOR = 400


# Text: no NUL anywhere (no database keeps it); "a word" also needs a non-space.
NO_NUL = r"^[^\u0000]*$"
SOME_WORD = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
# Times in requests: RFC 3339 in years 1000 to 8999, so that every offset
# still lands inside the years a timestamp column and Python both keep.
TIME_PATTERN = r"^[1-8][0-9]{3}-"
RFC3339 = re.compile(
    r"^[1-8]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)
TIME_HINT = "Give a date and time with its offset, like 2026-01-31T09:00:00Z."


def parse_timestamp(value: Any) -> Any:
    """Read an RFC 3339 date-time text (with its offset); refuse anything else."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and RFC3339.match(value.upper()):
        try:
            return datetime.fromisoformat(value.upper())
        except ValueError:
            pass
    raise ValueError(TIME_HINT)


# A point in time in a request body: RFC 3339 text only, never a number.
Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(parse_timestamp),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": TIME_PATTERN}),
]
# Free-form JSON (metadata, a trigger, a step's input): what the guard keeps.
# Marked here, turned into $refs to the document's components by spec.finish
# (pydantic would try to resolve a $ref it did not make itself).
JSON_VALUE = {"x-json": "JsonValue"}
JSON_OBJECT = {"x-json": "JsonObject"}
JsonValue = Annotated[Any, WithJsonSchema(JSON_VALUE)]
JsonObject = Annotated[dict[str, Any], WithJsonSchema(JSON_OBJECT)]
JsonList = Annotated[list[Any], WithJsonSchema({"type": "array", "items": JSON_VALUE})]


def json_array(levels: int) -> dict[str, Any]:
    """Describe a JSON list whose lists nest `levels` deep before anything goes.

    Written out level by level: a generated client (openapi-python-client)
    follows a reference cycle through an object, not through a bare union.
    """
    inner = json_scalars() + [{"$ref": "#/components/schemas/JsonObject"}]
    inner.append(
        json_array(levels - 1) if levels > 1 else {"type": "array", "items": {}}
    )
    return {"type": "array", "items": {"anyOf": inner}}


def json_scalars() -> list[dict[str, Any]]:
    """Return the schemas of the JSON values that hold no others."""
    return [
        {"type": "null"},
        {"type": "boolean"},
        {"type": "integer", "minimum": MIN_INTEGER, "maximum": MAX_INTEGER},
        {"type": "number"},
        {"type": "string", "pattern": NO_NUL},
    ]


def json_schemas() -> dict[str, Any]:
    """Return the document's schemas of free-form JSON, as the input guard keeps it."""
    limits = (
        f"At most {MAX_DEPTH} levels deep and {MAX_NODES:,} keys and items in "
        "all; text without NUL, at most 1 MB; finite numbers."
    )
    return {
        "JsonValue": {
            "description": f"Any JSON value. {limits}",
            "anyOf": [
                *json_scalars(),
                {"$ref": "#/components/schemas/JsonObject"},
                json_array(1),
            ],
        },
        "JsonObject": {
            "description": f"Any JSON object. {limits}",
            "type": "object",
            "propertyNames": {"pattern": NO_NUL},
            "additionalProperties": {"$ref": "#/components/schemas/JsonValue"},
        },
    }


class Out(BaseModel):
    """An answer: exactly these fields, nothing more (additionalProperties: false)."""

    model_config = ConfigDict(extra="forbid")


class Arguments(BaseModel):
    """Query or header arguments: those not named are ignored, and the document
    says so (additionalProperties: true)."""

    model_config = ConfigDict(
        extra="ignore", json_schema_extra={"additionalProperties": True}
    )


class Strict(BaseModel):
    """A request body: exact JSON types, and unknown fields refused.

    Strict, so "0.5" is not a number and 1 is not true: what the document
    says is what is accepted.
    """

    model_config = ConfigDict(extra="forbid", strict=True)


def no_default(schema: dict[str, Any]) -> None:
    """Keep `"default": null` out of the schema of a field that may be left out."""
    schema.pop("default", None)


def unset(**constraints: Any) -> Any:
    """Declare a field that may be left out (unless its type allows it, not null)."""
    return Field(None, json_schema_extra=no_default, **constraints)


class FieldError(Out):
    """One invalid value: where it is and what is wrong with it."""

    path: str = Field(description="Where the value is, like `actions[2].with.url`.")
    message: str
    phase: str | None = Field(
        None, description="For workflow problems: structural, logical or capability."
    )


class ProblemDetails(Out):
    """An error, as RFC 9457 problem details (application/problem+json)."""

    type: str = Field(description="`about:blank` or `urn:synth:problem:<kind>`.")
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


class PageQuery(Arguments):
    """How long a list page is; each list adds the cursor of its keyset."""

    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Rows per page, at most 100."
    )


def cursor_field(keyset: Keyset) -> Any:
    """Declare the `cursor` argument of a list paged by this keyset."""
    return unset(
        pattern=keyset.pattern,
        max_length=MAX_CURSOR,
        description=keyset.description(),
    )

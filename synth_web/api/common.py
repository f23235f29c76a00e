"""Models every part of the API shares: problems, pages and list arguments."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from synth_web.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Keyset

# Path parameters: ids. The document says 1 to MAX_ID; inputs.check_url
# answers 404 for anything else before a query sees it (werkzeug's own min/max
# arguments answer 405 for a method that exists).
ID = "int"
MAX_CURSOR = 400


RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)


def parse_timestamp(value: Any) -> Any:
    """Read an RFC 3339 date-time text (with its offset); refuse anything else."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and RFC3339.match(value.upper()):
        try:
            return datetime.fromisoformat(value.upper())
        except ValueError:
            pass
    raise ValueError("Give a date and time with its offset, like 2026-01-31T09:00:00Z.")


# A point in time in a request body: RFC 3339 text only, never a number.
Timestamp = Annotated[AwareDatetime, BeforeValidator(parse_timestamp)]


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


class FieldError(BaseModel):
    """One invalid value: where it is and what is wrong with it."""

    path: str = Field(description="Where the value is, like `actions[2].with.url`.")
    message: str
    phase: str | None = Field(
        None, description="For workflow problems: structural, logical or capability."
    )


class ProblemDetails(BaseModel):
    """An error, as RFC 9457 problem details (application/problem+json)."""

    type: str = Field(description="`about:blank` or `urn:synth:problem:<kind>`.")
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


class PageQuery(BaseModel):
    """How long a list page is; each list adds the cursor of its keyset."""

    model_config = ConfigDict(extra="ignore")

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

"""Turn an incoming webhook request into the run's `trigger` value."""

from __future__ import annotations

import json
from typing import Any

from flask import Request

from synth_web.models import utcnow

# Credentials of the sender are not the workflow's business: never stored.
DROPPED_HEADERS = {"cookie", "authorization", "proxy-authorization"}


class PayloadTooLarge(Exception):
    """The body is larger than the webhook limit."""


class BadPayload(Exception):
    """The body claims a format it does not have."""


def read_body(request: Request, limit: int) -> bytes:
    """Read at most `limit` bytes, failing when the body is longer."""
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge
    return data


def parse_body(request: Request, raw: bytes) -> Any:
    """Decode JSON and form bodies; keep anything else as text."""
    mimetype = request.mimetype or ""
    text = raw.decode(request.mimetype_params.get("charset", "utf-8"), errors="replace")
    if mimetype == "application/json" or mimetype.endswith("+json"):
        if not raw.strip():
            return None
        try:
            return json.loads(text)
        except ValueError as exc:
            raise BadPayload(f"The body is not valid JSON: {exc}") from exc
    if mimetype == "application/x-www-form-urlencoded":
        from urllib.parse import parse_qs

        fields = parse_qs(text, keep_blank_values=True)
        return {k: v[0] if len(v) == 1 else v for k, v in fields.items()}
    return text


def trigger_payload(request: Request, body: Any) -> dict[str, Any]:
    """Build `trigger`: body, headers and query of the request."""
    headers = {
        key.lower(): value
        for key, value in request.headers.items()
        if key.lower() not in DROPPED_HEADERS
    }
    query = {k: v[0] if len(v) == 1 else v for k, v in request.args.lists()}
    return {
        "body": body,
        "headers": headers,
        "query": query,
        "method": request.method,
        "received_at": utcnow().isoformat(),
    }

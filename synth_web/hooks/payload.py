"""Turn an incoming webhook request into the run's `trigger` value."""

from __future__ import annotations

import json
from typing import Any

from flask import Request

from synth_web.inputs import check_json, check_text, load_json
from synth_web.models import utcnow

# Credentials of the sender are not the workflow's business: never stored.
DROPPED_HEADERS = {"cookie", "authorization", "proxy-authorization"}


class PayloadTooLarge(Exception):
    """The body is larger than the webhook limit."""


class BadPayload(Exception):
    """The body claims a format it does not have."""


class UnknownCharset(Exception):
    """The body names a character set we cannot read (415)."""


def read_body(request: Request, limit: int) -> bytes:
    """Read at most `limit` bytes, failing when the body is longer."""
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge
    return data


def decode(request: Request, raw: bytes) -> str:
    """Read the body as text in the charset it names (UTF-8 if none)."""
    charset = request.mimetype_params.get("charset", "utf-8")
    try:
        return raw.decode(charset, errors="replace")
    except (LookupError, UnicodeError, ValueError, TypeError):
        # LookupError for names Python does not know, and for codecs that
        # are not text encodings at all (rot13, base64, zlib).
        raise UnknownCharset(
            f"The body's charset {charset[:40]!r} is not one we can read: "
            "send UTF-8 (or another standard text encoding)."
        ) from None


def parse_body(request: Request, raw: bytes) -> Any:
    """Decode JSON and form bodies; keep anything else as text.

    Raises Refused (synth_web.inputs) for what no database could keep.
    """
    mimetype = request.mimetype or ""
    text = decode(request, raw)
    if mimetype == "application/json" or mimetype.endswith("+json"):
        if not raw.strip():
            return None
        try:
            return load_json(text, "body")
        except json.JSONDecodeError as exc:
            raise BadPayload(f"The body is not valid JSON: {exc}") from exc
    if mimetype == "application/x-www-form-urlencoded":
        from urllib.parse import parse_qs

        fields = parse_qs(text, keep_blank_values=True)
        return {k: v[0] if len(v) == 1 else v for k, v in fields.items()}
    return check_text(text, "body")


def trigger_payload(request: Request, body: Any) -> dict[str, Any]:
    """Build `trigger`: body, headers and query of the request."""
    headers = {
        key.lower(): value
        for key, value in request.headers.items()
        if key.lower() not in DROPPED_HEADERS
    }
    query = {k: v[0] if len(v) == 1 else v for k, v in request.args.lists()}
    payload = {
        "body": body,
        "headers": headers,
        "query": query,
        "method": request.method,
        "received_at": utcnow().isoformat(),
    }
    # The whole of what is stored, so no page that shows it can break on it.
    return check_json(payload)

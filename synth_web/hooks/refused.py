"""Answer a webhook whose workflow cannot run: 409, with the event kept for replay."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue

from synth_web.engine import refused
from synth_web.hooks.payload import (
    BadPayload,
    UnknownCharset,
    parse_body,
    trigger_payload,
)
from synth_web.inputs import Refused
from synth_web.models import Workflow

# Senders mark their retries with one of these; the first wins.
SENDER_KEYS = ("Idempotency-Key", "webhook-id")


def sender_key() -> str:
    """Return the key the sender gave this event, if any."""
    for header in SENDER_KEYS:
        value = request.headers.get(header, "").strip()
        if value:
            return value
    return ""


def readable_payload(raw: bytes) -> dict[str, Any] | None:
    """Return the trigger payload, or None when the body cannot be kept."""
    try:
        return trigger_payload(request, parse_body(request, raw))
    except (UnknownCharset, BadPayload, Refused):
        return None


def answer(
    workflow: Workflow, refusal: refused.Refusal, raw: bytes
) -> ResponseReturnValue:
    """Keep the event as a refused run and answer 409 with the reason.

    A body that could not be read is not kept (there would be nothing to
    replay), but the answer stays the 409 a sender of this workflow expects.
    """
    body = refusal.as_body()
    payload = readable_payload(raw)
    created = False
    if payload is not None:
        execution, created = refused.keep(
            workflow, workflow.trigger_type, payload, refusal, sender_key()
        )
        body["refused_id"] = execution.id
    body["stored"] = payload is not None
    response = jsonify(body)
    if payload is not None and not created:
        response.headers["Idempotent-Replayed"] = "true"
    if refusal.temporary:
        retry_after = current_app.config["SYNTH_REFUSED_RETRY_AFTER"]
        response.headers["Retry-After"] = str(retry_after)
    return response, 409

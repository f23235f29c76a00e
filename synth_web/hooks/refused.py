"""Answer a webhook whose workflow cannot run: 409, with the event kept for replay."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue

from synth_web.engine import refused
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


def answer(
    workflow: Workflow, refusal: refused.Refusal, payload: dict[str, Any]
) -> ResponseReturnValue:
    """Keep the event as a refused run and answer 409 with the reason.

    The body was read and checked first, so what is kept can be replayed.
    """
    body = refusal.as_body()
    execution, created = refused.keep(
        workflow, workflow.trigger_type, payload, refusal, sender_key()
    )
    body["refused_id"] = execution.id
    body["stored"] = True
    response = jsonify(body)
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    if refusal.temporary:
        retry_after = current_app.config["SYNTH_REFUSED_RETRY_AFTER"]
        response.headers["Retry-After"] = str(retry_after)
    return response, 409

"""The webhook endpoint: no login, no CSRF, size- and rate-limited."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import bindparam, select

from synth_web.engine.refused import Refusal
from synth_web.engine.start import start_run, why_not
from synth_web.extensions import csrf, db, limiter
from synth_web.hooks import bp, refused
from synth_web.hooks.capture import capture
from synth_web.hooks.payload import (
    BadPayload,
    PayloadTooLarge,
    UnknownCharset,
    parse_body,
    read_body,
    trigger_payload,
)
from synth_web.inputs import Refused
from synth_web.models import Workflow, WorkflowSample, utcnow
from synth_web.security import public

HOOK_TRIGGERS = ("webhook", "app_event")
MAX_IDEMPOTENCY_KEY = 200


def listening_until() -> Any:
    """Until when the workflow listens for a test event: read with the workflow.

    One round trip for both (issue 20) instead of a second for `is_listening`.
    """
    return (
        select(WorkflowSample.listen_until)
        .where(WorkflowSample.workflow_id == Workflow.id)
        .limit(1)
        .scalar_subquery()
    )


@cache
def by_token() -> Any:
    """The workflow of a webhook URL and until when it listens, built once."""
    return select(Workflow, listening_until()).where(
        Workflow.webhook_token == bindparam("token")
    )


def token_key() -> str:
    """Rate-limit each webhook URL on its own."""
    return f"hook:{(request.view_args or {}).get('token', '')}"


def problem(status: int, message: str, **extra: object) -> ResponseReturnValue:
    """Answer a webhook caller with a JSON error."""
    return jsonify({"error": message, **extra}), status


def status_url(execution_id: int) -> str:
    """Where the caller can follow the run it started: the API, with a token."""
    return url_for("api.get_execution", execution_id=execution_id, _external=True)


@bp.route("/hooks/<token>", methods=["POST"])
@public
@csrf.exempt
@limiter.limit(lambda: current_app.config["SYNTH_WEBHOOK_LIMIT"], key_func=token_key)
def receive(token: str) -> ResponseReturnValue:
    """Start a run of the workflow whose webhook URL this is; answer 202.

    A workflow that cannot run answers 409 saying why, and keeps the event for a
    replay when its body can be read.
    """
    limit = current_app.config["SYNTH_WEBHOOK_MAX_BYTES"]
    found = db.session.execute(by_token(), {"token": token}).first()
    workflow, until = found if found is not None else (None, None)
    if workflow is None or workflow.trigger_type not in HOOK_TRIGGERS:
        return problem(404, "No workflow listens on this webhook URL.")
    # Listening for a test event (issue 18): this call becomes the sample.
    if until is not None and until > utcnow():
        return capture(workflow)
    try:
        raw = read_body(request, limit)
    except PayloadTooLarge:
        return problem(413, f"The body is larger than {limit // 1024} KB.")
    refusal = why_not(workflow, by_hand=False)
    if refusal is not None:
        # Still a 409, but the event is kept as a refused run, for replay.
        return refused.answer(workflow, Refusal.of(refusal), raw)
    try:
        payload = trigger_payload(request, parse_body(request, raw))
    except UnknownCharset as exc:
        return problem(415, str(exc))
    except BadPayload as exc:
        return problem(400, str(exc))
    except Refused as exc:
        return problem(400, f"{exc.path}: {exc.message}", path=exc.path)
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > MAX_IDEMPOTENCY_KEY:
        return problem(400, f"Idempotency-Key is longer than {MAX_IDEMPOTENCY_KEY}.")
    execution, created = start_run(
        workflow,
        workflow.trigger_type,
        payload,
        dedupe_key=f"webhook:{workflow.id}:{key}" if key else None,
        problems=[],  # why_not found none a moment ago
        claim=True,
    )
    response = jsonify(
        {
            "execution_id": execution.id,
            "status": execution.status,
            "status_url": status_url(execution.id),
        }
    )
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return response, 202

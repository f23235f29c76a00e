"""A test event: while a workflow listens, the next call becomes its sample."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue

from synth_web.hooks.payload import (
    BadPayload,
    PayloadTooLarge,
    UnknownCharset,
    parse_body,
    read_body,
    trigger_payload,
)
from synth_web.inputs import Refused
from synth_web.models import Workflow
from synth_web.workflows.samples import save_sample


def capture(workflow: Workflow) -> ResponseReturnValue:
    """Keep this call as the workflow's sample; no step runs, even if it is off.

    The payload is built as a run's would be (credentials dropped, the guard
    passed), so the sample is exactly what `trigger` will hold.
    """
    limit = current_app.config["SYNTH_WEBHOOK_MAX_BYTES"]
    try:
        raw = read_body(request, limit)
        payload = trigger_payload(request, parse_body(request, raw))
    except PayloadTooLarge:
        return _refuse(413, f"The body is larger than {limit // 1024} KB.")
    except UnknownCharset as exc:
        return _refuse(415, str(exc))
    except BadPayload as exc:
        return _refuse(400, str(exc))
    except Refused as exc:
        return _refuse(400, f"{exc.path}: {exc.message}")
    save_sample(workflow, payload, "listened")
    return jsonify({"captured": True}), 202


def _refuse(status: int, message: str) -> ResponseReturnValue:
    """Answer a test event that cannot be kept; the workflow keeps listening."""
    return jsonify({"error": message, "captured": False}), status

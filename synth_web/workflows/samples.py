"""A workflow's sample: one example of its trigger's data, to run and test with.

A sample is what `trigger` is in a run (body, headers and query), from a test
event captured on the webhook URL, pasted JSON, or a run's payload. Run now, the
API's run and Test step fall back on it when they are given no payload.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from synth_web.engine.start import RunRefused
from synth_web.engine.triggers import DATA_TRIGGERS
from synth_web.extensions import db
from synth_web.inputs import Refused, check_json, load_json
from synth_web.models import Execution, Workflow, WorkflowSample, utcnow

# How long "Listen for a test event" waits for the next call to the webhook URL.
LISTEN_SECONDS = 120
NO_SAMPLE = (
    "This workflow starts from a webhook, so a run needs the data one would "
    "bring: send a payload, or give the workflow a sample first (listen for a "
    "test event, or paste one)."
)
# What Run now adds to a run's trigger; never part of a sample.
RUN_NOTES = ("started_by",)


class NoPayload(RunRefused):
    """A run of a workflow whose trigger carries data, with no data to run on."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "no_payload")


def carries_data(workflow: Workflow) -> bool:
    """Tell whether the workflow's trigger hands its runs data (a webhook's)."""
    return workflow.trigger_type in DATA_TRIGGERS


def sample_of(workflow: Workflow) -> WorkflowSample | None:
    """Return the workflow's sample row (maybe listening, maybe still empty)."""
    return db.session.get(WorkflowSample, workflow.id)


def sample_payload(workflow: Workflow) -> dict[str, Any] | None:
    """Return the workflow's sample, or None when it has none."""
    payload = db.session.scalar(
        select(WorkflowSample.payload).where(WorkflowSample.workflow_id == workflow.id)
    )
    return payload if isinstance(payload, dict) else None


def _row(workflow: Workflow) -> WorkflowSample:
    row = sample_of(workflow)
    if row is None:
        row = WorkflowSample(workflow_id=workflow.id, user_id=workflow.user_id)
        db.session.add(row)
    return row


def start_listening(workflow: Workflow) -> WorkflowSample:
    """Make the next call to the webhook URL the sample, for the next 2 minutes."""
    row = _row(workflow)
    row.listen_until = utcnow() + timedelta(seconds=LISTEN_SECONDS)
    db.session.commit()
    return row


def stop_listening(workflow: Workflow) -> None:
    """Stop waiting for a test event; calls to the URL start runs again."""
    row = sample_of(workflow)
    if row is not None and row.listen_until is not None:
        row.listen_until = None
        db.session.commit()


def save_sample(
    workflow: Workflow, payload: dict[str, Any], source: str
) -> WorkflowSample:
    """Keep a payload as the sample (through the input guard); stop listening."""
    check_json(payload, "sample")
    row = _row(workflow)
    row.payload = {k: v for k, v in payload.items() if k not in RUN_NOTES}
    row.source, row.saved_at, row.listen_until = source, utcnow(), None
    db.session.commit()
    return row


def forget_sample(workflow: Workflow) -> None:
    """Drop the sample (Run now asks for data again)."""
    row = sample_of(workflow)
    if row is not None:
        db.session.delete(row)
        db.session.commit()


def read_payload(text: str, path: str = "sample") -> dict[str, Any]:
    """Read pasted JSON as a run's trigger data; Refused says what is wrong."""
    limit = current_app.config["SYNTH_WEBHOOK_MAX_BYTES"]
    if len(text.encode("utf-8", "surrogatepass")) > limit:
        raise Refused(path, f"The JSON is larger than {limit // 1024} KB.")
    try:
        value = load_json(text, path)
    except json.JSONDecodeError as exc:
        # Imported here: the forms module reads the catalog, the engine this one.
        from synth_web.workflows.forms import json_error

        raise Refused(path, json_error(text, exc)) from None
    if not isinstance(value, dict):
        raise Refused(
            path,
            'Give a JSON object: what `trigger` holds, like {"body": {"total": 42}}.',
        )
    return value


def run_trigger(workflow: Workflow, payload: dict[str, Any] | None) -> dict[str, Any]:
    """Return the data a run by hand starts with: the payload, else the sample.

    Triggers without data (by hand, a schedule) need neither.
    """
    if payload is not None:
        return check_json(payload, "payload")
    if not carries_data(workflow):
        return {}
    sample = sample_payload(workflow)
    if sample is None:
        raise NoPayload(NO_SAMPLE)
    return sample


def sample_from_run(execution: Execution) -> WorkflowSample:
    """Make a run's trigger payload its workflow's sample."""
    return save_sample(execution.workflow, execution.trigger_payload or {}, "run")


def pretty(payload: dict[str, Any] | None) -> str:
    """Lay a payload out for a text box."""
    return "" if payload is None else json.dumps(payload, indent=2, ensure_ascii=False)

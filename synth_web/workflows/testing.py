"""Test step: run the editor's steps up to one of them, for real, on the sample."""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import select

from synth_web.engine.start import start_run, why_not
from synth_web.engine.triggers import TEST
from synth_web.extensions import db
from synth_web.models import Execution, Workflow
from synth_web.workflows.samples import NoPayload, run_trigger
from synth_web.workflows.services import definition_problems

TEST_OP = "test:"
# How many recent runs Insert data reads step outputs from.
RECENT = 10
REAL = (
    "Testing runs the steps for real: a Slack step posts its message, an email "
    "is sent, a request is made."
)


def test_index(op: str) -> int | None:
    """Read the step a `test:<index>` op of the builder names, if it is one."""
    if not op.startswith(TEST_OP) or not op[len(TEST_OP) :].isdigit():
        return None
    return int(op[len(TEST_OP) :])


def start_test(
    workflow: Workflow, definition: dict[str, Any], index: int, started_by: str
) -> Execution:
    """Queue a test run of the definition's steps up to and including `index`.

    Raises RunRefused when those steps have problems or there is no data to
    test a webhook's steps with.
    """
    tested = {
        "trigger": definition.get("trigger") or {},
        "actions": list(definition.get("actions") or [])[: index + 1],
    }
    problems = definition_problems(workflow.user_id, {**definition, **tested})
    refused = why_not(workflow, by_hand=True, problems=problems)
    if refused is not None:
        raise refused
    probe = Workflow(user_id=workflow.user_id, id=workflow.id)
    probe.apply_definition({**definition, **tested})
    try:
        trigger = run_trigger(probe, None)
    except NoPayload:
        raise NoPayload(
            "There is no sample to test with yet: listen for a test event or "
            "paste a sample on the workflow's page first."
        ) from None
    execution, _ = start_run(
        workflow,
        TEST,
        {**trigger, "started_by": started_by},
        by_hand=True,
        problems=problems,
        meta={"definition": tested, "tested_step": index},
    )
    return execution


def get_test_or_404(workflow: Workflow, execution_id: int) -> Execution:
    """Return one of the workflow's test runs (the caller checked the workflow)."""
    execution = db.session.scalar(
        select(Execution).where(
            Execution.id == execution_id,
            Execution.workflow_id == workflow.id,
            Execution.trigger_type == TEST,
        )
    )
    if execution is None:
        abort(404)
    return execution


def last_outputs(workflow: Workflow) -> dict[str, Any]:
    """Return step id → output of its latest successful record in recent runs.

    Test runs count like any other: they are how outputs are made on purpose.
    """
    recent = db.session.scalars(
        select(Execution.results)
        .where(Execution.workflow_id == workflow.id)
        .order_by(Execution.created_at.desc(), Execution.id.desc())
        .limit(RECENT)
    ).all()
    outputs: dict[str, Any] = {}
    for results in reversed(recent):  # oldest first: the newest record wins
        for record in results if isinstance(results, list) else []:
            if isinstance(record, dict) and record.get("status") == "success":
                outputs[str(record.get("id"))] = record.get("output")
    return outputs

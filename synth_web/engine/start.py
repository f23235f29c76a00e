"""Starting a run: webhooks, Run now (page and API), retries and the scheduler.

All of them start runs through `start_run`, which refuses with `checks.why_not`: the
runner's last check before the first step uses it too, so a person reads the same
sentence wherever a run was refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from synth_web.engine import inserts
from synth_web.engine.checks import RunRefused, why_not
from synth_web.engine.executor import (
    claiming_slot,
    dispatch,
    leaves_to_others,
    worker_name,
)
from synth_web.engine.record import StepRecord
from synth_web.engine.runner import make_plan, tested
from synth_web.engine.validation import Problem
from synth_web.models import Execution, Workflow

__all__ = ["RunRefused", "start_run", "why_not"]


def start_run(
    workflow: Workflow,
    trigger_type: str,
    trigger: dict[str, Any] | None = None,
    *,
    by_hand: bool = False,
    dedupe_key: str | None = None,
    meta: dict[str, Any] | None = None,
    connections: Mapping[str, str] | None = None,
    problems: list[Problem] | None = None,
    results: list[StepRecord] | None = None,
    hand_over: bool = True,
    claim: bool = False,
) -> tuple[Execution, bool]:
    """Queue a run of a workflow that can run; return it and whether it is new.

    Raises RunRefused, saying why, when the workflow cannot run. `problems` are
    those of what will run, when already known (a test runs the editor's steps,
    not the saved ones). `results` are step records the run starts with (a retry
    from a step reuses those before it). A new run is handed to the executor
    unless `hand_over` is False (the scheduler hands over its own).

    `claim` lets a process with a free slot insert the run already running and
    run it at once (the webhook's hot path, issue 20): its status is then
    `running`, not `queued`. Without a free slot it is queued as before.
    """
    refused = why_not(
        workflow, by_hand=by_hand, problems=problems, connections=connections
    )
    if refused is not None:
        raise refused
    # A webhook's run runs where it arrived when that process has a free slot,
    # unless it is crowded: then any process with threads to spare takes it.
    elsewhere = claim and hand_over and leaves_to_others()
    pool = claiming_slot() if claim and hand_over and not elsewhere else None
    execution, created = inserts.enqueue(
        workflow, trigger_type, trigger, dedupe_key, meta, results, claimed=bool(pool)
    )
    if pool is not None and created and execution.status == "running":
        # Inserted already claimed (DESIGN section 4): run it here, nothing to load.
        try:
            plan = make_plan(execution, tested(execution, workflow), worker_name())
        except Exception:
            pool.release()  # the sweep ends the run: nobody beats for it
            raise
        pool.submit_claimed(plan)
        return execution, created
    if pool is not None:
        pool.release()
        if created:
            # Queued behind its owner's fair share: a pool thread takes it in
            # turn, rather than a claim of its own failing until then.
            pool.nudge()
            return execution, created
    if created and hand_over and not elsewhere:
        dispatch(execution.id)
    return execution, created

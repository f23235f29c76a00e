"""Retry a failed run from a step, reusing what the steps before it returned."""

from __future__ import annotations

from synth_web.engine import resume, runs
from synth_web.engine.resume import ResumePoint
from synth_web.engine.start import RunRefused, start_run
from synth_web.models import Execution


def resume_steps(execution: Execution) -> list[ResumePoint]:
    """Return the steps this run can be retried from, with the workflow as it is."""
    if execution.status != "failure":
        return []
    return resume.resume_points(execution, list(execution.workflow.actions))


def retry_from(execution: Execution, step: int) -> Execution:
    """Queue a run that starts at `step` with the saved outputs of the steps before.

    The workflow is the one as it is now; a step before `step` that changed or
    disappeared since makes its saved output untrustworthy, so that is refused.
    """
    if step not in {point.number for point in resume_steps(execution)}:
        raise RunRefused(
            f"Run #{execution.id} cannot be retried from step {step}: a step "
            "before it failed, changed or is gone since. Retry from the top.",
            "step",
        )
    kind, trigger = runs.retry_trigger(execution)
    reused = resume.reused_records(execution, list(execution.workflow.actions), step)
    new, _ = start_run(
        execution.workflow,
        kind,
        trigger,
        by_hand=True,
        meta={"retry_of": execution.id, "start_step": step},
        results=reused,
    )
    return new

"""Replay refused events: one, or all of a workflow's, each at most once.

A replay is a new run with `dedupe_key` `replay:<refused id>`: replaying an
event twice (two clicks, two tabs, Replay all after Replay) never runs it twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from synth_web.engine import refused
from synth_web.engine.checks import workflow_problems
from synth_web.engine.start import RunRefused, start_run, why_not
from synth_web.engine.validation import Problem
from synth_web.models import Execution, Workflow

BANNER_EVENTS = 5


@dataclass
class Waiting:
    """What a workflow's page says about its refused events."""

    count: int
    events: list[Execution]  # the oldest few: the first to replay
    dropped: int  # how many the cap deleted, oldest first
    cap: int


def replay(event: Execution) -> tuple[Execution, bool]:
    """Run a refused event now; return its run and whether this call started it.

    Like Run now, a replay works on a workflow that is off, as long as it has
    no problems: a person asked for it.
    """
    if event.status != "refused":
        raise RunRefused(
            f"Run #{event.id} was not refused, so there is no replay.", "not_refused"
        )
    return start(event)


def start(
    event: Execution, problems: list[Problem] | None = None
) -> tuple[Execution, bool]:
    """Queue and dispatch the replay of one refused event (once)."""
    return start_run(
        event.workflow,
        event.trigger_type,
        event.trigger_payload or {},
        by_hand=True,
        problems=problems,
        dedupe_key=refused.replay_key(event.id),
        meta={"replay_of": event.id},
    )


def replay_all(workflow: Workflow) -> int:
    """Replay every refused event of a workflow not replayed yet; count new runs.

    The workflow's problems are read once, for every event.
    """
    problems = workflow_problems(workflow)
    refused_now = why_not(workflow, by_hand=True, problems=problems)
    if refused_now is not None:
        raise refused_now
    events = refused.waiting(workflow.id)
    return sum(start(event, problems)[1] for event in events)


def waiting_for(workflow: Workflow, cap: int) -> Waiting | None:
    """Return the banner's facts about a workflow's refused events, if any wait."""
    count = refused.count_waiting(workflow.id)
    if not count:
        return None
    meta = workflow.meta if isinstance(workflow.meta, dict) else {}
    return Waiting(
        count=count,
        events=refused.waiting(workflow.id, limit=BANNER_EVENTS),
        dropped=int(meta.get("refused_dropped") or 0),
        cap=cap,
    )

"""The demo's run history: finished runs that agree with themselves.

Every invented run must read like one the runner wrote: an error worded as the step
would word it, a duration that fits it ("timed out after 30 s" took 30 s), retries
only where the step retries, and no step called `fail` that succeeded.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from synth_web.demo.samples import FAILURES, sample_output, sample_trigger
from synth_web.engine.record import StepRecord, close_record, new_record
from synth_web.engine.templating import TemplateError, render_value
from synth_web.models import Workflow

NETWORK_STEPS = ("http.request", "slack.post_message", "gmail.send_email")
# http.request waits this long for an answer unless its `with` says otherwise.
HTTP_TIMEOUT = 30
STATUS_WEIGHTS = {"success": 80, "failure": 14, "cancelled": 3, "filtered": 3}


def history(
    workflow: Workflow, now: datetime, days: int, rng: random.Random
) -> list[dict[str, Any]]:
    """Spread finished runs of one workflow over the last `days` days."""
    count = rng.randint(20, 60)
    outcomes = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()), k=count)
    return [
        finished_run(
            workflow, now - timedelta(seconds=rng.randint(600, days * 86400)), o, rng
        )
        for o in outcomes
    ]


def stop_index(actions: list[dict[str, Any]], outcome: str, rng: random.Random) -> int:
    """Pick the step where a run with this outcome ends (len(actions): none).

    A run that would pass a `core.fail` step cannot succeed: it stops at the filter
    before it (filtered) or fails there. Only steps that can fail fail.
    """
    fail_at = next((i for i, a in enumerate(actions) if a["type"] == "core.fail"), None)
    filters = [i for i, a in enumerate(actions) if a["type"] == "core.filter"]
    failing = [
        i for i, a in enumerate(actions) if a["type"] in FAILURES or i == fail_at
    ]
    if outcome == "failure" and failing:
        return rng.choice(failing)
    if outcome == "cancelled":
        return rng.randint(0, len(actions) - 1)
    if outcome == "filtered" or fail_at is not None:
        return filters[0] if filters else len(actions)
    return len(actions)


def outcome_for(actions: list[dict[str, Any]], outcome: str, stop_at: int) -> str:
    """Say how the run really ends once its stop is known."""
    if stop_at == len(actions):
        return "success"
    if outcome in ("success", "filtered"):
        return "filtered"
    return outcome


def finished_run(
    workflow: Workflow, created: datetime, outcome: str, rng: random.Random
) -> dict[str, Any]:
    """Make one finished execution row with a record per step it reached."""
    actions = workflow.actions
    stop_at = stop_index(actions, outcome, rng)
    outcome = outcome_for(actions, outcome, stop_at)
    started = created + timedelta(milliseconds=rng.randint(5, 400))
    trigger = sample_trigger(workflow, created)
    context = {
        "trigger": trigger,
        "steps": {},
        "workflow": {"id": workflow.id, "name": workflow.name},
        "execution": {"trigger_type": workflow.trigger_type},
        "now": started,
    }
    results, clock, error_log = play_steps(actions, outcome, stop_at, rng, context)
    meta: dict[str, Any] = {
        "trigger_type": workflow.trigger_type,
        "trigger": trigger,
        "worker": "demo",
    }
    if outcome == "filtered":
        meta.update(filtered=True, filtered_at=actions[stop_at]["id"])
    finished = clock + timedelta(milliseconds=rng.randint(2, 40))
    return {
        "workflow_id": workflow.id,
        "user_id": workflow.user_id,
        "status": "success" if outcome == "filtered" else outcome,
        "trigger_type": workflow.trigger_type,
        "created_at": created,
        "started_at": started,
        "finished_at": finished,
        "heartbeat_at": finished,
        "results": results,
        "error_log": error_log,
        "meta": meta,
    }


def play_steps(
    actions: list[dict[str, Any]],
    outcome: str,
    stop_at: int,
    rng: random.Random,
    context: dict[str, Any],
) -> tuple[list[StepRecord], datetime, str | None]:
    """Record the steps a run reached, in order; return them, the clock, its log.

    A cancelled run never reached the step it stopped at; the others end on it.
    """
    results, clock, error_log = [], context["now"], None
    reached = actions[:stop_at] if outcome == "cancelled" else actions[: stop_at + 1]
    for index, action in enumerate(reached):
        ends_here = index == stop_at
        if ends_here and outcome == "failure":
            record, clock = failed_record(action, clock, rng, context)
            error_log = failure_log(index, len(actions), action, record)
        elif ends_here and outcome == "filtered":
            record, clock = step_record(action, clock, rng, context, passed=False)
        else:
            record, clock = step_record(action, clock, rng, context)
        results.append(record)
        context["steps"][action["id"]] = {"output": record["output"]}
    if outcome == "cancelled":
        error_log = "Cancelled by Demo Person."
    return results, clock, error_log


def failure_log(
    index: int, total: int, action: dict[str, Any], record: StepRecord
) -> str:
    """Word the run's error as the runner does."""
    return (
        f"Step {index + 1} of {total}, `{action['id']}` ({action['type']}) "
        f"failed: {record['error']}"
    )


def rendered_input(action: dict[str, Any], context: dict[str, Any]) -> Any:
    """Render the step's `with` against the run so far, as the runner records it."""
    try:
        return render_value(action.get("with", {}), context)
    except TemplateError:
        return action.get("with", {})


def record_for(
    action: dict[str, Any], given: Any, clock: datetime, duration: int, attempts: int
) -> tuple[StepRecord, datetime]:
    """Lay out one step's record, as the runner writes it."""
    finished = clock + timedelta(milliseconds=duration)
    record = close_record(new_record(action, clock), "success", finished, duration)
    record.update(attempts=attempts, input=given)
    return record, finished


def max_attempts(action: dict[str, Any]) -> int:
    """How many times the runner would try this step."""
    return int((action.get("retry") or {}).get("max_attempts", 1))


def step_record(
    action: dict[str, Any],
    clock: datetime,
    rng: random.Random,
    context: dict[str, Any],
    passed: bool = True,
) -> tuple[StepRecord, datetime]:
    """Make the record of a step that succeeded (a filter may say no)."""
    given = rendered_input(action, context)
    slow = action["type"] in NETWORK_STEPS
    attempts = rng.choice([1, 1, 1, 2]) if max_attempts(action) > 1 else 1
    duration = rng.randint(80, 1800) * attempts if slow else rng.randint(1, 12)
    record, finished = record_for(action, given, clock, duration, attempts)
    if action["type"] == "core.filter":
        # Invented outputs decide nothing: the outcome says whether it passed.
        record["input"] = {**given, "condition": passed}
        record["output"] = {"passed": True}
        if not passed:
            reason = f"The condition of step `{action['id']}` was false."
            record["output"] = {"passed": False, "reason": reason}
    else:
        record["output"] = sample_output(action, given, rng)
    return record, finished


def failed_record(
    action: dict[str, Any],
    clock: datetime,
    rng: random.Random,
    context: dict[str, Any],
) -> tuple[StepRecord, datetime]:
    """Make the record of a step that failed, its time and tries fitting its error."""
    given = rendered_input(action, context)
    if action["type"] == "core.fail":
        record, finished = record_for(action, given, clock, rng.randint(1, 3), 1)
        record.update(status="failure", error=str(given.get("message", "Failed.")))
        return record, finished
    failure = rng.choice(FAILURES[action["type"]])
    attempts = max_attempts(action) if failure.retryable else 1
    timeout = int(given.get("timeout_seconds") or HTTP_TIMEOUT)
    if failure.attempt_ms is None:
        each = [timeout * 1000 + rng.randint(1, 60) for _ in range(attempts)]
    else:
        each = [rng.randint(*failure.attempt_ms) for _ in range(attempts)]
    backoff = int((action.get("retry") or {}).get("backoff_seconds", 1) * 1000)
    waits = sum(backoff * 2**i for i in range(attempts - 1))
    record, finished = record_for(action, given, clock, sum(each) + waits, attempts)
    url = str(given.get("url", "https://api.example.com/"))
    error = failure.message.format(
        host=url.split("/")[2] if "//" in url else url,
        timeout=timeout,
        channel=given.get("channel", "the channel"),
    )
    if attempts > 1:
        error += f" (after {attempts} attempts)"
    record.update(status="failure", error=error)
    return record, finished


def live_runs(workflows: list[Workflow], now: datetime) -> list[dict[str, Any]]:
    """Add one queued and one running run so live states show up.

    They are recorded, not real work: the pool never picks them up and the sweep
    never ends them, so the showcase stays as it is instead of failing a minute in.
    """
    logger = next(w for w in workflows if w.name == "Log incoming webhooks")
    base = {
        "workflow_id": logger.id,
        "user_id": logger.user_id,
        "trigger_type": "webhook",
        "meta": {"trigger_type": "webhook", "attempt": 1, "recorded": True},
    }
    return [
        {**base, "status": "queued", "created_at": now, "results": []},
        {
            **base,
            "status": "running",
            "created_at": now - timedelta(seconds=4),
            "started_at": now - timedelta(seconds=3),
            "heartbeat_at": now,
            "results": [],
        },
    ]


def refused_events(workflows: list[Workflow], now: datetime) -> list[dict[str, Any]]:
    """Add two events refused while the webhook logger was off, waiting for replay."""
    logger = next(w for w in workflows if w.name == "Log incoming webhooks")
    because = "while the workflow was off"
    return [
        {
            "workflow_id": logger.id,
            "user_id": logger.user_id,
            "trigger_type": "webhook",
            "status": "refused",
            "created_at": now - timedelta(hours=hours),
            "finished_at": now - timedelta(hours=hours),
            "results": [],
            "error_log": (
                "Refused: the workflow was switched off when this event arrived."
            ),
            "meta": {
                "trigger_type": "webhook",
                "trigger": {"body": {"event": "order.created", "id": 4100 + hours}},
                "refused": {"reason": "inactive", "because": because},
                "recorded": True,
            },
        }
        for hours in (5, 6)
    ]

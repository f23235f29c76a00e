"""Run one execution: claim it, run its steps in order, record each as it ends."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from flask import current_app

from synth_web.engine import runs
from synth_web.engine.apps import find_action
from synth_web.engine.checks import workflow_problems
from synth_web.engine.context import RunCancelled, StepContext, StepFailed, StopRun
from synth_web.engine.netguard import Policy
from synth_web.engine.secrets import connection_fields, redactor
from synth_web.engine.templating import TemplateError, render_value
from synth_web.engine.validation import schema_problems
from synth_web.extensions import db
from synth_web.models import Execution, utcnow

DEFAULT_TIMEOUT = 60.0
BACKOFF_CAP = 60.0

# Runs this process is executing now; the heartbeat thread vouches for them.
HELD: set[int] = set()
HELD_LOCK = threading.Lock()


class StepOutcome:
    """What happened to one step: its record and what the run does next."""

    def __init__(
        self, record: dict[str, Any], signal: str = "next", error: str | None = None
    ) -> None:
        self.record = record
        self.signal = signal  # next, stop (filtered), fail, cancelled
        self.error = error


def run_execution(execution_id: int, worker: str = "inline") -> str | None:
    """Claim and run a queued execution; return its final status, or None if lost."""
    if not runs.claim(execution_id):
        return None
    with HELD_LOCK:
        HELD.add(execution_id)
    try:
        return _run_claimed(execution_id, worker)
    except Exception as exc:  # noqa: BLE001 - a bug must still end the run visibly
        current_app.logger.exception("Run %s crashed", execution_id)
        db.session.rollback()
        execution = db.session.get(Execution, execution_id)
        runs.finish(
            execution_id,
            "failure",
            execution.results,
            execution.meta,
            f"Synth hit an internal error while running this: {exc!r}",
        )
        return "failure"
    finally:
        with HELD_LOCK:
            HELD.discard(execution_id)


def _run_claimed(execution_id: int, worker: str) -> str:
    execution = db.session.get(Execution, execution_id)
    workflow = execution.workflow
    meta = {**execution.meta, "worker": worker}
    problems = workflow_problems(workflow)
    if problems:
        reasons = "; ".join(f"{p.path}: {p.message}" for p in problems[:5])
        runs.finish(
            execution_id,
            "failure",
            [],
            meta,
            f"This workflow cannot run until its problems are fixed: {reasons}",
        )
        return "failure"
    context = template_context(execution)
    redact = redactor(execution.user_id, workflow.apps_used)
    actions = list(workflow.actions)
    records: list[dict[str, Any]] = []
    for index, action in enumerate(actions):
        outcome = run_step(execution, action, context, redact)
        records.append(outcome.record)
        status_now = runs.write_results(execution_id, records)
        if status_now != "running":
            return status_now or "cancelled"
        where = (
            f"Step {index + 1} of {len(actions)}, `{action['id']}` ({action['type']})"
        )
        if outcome.signal == "fail":
            runs.finish(
                execution_id,
                "failure",
                records,
                meta,
                redact(f"{where} failed: {outcome.error}"),
            )
            return "failure"
        if outcome.signal == "cancelled":
            return runs.current_status(execution_id) or "cancelled"
        if outcome.signal == "stop":
            meta.update(filtered=True, filtered_at=action["id"])
            runs.finish(execution_id, "success", records, meta)
            return "success"
        context["steps"][action["id"]] = {"output": outcome.record["output"]}
    runs.finish(execution_id, "success", records, meta)
    return "success"


def template_context(execution: Execution) -> dict[str, Any]:
    """Build what templates can read: trigger, steps, workflow, execution, now."""
    trigger = execution.meta.get("trigger") or {}
    return {
        "trigger": trigger,
        "steps": {},
        "workflow": {"id": execution.workflow_id, "name": execution.workflow.name},
        "execution": {"id": execution.id, "trigger_type": execution.trigger_type},
        "now": utcnow(),
    }


def run_step(
    execution: Execution, action: dict[str, Any], context: dict[str, Any], redact: Any
) -> StepOutcome:
    """Render, check and run one step with its timeout and retries."""
    started_at, clock = utcnow(), time.monotonic()
    record: dict[str, Any] = {
        "id": action["id"],
        "type": action["type"],
        "status": "running",
        "started_at": started_at.isoformat(),
        "attempts": 0,
        "input": None,
        "output": None,
        "error": None,
    }

    def done(status: str, signal: str, error: str | None = None) -> StepOutcome:
        record.update(
            status=status,
            error=redact(error) if error else None,
            finished_at=utcnow().isoformat(),
            duration_ms=int((time.monotonic() - clock) * 1000),
        )
        record["output"] = redact(record["output"])
        return StepOutcome(record, signal, record["error"])

    app, act = find_action(action["type"])
    try:
        params = render_value(action.get("with", {}), context)
    except TemplateError as exc:
        return done("failure", "fail", f"template error: {exc}")
    record["input"] = redact(params)
    problems = schema_problems(params, act.schema, "with")
    if problems:
        detail = "; ".join(f"{p.path}: {p.message}" for p in problems)
        return done(
            "failure", "fail", f"its values are not valid after templating: {detail}"
        )
    ctx = step_context(execution, action, params, app.key)
    retry = action.get("retry") or {}
    max_attempts = int(retry.get("max_attempts", 1))
    for attempt in range(1, max_attempts + 1):
        record["attempts"] = attempt
        ctx.started = time.monotonic()
        try:
            record["output"] = call_with_timeout(act.run, ctx, params, app.key)
            if ctx.logs:
                record["logs"] = list(ctx.logs)
            return done("success", "next")
        except StopRun as stop:
            record["output"] = {"passed": False, "reason": str(stop)}
            return done("success", "stop")
        except RunCancelled:
            return done("cancelled", "cancelled", "The run was cancelled.")
        except StepFailed as failure:
            message, retryable = str(failure), failure.retryable
        except TimeoutError:
            message, retryable = f"timed out after {ctx.timeout:g} s", True
        except Exception as exc:  # noqa: BLE001 - the step's own bug, told plainly
            message, retryable = f"{type(exc).__name__}: {exc}", True
        if not retryable or attempt == max_attempts:
            suffix = f" (after {attempt} attempts)" if attempt > 1 else ""
            return done("failure", "fail", message + suffix)
        try:
            ctx.sleep(backoff(attempt, float(retry.get("backoff_seconds", 1))))
        except RunCancelled:
            return done("cancelled", "cancelled", "The run was cancelled.")
    return done("failure", "fail", "no attempts were made")


def backoff(attempt: int, base: float) -> float:
    """Exponential backoff with jitter, capped at a minute."""
    return min(BACKOFF_CAP, base * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)  # noqa: S311


def step_context(
    execution: Execution, action: dict[str, Any], params: dict[str, Any], app_key: str
) -> StepContext:
    """Give a step its timeout, network policy, connection and cancel check."""
    config = current_app.config
    timeout = action.get("timeout_seconds")
    if timeout is None:
        timeout = DEFAULT_TIMEOUT
        if action["type"] == "core.delay":
            timeout = float(params.get("seconds", 0)) + 10
    fields = connection_fields(execution.user_id, app_key)
    execution_id = execution.id
    return StepContext(
        execution_id=execution_id,
        user_id=execution.user_id,
        step_id=action["id"],
        timeout=float(timeout),
        policy=outbound_policy(config),
        settings=dict(config),
        is_cancelled=lambda: runs.current_status(execution_id) != "running",
        connection=lambda _app: fields,
    )


def outbound_policy(config: Any) -> Policy:
    """Read the outbound network policy from the settings."""
    return Policy.from_config(
        bool(config.get("SYNTH_ALLOW_PRIVATE_NETWORK")),
        config.get("SYNTH_OUTBOUND_ALLOW", ()),
    )


def call_with_timeout(
    run: Any, ctx: StepContext, params: dict[str, Any], app_key: str
) -> Any:
    """Run a step's code, giving up after its timeout.

    Built-in core steps are instantaneous (delay checks its own clock) and run
    inline; everything else runs in a helper thread that is abandoned on timeout.
    Their I/O uses ctx.remaining() as its own timeout, so abandoned threads end soon.
    """
    if app_key == "core":
        return run(ctx, params)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = run(ctx, params)
        except BaseException as exc:  # noqa: BLE001 - handed to the runner thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True, name=f"step-{ctx.step_id}")
    thread.start()
    # A little grace, so a step that enforces its own timeout explains it itself.
    thread.join(ctx.timeout + 0.5)
    if thread.is_alive():
        raise TimeoutError
    if "error" in box:
        raise box["error"]
    return box.get("value")

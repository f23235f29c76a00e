"""Run one step: render its values, check them, call its code with timeout and retry."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy.engine import Connection

from synth_web.engine import runs
from synth_web.engine.apps import find_action
from synth_web.engine.context import RunCancelled, StepContext, StepFailed, StopRun
from synth_web.engine.netguard import Policy, policy_for
from synth_web.engine.record import StepRecord, StepStatus, close_record, new_record
from synth_web.engine.sandbox import Budget
from synth_web.engine.secrets import connection_fields
from synth_web.engine.sizes import MAX_OUTPUT, Meter, TooBig
from synth_web.engine.templating import TemplateCancelled, TemplateError, render_value
from synth_web.engine.validation import schema_problems
from synth_web.models import utcnow

DEFAULT_TIMEOUT = 60.0
BACKOFF_CAP = 60.0
# A step's record holds its input and its output, each at most the output cap.
MAX_RECORD = 2 * MAX_OUTPUT


@dataclass
class Plan:
    """What a claimed run needs, read once: no ORM object is touched afterwards."""

    execution_id: int
    user_id: int
    trigger_type: str
    meta: dict[str, Any]
    actions: list[dict[str, Any]]
    apps: list[str]
    context: dict[str, Any]
    # The run's own autocommit connection: every write is one round trip.
    conn: Connection | None = None


class StepOutcome:
    """What happened to one step: its record and what the run does next."""

    def __init__(
        self, record: StepRecord, signal: str = "next", error: str | None = None
    ) -> None:
        self.record = record
        self.signal = signal  # next, stop (filtered), fail, cancelled
        self.error = error


CANCELLED = "The run was cancelled."


class Recorder:
    """The record of one running step, ended once with how it went."""

    def __init__(self, action: dict[str, Any], redact: Any) -> None:
        self.clock = time.monotonic()
        self.record = new_record(action, utcnow())
        self.redact = redact

    def done(
        self, status: StepStatus, signal: str, error: str | None = None
    ) -> StepOutcome:
        """End the record (secrets redacted, size checked) and say what comes next."""
        record = self.record
        if record_too_big(record):
            record["output"] = None
            status, signal = "failure", "fail"
            error = (
                f"its record (input and output) would be larger than "
                f"{MAX_RECORD:,} characters, the most a step may keep"
            )
        elapsed = int((time.monotonic() - self.clock) * 1000)
        error = self.redact(error) if error else None
        close_record(record, status, utcnow(), elapsed, error)
        record["output"] = self.redact(record["output"])
        return StepOutcome(record, signal, record["error"])


def run_step(plan: Plan, action: dict[str, Any], redact: Any) -> StepOutcome:
    """Render, check and run one step with its timeout and retries."""
    step = Recorder(action, redact)
    app, act = find_action(action["type"])
    params = checked_params(plan, action, act.schema, step)
    if isinstance(params, StepOutcome):
        return params
    ctx = step_context(plan, action, params, app.key)
    return attempts(
        step,
        ctx,
        lambda: call_with_timeout(act.run, ctx, params, app.key),
        action.get("retry") or {},
    )


def checked_params(
    plan: Plan, action: dict[str, Any], schema: dict[str, Any], step: Recorder
) -> dict[str, Any] | StepOutcome:
    """Render the step's values and check them against its schema, or end the step."""
    try:
        params = render_value(
            action.get("with", {}), plan.context, budget_for(plan, action)
        )
    except TemplateCancelled:
        return step.done("cancelled", "cancelled", CANCELLED)
    except TemplateError as exc:
        return step.done("failure", "fail", f"template error: {exc}")
    step.record["input"] = step.redact(params)
    problems = schema_problems(params, schema, "with")
    if problems:
        detail = "; ".join(f"{p.path}: {p.message}" for p in problems)
        return step.done(
            "failure", "fail", f"its values are not valid after templating: {detail}"
        )
    return params


def attempts(
    step: Recorder, ctx: StepContext, call: Any, retry: dict[str, Any]
) -> StepOutcome:
    """Call the step until it succeeds, up to `retry.max_attempts`, backing off."""
    max_attempts = int(retry.get("max_attempts", 1))
    for attempt in range(1, max_attempts + 1):
        step.record["attempts"] = attempt
        ctx.started = time.monotonic()
        try:
            step.record["output"] = call()
            if ctx.logs:
                step.record["logs"] = list(ctx.logs)
            return step.done("success", "next")
        except StopRun as stop:
            step.record["output"] = {"passed": False, "reason": str(stop)}
            return step.done("success", "stop")
        except RunCancelled:
            return step.done("cancelled", "cancelled", CANCELLED)
        except StepFailed as failure:
            message, retryable = str(failure), failure.retryable
        except TimeoutError:
            message, retryable = f"timed out after {ctx.timeout:g} s", True
        except Exception as exc:  # noqa: BLE001 - the step's own bug, told plainly
            message, retryable = f"{type(exc).__name__}: {exc}", True
        if not retryable or attempt == max_attempts:
            suffix = f" (after {attempt} attempts)" if attempt > 1 else ""
            return step.done("failure", "fail", message + suffix)
        try:
            ctx.sleep(backoff(attempt, float(retry.get("backoff_seconds", 1))))
        except RunCancelled:
            return step.done("cancelled", "cancelled", CANCELLED)
    return step.done("failure", "fail", "no attempts were made")


def record_too_big(record: dict[str, Any]) -> bool:
    """Tell whether a step's record is over MAX_RECORD (stored, it would be huge)."""
    try:
        Meter().size(record, MAX_RECORD)
    except TooBig:
        return True
    return False


def cancel_check(plan: Plan) -> Any:
    """Return a function telling whether the run is no longer running."""
    return lambda: runs.current_status(plan.execution_id, plan.conn) != "running"


def budget_for(plan: Plan, action: dict[str, Any]) -> Budget:
    """Bound the rendering of a step's values by its timeout and the run's cancel."""
    seconds = float(action.get("timeout_seconds") or DEFAULT_TIMEOUT)
    work = current_app.config["SYNTH_TEMPLATE_MAX_WORK"]
    return Budget(seconds=seconds, work=work, is_cancelled=cancel_check(plan))


def backoff(attempt: int, base: float) -> float:
    """Exponential backoff with jitter, capped at a minute."""
    return min(BACKOFF_CAP, base * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)  # noqa: S311


def step_context(
    plan: Plan, action: dict[str, Any], params: dict[str, Any], app_key: str
) -> StepContext:
    """Give a step its timeout, network policy, connection and cancel check."""
    config = current_app.config
    timeout = action.get("timeout_seconds")
    if timeout is None:
        timeout = DEFAULT_TIMEOUT
        if action["type"] == "core.delay":
            timeout = float(params.get("seconds", 0)) + 10
    fields = connection_fields(plan.user_id, app_key)
    execution_id = plan.execution_id
    return StepContext(
        execution_id=execution_id,
        user_id=plan.user_id,
        step_id=action["id"],
        timeout=float(timeout),
        policy=outbound_policy(config),
        settings=config,
        is_cancelled=cancel_check(plan),
        connection=lambda _app: fields,
    )


def outbound_policy(config: Any) -> Policy:
    """Read the outbound network policy from the settings."""
    return policy_for(config)


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

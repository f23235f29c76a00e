"""How the built-in core steps run."""

from __future__ import annotations

from typing import Any

from synth_web.engine.apps.base import Action, App, actions, string
from synth_web.engine.context import StepContext, StepFailed, StopRun

FALSE_WORDS = {"", "false", "0", "no", "off", "none", "null"}


def truthy(value: Any) -> bool:
    """Read a rendered condition the way a person means it ("false" is false)."""
    if isinstance(value, str):
        return value.strip().lower() not in FALSE_WORDS
    return bool(value)


def run_log(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Write a line to the run's log."""
    level = params.get("level", "info")
    ctx.log(f"[{level}] {params['message']}")
    return {"logged": str(params["message"]), "level": level}


def run_set(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Return the rendered values so later steps can use them."""
    return dict(params["values"])


def run_filter(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Stop the run here, as a success, when the condition is false."""
    if not truthy(params["condition"]):
        raise StopRun(f"The condition of step `{ctx.step_id}` was false.")
    return {"passed": True}


def run_delay(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Wait, checking for a cancel while waiting."""
    seconds = float(params["seconds"])
    if seconds > ctx.remaining():
        raise StepFailed(
            f"Waiting {seconds:g} s is longer than the step's timeout "
            f"({ctx.timeout:g} s)."
        )
    ctx.sleep(seconds)
    return {"waited_seconds": seconds}


def run_fail(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """End the run as a failure with the given message."""
    raise StepFailed(str(params["message"]))


MAX_DELAY_SECONDS = 300

APP = App(
    key="core",
    name="Core",
    description="Built-in steps: log a line, set values, filter, wait, fail.",
    icon="◆",
    words=("core", "log", "run log"),
    actions=actions(
        Action(
            name="log",
            run=run_log,
            title="Write to the log",
            words=("log", "write to the log", "record", "note down", "print"),
            slots={"message": "message"},
            description="Write a line to the run's log.",
            key_params=("message",),
            schema={
                "type": "object",
                "required": ["message"],
                "additionalProperties": False,
                "properties": {
                    "message": string("What to log."),
                    "level": {"enum": ["info", "warning", "error"]},
                },
            },
        ),
        Action(
            name="set",
            run=run_set,
            title="Set values",
            words=("set the value", "compute", "keep the value"),
            description="Compute named values that later steps can use.",
            key_params=("values",),
            schema={
                "type": "object",
                "required": ["values"],
                "additionalProperties": False,
                "properties": {
                    "values": {
                        "type": "object",
                        "minProperties": 1,
                        "description": "Names and their values (templates allowed).",
                    }
                },
            },
        ),
        Action(
            name="filter",
            run=run_filter,
            title="Continue only if",
            words=("only if", "only when", "unless", "filter"),
            slots={"condition": "condition"},
            description="Stop the run here, as a success, unless the condition holds.",
            key_params=("condition",),
            schema={
                "type": "object",
                "required": ["condition"],
                "additionalProperties": False,
                "properties": {
                    "condition": {
                        "description": "A template that is true to continue.",
                        "type": ["string", "boolean"],
                    }
                },
            },
        ),
        Action(
            name="delay",
            run=run_delay,
            title="Wait",
            words=("wait", "pause", "sleep", "delay", "hold on"),
            slots={"seconds": "duration"},
            description=f"Wait a number of seconds (at most {MAX_DELAY_SECONDS}).",
            key_params=("seconds",),
            schema={
                "type": "object",
                "required": ["seconds"],
                "additionalProperties": False,
                "properties": {
                    "seconds": {
                        "type": "number",
                        "minimum": 0,
                        "maximum": MAX_DELAY_SECONDS,
                    }
                },
            },
        ),
        Action(
            name="fail",
            run=run_fail,
            title="Stop with an error",
            words=("fail", "raise an error", "stop with an error"),
            slots={"message": "message"},
            description="End the run as a failure with a message.",
            key_params=("message",),
            schema={
                "type": "object",
                "required": ["message"],
                "additionalProperties": False,
                "properties": {"message": string("Why the run failed.")},
            },
        ),
    ),
)

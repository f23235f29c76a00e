"""Built-in steps that need no connection: log, set, filter, delay, fail."""

from __future__ import annotations

from synth_web.engine import actions_core as run
from synth_web.engine.apps.base import Action, App, actions, string

MAX_DELAY_SECONDS = 300

APP = App(
    key="core",
    name="Core",
    description="Built-in steps: log a line, set values, filter, wait, fail.",
    icon="◆",
    actions=actions(
        Action(
            name="log",
            run=run.run_log,
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
            run=run.run_set,
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
            run=run.run_filter,
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
            run=run.run_delay,
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
            run=run.run_fail,
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

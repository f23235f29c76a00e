"""Trigger types a workflow can start from, with their JSON Schemas."""

from __future__ import annotations

from typing import Any

TRIGGER_TYPES = ("manual", "schedule", "webhook", "app_event")
# Runs that an outside engine (n8n, Pipedream, a script) executed and reported
# through the API: Synth records them and never runs them itself.
EXTERNAL = "external"
# A test of the first steps with the workflow's sample (issue 18): recorded
# like any run, shown on the workflow's page, left out of the dashboard's figures.
TEST = "test"
RUN_TRIGGER_TYPES = (*TRIGGER_TYPES, EXTERNAL, TEST)
# Triggers that hand the run data (a webhook's body, headers and query): Run now
# needs a payload or the workflow's sample for them.
DATA_TRIGGERS = ("webhook", "app_event")

SLUG = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"

TRIGGER_SCHEMAS: dict[str, dict[str, Any]] = {
    "manual": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"type": {"const": "manual"}},
    },
    "schedule": {
        "type": "object",
        "required": ["cron"],
        "additionalProperties": False,
        "properties": {
            "type": {"const": "schedule"},
            "cron": {"type": "string", "minLength": 1},
            "timezone": {"type": "string", "minLength": 1},
        },
    },
    "webhook": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"type": {"const": "webhook"}},
    },
    "app_event": {
        "type": "object",
        "required": ["app", "event"],
        "additionalProperties": False,
        "properties": {
            "type": {"const": "app_event"},
            "app": {"type": "string", "pattern": SLUG},
            "event": {"type": "string", "pattern": SLUG},
        },
    },
}

TRIGGER_DESCRIPTIONS = {
    "manual": "Runs when you press Run now.",
    "schedule": "Runs on a cron schedule in a time zone.",
    "webhook": "Runs when something POSTs to the workflow's webhook URL.",
    "app_event": "Runs when an app's event is relayed to the webhook URL.",
}

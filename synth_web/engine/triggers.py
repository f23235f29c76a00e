"""Trigger types a workflow can start from, with their JSON Schemas."""

from __future__ import annotations

from typing import Any

TRIGGER_TYPES = ("manual", "schedule", "webhook", "app_event")
# Runs that an outside engine (n8n, Pipedream, a script) executed and reported
# through the API: Synth records them and never runs them itself.
EXTERNAL = "external"
RUN_TRIGGER_TYPES = (*TRIGGER_TYPES, EXTERNAL)

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

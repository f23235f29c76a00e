"""Starter templates: small working workflows to begin from.

Each starter is a complete definition. Steps that use an app with a connection
(Slack, Gmail) show "Connect Slack to use this step." until the person connects it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Starter:
    """One starter template shown in the picker."""

    key: str
    title: str
    summary: str
    definition: dict[str, Any]


STARTERS: tuple[Starter, ...] = (
    Starter(
        key="webhook_slack",
        title="Webhook → Slack",
        summary="Post a Slack message whenever something calls your webhook URL.",
        definition={
            "name": "Webhook to Slack",
            "intent": "When a form posts to my webhook, tell #general on Slack.",
            "trigger": {"type": "webhook"},
            "actions": [
                {
                    "id": "notify",
                    "type": "slack.post_message",
                    "with": {
                        "channel": "#general",
                        "text": "New submission from {{ trigger.body.name }}",
                    },
                    "retry": {"max_attempts": 3, "backoff_seconds": 2},
                }
            ],
        },
    ),
    Starter(
        key="schedule_http",
        title="Schedule → HTTP check",
        summary="Call a URL every 15 minutes and fail the run if it is down.",
        definition={
            "name": "Uptime check",
            "intent": "Every 15 minutes, check that my site answers with 200.",
            "trigger": {"type": "schedule", "cron": "*/15 * * * *", "timezone": "UTC"},
            "actions": [
                {
                    "id": "ping",
                    "type": "http.request",
                    "with": {
                        "method": "GET",
                        "url": "https://example.com/",
                        "expected_status": 200,
                        "timeout_seconds": 10,
                    },
                    "retry": {"max_attempts": 2, "backoff_seconds": 5},
                },
                {
                    "id": "done",
                    "type": "core.log",
                    "with": {"message": "Up: {{ steps.ping.output.status }}"},
                },
            ],
        },
    ),
    Starter(
        key="manual_log",
        title="Run by hand → log",
        summary="The smallest workflow: press Run now and it writes a line.",
        definition={
            "name": "Hello, Synth",
            "intent": "When I press Run now, write a greeting to the run's log.",
            "trigger": {"type": "manual"},
            "actions": [
                {
                    "id": "hello",
                    "type": "core.log",
                    "with": {"message": "Hello from {{ workflow.name }}"},
                }
            ],
        },
    ),
    Starter(
        key="webhook_gmail",
        title="Webhook → email",
        summary="Email yourself what a webhook receives, through Gmail.",
        definition={
            "name": "Webhook to email",
            "intent": "When my webhook receives a message, email it to me.",
            "trigger": {"type": "webhook"},
            "actions": [
                {
                    "id": "mail",
                    "type": "gmail.send_email",
                    "with": {
                        "to": "me@example.com",
                        "subject": "Webhook: {{ trigger.body.subject }}",
                        "text": "{{ trigger.body | json }}",
                    },
                }
            ],
        },
    ),
    Starter(
        key="schedule_filter_slack",
        title="Schedule → HTTP → filter → Slack",
        summary="Check an API every weekday morning; alert Slack only when needed.",
        definition={
            "name": "Morning backlog alert",
            "intent": "Every weekday at 09:00, alert #ops on Slack if the backlog "
            "has more than 20 open tickets.",
            "trigger": {"type": "schedule", "cron": "0 9 * * 1-5", "timezone": "UTC"},
            "actions": [
                {
                    "id": "backlog",
                    "type": "http.request",
                    "with": {
                        "method": "GET",
                        "url": "https://api.example.com/tickets/open",
                    },
                },
                {
                    "id": "too_many",
                    "type": "core.filter",
                    "with": {"condition": "{{ steps.backlog.output.json.count > 20 }}"},
                },
                {
                    "id": "alert",
                    "type": "slack.post_message",
                    "with": {
                        "channel": "#ops",
                        "text": "{{ steps.backlog.output.json.count }} open tickets.",
                    },
                },
            ],
        },
    ),
)


def get_starter(key: str | None, timezone: str = "UTC") -> Starter | None:
    """Return a starter by key, its schedule set to the person's time zone."""
    for starter in STARTERS:
        if starter.key == key:
            definition = copy.deepcopy(starter.definition)
            if definition["trigger"].get("type") == "schedule":
                definition["trigger"]["timezone"] = timezone or "UTC"
            return Starter(starter.key, starter.title, starter.summary, definition)
    return None

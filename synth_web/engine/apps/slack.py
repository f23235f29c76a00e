"""Slack: post messages with a bot token."""

from __future__ import annotations

from synth_web.engine.actions_slack import run_post_message, verify_slack
from synth_web.engine.apps.base import Action, App, ConnectionField, actions, string

APP = App(
    key="slack",
    name="Slack",
    description="Post messages to channels with a Slack bot.",
    icon="#",
    connection_type="bot_token",
    verify=verify_slack,
    connection_fields=(
        ConnectionField(
            name="bot_token",
            label="Bot token",
            secret=True,
            kind="password",
            help="Starts with xoxb-. Slack app settings → OAuth & Permissions → "
            "Bot User OAuth Token. The app needs the chat:write scope.",
            pattern=r"^xox[bp]-[A-Za-z0-9-]{8,}$",
            pattern_message="A Slack bot token starts with xoxb- and has only "
            "letters, digits and dashes.",
        ),
    ),
    actions=actions(
        Action(
            name="post_message",
            run=run_post_message,
            description="Post a message to a channel.",
            key_params=("channel", "text"),
            schema={
                "type": "object",
                "required": ["channel"],
                "additionalProperties": False,
                "properties": {
                    "channel": string(
                        "Channel name (#sales) or ID (C0123ABC).", minLength=1
                    ),
                    "text": string("The message text.", minLength=1),
                    "blocks": {"type": "array", "description": "Block Kit blocks."},
                },
                "anyOf": [{"required": ["text"]}, {"required": ["blocks"]}],
                "errorMessage": "Give the message a `text` (or `blocks`).",
            },
        ),
    ),
)

"""Slack: post messages with a bot token."""

from __future__ import annotations

from synth_web.engine.apps.base import Action, App, ConnectionField, actions, string

APP = App(
    key="slack",
    name="Slack",
    description="Post messages to channels with a Slack bot.",
    icon="#",
    connection_type="bot_token",
    connection_fields=(
        ConnectionField(
            name="bot_token",
            label="Bot token",
            secret=True,
            kind="password",
            help="Starts with xoxb-. Slack app settings → OAuth & Permissions.",
        ),
    ),
    actions=actions(
        Action(
            name="post_message",
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

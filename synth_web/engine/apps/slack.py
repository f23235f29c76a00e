"""How Slack steps and the Slack connection check call the Web API.

Slack answers almost everything with HTTP 200 and `{"ok": false, "error": code}`;
the codes a person can act on become sentences that say what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app

from synth_web.engine.apps.base import (
    Action,
    App,
    ConnectionField,
    Event,
    actions,
    events,
    string,
)
from synth_web.engine.context import (
    CHECK_TIMEOUT,
    StepContext,
    StepFailed,
    countdown,
)
from synth_web.engine.netguard import Policy, policy_for, session_for
from synth_web.engine.outbound import http_errors

# A Retry-After up to this long is waited out inside the step, once.
MAX_RETRY_AFTER = 5.0
RECONNECT = "connect Slack again in Connections"
ERRORS = {
    "invalid_auth": f"Slack refused the bot token (invalid_auth): {RECONNECT} "
    "with a valid token.",
    "not_authed": f"Slack received no bot token (not_authed): {RECONNECT}.",
    "token_revoked": "The Slack bot token was revoked (token_revoked): reinstall "
    f"the Slack app, then {RECONNECT}.",
    "token_expired": f"The Slack bot token expired (token_expired): {RECONNECT}.",
    "account_inactive": "The Slack bot's account is inactive (account_inactive): "
    f"the app was removed from the workspace; reinstall it, then {RECONNECT}.",
    "channel_not_found": "Slack cannot find the channel {channel} "
    "(channel_not_found): check its name, or invite the bot if it is private.",
    "not_in_channel": "The bot is not a member of {channel} (not_in_channel): "
    "invite it there with /invite @your-bot.",
    "is_archived": "The channel {channel} is archived (is_archived): unarchive it "
    "or post somewhere else.",
    "msg_too_long": "The message is too long for Slack (msg_too_long): keep it "
    "under 40,000 characters.",
    "no_text": "The message is empty (no_text): give the step a `text` or `blocks`.",
    "invalid_blocks": "Slack refused the message's blocks (invalid_blocks): "
    "check them in Slack's Block Kit Builder.",
    "invalid_blocks_format": "Slack refused the message's blocks "
    "(invalid_blocks_format): `blocks` must be a list of block objects.",
    "missing_scope": "The Slack app lacks the `{needed}` permission "
    "(missing_scope): add it under OAuth & Permissions, reinstall the app, then "
    f"{RECONNECT}.",
    "ratelimited": "Slack is rate-limiting this bot (ratelimited): try again "
    "in {retry_after}.",
}
RETRYABLE = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
}


def call_slack(
    method: str,
    payload: dict[str, Any],
    fields: Mapping[str, str],
    settings: Mapping[str, Any],
    policy: Policy,
    remaining: Callable[[], float],
    wait: Callable[[float], None] | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    """Call one Web API method with the bot token and return Slack's answer."""
    token = fields.get("bot_token")
    if not token:
        raise StepFailed(f"Slack is connected without a bot token: {RECONNECT}.")
    url = f"{str(settings['SYNTH_SLACK_API_URL']).rstrip('/')}/{method}"
    for attempt in (1, 2):
        response = post(url, token, payload, policy, remaining())
        pause = retry_after(response)
        if (
            pause is not None
            and wait is not None
            and attempt == 1
            and pause <= min(MAX_RETRY_AFTER, remaining() - 1)
        ):
            wait(pause)
            continue
        return read_answer(response, channel)
    raise AssertionError("unreachable")  # pragma: no cover


def post(
    url: str, token: str, payload: dict[str, Any], policy: Policy, timeout: float
) -> requests.Response:
    """POST a JSON body to Slack through the outbound address guard."""
    parts = urlsplit(url)
    host = parts.hostname or url
    with http_errors(host, timeout, service="Slack"):
        policy.check_host(host, parts.port or (443 if parts.scheme == "https" else 80))
        with session_for(policy) as session:
            return session.post(
                url,
                json=payload,
                headers={"Authorization": f"Bearer {token}"},
                timeout=timeout,
                allow_redirects=False,
            )


def retry_after(response: requests.Response) -> float | None:
    """Return how long Slack asked us to wait, when it rate-limited us."""
    if response.status_code != 429:
        return None
    try:
        return max(0.0, float(response.headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0


def read_answer(response: requests.Response, channel: str | None) -> dict[str, Any]:
    """Return Slack's JSON answer, or raise a step error a person can act on."""
    status = response.status_code
    if status == 429:
        wait = retry_after(response) or 1
        raise StepFailed(
            ERRORS["ratelimited"].format(retry_after=f"{wait:g} s"), retryable=True
        )
    snippet = response.text[:200].strip()
    if status >= 500:
        raise StepFailed(
            f"Slack answered HTTP {status}; it may be having trouble: {snippet}",
            retryable=True,
        )
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict) or "ok" not in data:
        raise StepFailed(
            f"Slack answered HTTP {status}, not the JSON expected: {snippet}"
        )
    if not data["ok"]:
        code = str(data.get("error") or "unknown_error")
        raise StepFailed(explain(code, data, channel), retryable=code in RETRYABLE)
    return data


def explain(code: str, data: Mapping[str, Any], channel: str | None) -> str:
    """Turn a Slack error code into a sentence."""
    template = ERRORS.get(code)
    if template is None:
        return f"Slack refused the request ({code})."
    return template.format(
        channel=channel or "the channel",
        needed=data.get("needed") or "chat:write",
        retry_after="a few seconds",
    )


def run_post_message(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Post a message with chat.postMessage and return its channel and ts."""
    payload = {"channel": params["channel"]}
    for key in ("text", "blocks"):
        if key in params:
            payload[key] = params[key]
    data = call_slack(
        "chat.postMessage",
        payload,
        ctx.connection("slack"),
        ctx.settings,
        ctx.policy,
        ctx.remaining,
        wait=ctx.sleep,
        channel=params["channel"],
    )
    return {"ok": True, "channel": data.get("channel"), "ts": data.get("ts")}


def verify_slack(fields: Mapping[str, str]) -> dict[str, Any]:
    """Check the bot token with auth.test and return the workspace and bot."""
    settings = current_app.config
    data = call_slack(
        "auth.test",
        {},
        fields,
        settings,
        policy_for(settings),
        countdown(CHECK_TIMEOUT),
    )
    facts = {
        "team": data.get("team"),
        "team_id": data.get("team_id"),
        "bot_user": data.get("user"),
        "url": data.get("url"),
    }
    return {key: value for key, value in facts.items() if value}


def list_channels(fields: Mapping[str, str]) -> list[str]:
    """Name the channels the bot can see (conversations.list), for the builder."""
    settings = current_app.config
    data = call_slack(
        "conversations.list",
        {"exclude_archived": True, "limit": 200, "types": "public_channel"},
        fields,
        settings,
        policy_for(settings),
        countdown(CHECK_TIMEOUT),
    )
    channels = data.get("channels") if isinstance(data.get("channels"), list) else []
    names = {c.get("name") for c in channels if isinstance(c, dict)}
    return sorted(f"#{name}" for name in names if isinstance(name, str) and name)


APP = App(
    key="slack",
    name="Slack",
    description="Post messages to channels with a Slack bot.",
    icon="#",
    words=("slack", "channel", "channels"),
    events=events(
        Event(
            name="new_message",
            title="A message is posted in a channel",
            words=("message", "messages", "posts", "posted", "says", "writes"),
            fields=("channel", "user", "text", "ts"),
            summary="New message in {{ trigger.body.channel }}: "
            "{{ trigger.body.text }}",
        ),
        Event(
            name="member_joined",
            title="Someone joins a channel",
            words=("joins", "joined", "new member", "new members"),
            fields=("channel", "user"),
            summary="{{ trigger.body.user }} joined {{ trigger.body.channel }}",
        ),
    ),
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
            title="Send a message",
            words=(
                "post",
                "send",
                "send a message",
                "message",
                "notify",
                "alert",
                "ping",
                "tell",
                "announce",
                "remind",
                "let know",
                "share",
                "say",
                "slack",
            ),
            slots={"channel": "channel", "text": "message"},
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

# Fields whose values the builder can offer from the connection (free text stays).
APP.extra["choices"] = {"channel": list_channels}

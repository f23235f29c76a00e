"""Invented but plausible data for demo runs: payloads, outputs and failures."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from synth_web.models import Workflow


@dataclass(frozen=True)
class Failure:
    """How a step can fail: its message, whether it is retried, how long it takes."""

    message: str
    retryable: bool
    # Milliseconds one attempt takes; None means the step's timeout.
    attempt_ms: tuple[int, int] | None = (60, 900)


FAILURES = {
    "http.request": [
        Failure("HTTP 503 from {host} (expected 2xx): Service Unavailable", True),
        Failure("Timed out after {timeout} s waiting for {host}.", True, None),
        Failure("Could not reach {host}: connection refused", True, (2, 30)),
    ],
    "slack.post_message": [
        Failure(
            "Slack cannot find the channel {channel} (channel_not_found): check its "
            "name, or invite the bot if it is private.",
            False,
        ),
        Failure(
            "Slack is rate-limiting this bot (ratelimited): try again in 30 s.", True
        ),
    ],
    "gmail.send_email": [
        Failure(
            "Gmail refused the app password for me@example.com: check it in "
            "Connections. (535 5.7.8 Username and Password not accepted)",
            False,
            (300, 1200),
        ),
    ],
}


def sample_trigger(workflow: Workflow, created: datetime) -> dict[str, Any]:
    """Invent the payload a run of this workflow would have started with."""
    if workflow.trigger_type == "schedule":
        return {
            "fire_time": created.replace(second=0).isoformat(),
            "cron": workflow.trigger.get("cron"),
        }
    if workflow.trigger_type in ("webhook", "app_event"):
        body = {
            "total": 80 + created.minute * 3,
            "customer": "Ada Lovelace",
            "type": "charge.succeeded",
            "id": f"ch_{created.minute:02d}{created.second:02d}",
        }
        return {
            "body": body,
            "headers": {"content-type": "application/json"},
            "query": {},
            "method": "POST",
            "received_at": created.isoformat(),
        }
    return {"started_by": "Demo Person"}


def sample_output(action: dict[str, Any], given: Any, rng: random.Random) -> Any:
    """Invent a plausible output for a successful step, given its rendered input."""
    kind = action["type"]
    if kind == "http.request":
        return {
            "status": 200,
            "elapsed_ms": rng.randint(90, 2600),
            "json": {
                "count": rng.randint(0, 40),
                "revenue": rng.randint(100, 9000),
                "signups": rng.randint(10, 90),
                "churn": rng.randint(0, 9),
                "age_hours": rng.randint(2, 30),
            },
        }
    if kind == "core.set":
        return dict(given.get("values") or {})
    if kind == "core.log":
        return {"logged": str(given.get("message", "")), "level": "info"}
    if kind == "slack.post_message":
        ts = f"{rng.randint(1700000000, 1800000000)}.000100"
        return {"ok": True, "channel": given["channel"], "ts": ts}
    if kind == "gmail.send_email":
        return {"accepted": [given["to"]], "message_id": f"<{uuid.uuid4()}@synth>"}
    return {}

"""What outbound HTTP failures mean for a step: one mapping for every app.

The http step, Slack's Web API calls and its connection check all send through the
address guard (`netguard.session_for`); whatever requests raises on the way becomes
a `StepFailed` worded the same way, retryable only when trying again can help.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import requests

from synth_web.engine.context import StepFailed
from synth_web.engine.netguard import BlockedAddress

CONNECTION_MARKERS = (
    "Connection refused",
    "Name or service not known",
    "No address associated",
    "Temporary failure in name resolution",
    "Network is unreachable",
)


@contextmanager
def http_errors(host: str, timeout: float, service: str = "") -> Iterator[None]:
    """Turn a failed request to `host` into a step failure that says why.

    `service` names who is behind the host ("Slack"), for the messages.
    """
    try:
        with _refusals(host):
            yield
    except requests.exceptions.Timeout as exc:
        who = f"{service} ({host})" if service else host
        raise StepFailed(
            f"Timed out after {round(timeout, 1):g} s waiting for {who}.",
            retryable=True,
        ) from exc
    except requests.exceptions.TooManyRedirects as exc:
        raise StepFailed(f"{host} redirected more than 5 times.") from exc
    except requests.exceptions.RequestException as exc:
        who = f"{service} at {host}" if service else host
        raise StepFailed(
            f"Could not reach {who}: {plain_reason(exc)}", retryable=True
        ) from exc


@contextmanager
def _refusals(host: str) -> Iterator[None]:
    """Turn a refused address, however deep requests wrapped it, into a refusal."""
    try:
        yield
    except BlockedAddress as exc:
        raise StepFailed(str(exc)) from exc
    except requests.exceptions.RequestException as exc:
        blocked = find_refusal(exc)
        if blocked is None:
            raise
        # urllib3 wrapped the refusal (of a redirect's address, or of an address
        # the name resolved to on connect) as a connection error; trying again
        # would only be refused again.
        message = str(blocked)
        if not message.startswith(f"Refused to connect to {host}:"):
            message += f" (a redirect from {host} led there)"
        raise StepFailed(message) from exc


def find_refusal(exc: BaseException) -> BlockedAddress | None:
    """Return the BlockedAddress behind an error, following causes and reasons."""
    seen: set[int] = set()
    queue: list[object] = [exc]
    while queue:
        current = queue.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, BlockedAddress):
            return current
        queue.extend(
            (current.__cause__, current.__context__, getattr(current, "reason", None))
        )
        queue.extend(current.args)
    return None


def plain_reason(exc: Exception) -> str:
    """Shorten a requests/urllib3 error to its useful last part."""
    text = str(exc.args[0] if exc.args else exc)
    if "Refused to connect" in text:
        return text[text.index("Refused to connect") :].rstrip("')\"")
    for marker in CONNECTION_MARKERS:
        if marker in text:
            return marker.lower()
    return text[:300]

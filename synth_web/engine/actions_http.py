"""How the http.request step runs."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import requests

from synth_web.engine.context import StepContext, StepFailed
from synth_web.engine.netguard import BlockedAddress, session_for

MAX_BODY = 64 * 1024
RETRYABLE_STATUSES = {408, 425, 429, 500, 502, 503, 504}


def run_request(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Send the request and return status, headers and the (cut) body."""
    method = params.get("method", "GET")
    url = params["url"]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StepFailed(f"`{url}` is not an http:// or https:// address.")
    timeout = min(float(params.get("timeout_seconds", 30)), ctx.remaining())
    port = parts.port or (443 if parts.scheme == "https" else 80)
    started = time.monotonic()
    try:
        ctx.policy.check_host(parts.hostname, port)
        with session_for(ctx.policy) as session:
            response = session.request(
                method,
                url,
                headers=params.get("headers"),
                params=params.get("query"),
                json=params.get("json"),
                data=params.get("body"),
                timeout=timeout,
            )
    except BlockedAddress as exc:
        raise StepFailed(str(exc)) from exc
    except requests.exceptions.Timeout as exc:
        raise StepFailed(
            f"Timed out after {round(timeout, 1):g} s waiting for {parts.hostname}.",
            retryable=True,
        ) from exc
    except requests.exceptions.TooManyRedirects as exc:
        raise StepFailed(f"{parts.hostname} redirected more than 5 times.") from exc
    except requests.exceptions.RequestException as exc:
        raise StepFailed(
            f"Could not reach {parts.hostname}: {plain_reason(exc)}", retryable=True
        ) from exc
    output = describe_response(response, started)
    check_status(
        response.status_code, params.get("expected_status"), parts.hostname, output
    )
    return output


def plain_reason(exc: Exception) -> str:
    """Shorten a requests/urllib3 error to its useful last part."""
    text = str(exc.args[0] if exc.args else exc)
    if "Refused to connect" in text:
        return text[text.index("Refused to connect") :].rstrip("')\"")
    for marker in (
        "Connection refused",
        "Name or service not known",
        "No address associated",
        "Temporary failure in name resolution",
        "Network is unreachable",
    ):
        if marker in text:
            return marker.lower()
    return text[:300]


def describe_response(response: requests.Response, started: float) -> dict[str, Any]:
    """Build the step output from a response, cutting long bodies at 64 KB."""
    raw = response.content[: MAX_BODY + 1]
    output: dict[str, Any] = {
        "status": response.status_code,
        "headers": dict(response.headers),
        "elapsed_ms": int((time.monotonic() - started) * 1000),
        "url": response.url,
    }
    content_type = response.headers.get("Content-Type", "")
    if "json" in content_type and len(raw) <= MAX_BODY:
        try:
            output["json"] = response.json()
            return output
        except ValueError:
            pass
    text = raw[:MAX_BODY].decode(response.encoding or "utf-8", errors="replace")
    output["text"] = text
    if len(raw) > MAX_BODY:
        output["truncated"] = True
    return output


def check_status(status: int, expected: Any, host: str, output: dict) -> None:
    """Fail when the status is not the expected one (2xx by default)."""
    if expected is None:
        ok = 200 <= status < 300
        wanted = "2xx"
    else:
        allowed = expected if isinstance(expected, list) else [expected]
        ok = status in allowed
        wanted = ", ".join(map(str, allowed))
    if ok:
        return
    snippet = str(output.get("json", output.get("text", "")))[:200]
    raise StepFailed(
        f"HTTP {status} from {host} (expected {wanted}): {snippet}".rstrip(": "),
        retryable=status in RETRYABLE_STATUSES,
    )

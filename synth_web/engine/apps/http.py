"""How the http.request step runs."""

from __future__ import annotations

import codecs
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import requests

from synth_web.engine.apps.base import Action, App, actions, string
from synth_web.engine.context import StepContext, StepFailed
from synth_web.engine.netguard import session_for
from synth_web.engine.outbound import http_errors

MAX_BODY = 64 * 1024
CHUNK = 16 * 1024
RETRYABLE_STATUSES = {408, 425, 429, 500, 502, 503, 504}


def run_request(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Send the request and return status, headers and the (cut) body.

    The body is streamed and reading stops at MAX_BODY; the whole exchange,
    connecting and every read included, ends at the timeout, when a watchdog
    shuts the socket (a server sending a byte a second is cut off there, and a
    step the runner gave up on does not keep its socket).
    """
    method = params.get("method", "GET")
    url = params["url"]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StepFailed(f"`{url}` is not an http:// or https:// address.")
    timeout = min(float(params.get("timeout_seconds", 30)), ctx.remaining())
    port = parts.port or (443 if parts.scheme == "https" else 80)
    started = time.monotonic()
    with http_errors(parts.hostname, timeout):
        ctx.policy.check_host(parts.hostname, port)
        with session_for(ctx.policy) as session, watchdog(session, timeout) as fired:
            response = session.request(
                method,
                url,
                headers=params.get("headers"),
                params=params.get("query"),
                json=params.get("json"),
                data=params.get("body"),
                timeout=timeout,
                stream=True,
            )
            with response:
                body, cut = read_body(response, fired)
    output = describe_response(response, body, cut, started)
    if cut:
        ctx.log(f"The response body was cut: only its first {MAX_BODY:,} bytes kept.")
    check_status(
        response.status_code, params.get("expected_status"), parts.hostname, output
    )
    return output


@contextmanager
def watchdog(session: requests.Session, seconds: float) -> Iterator[threading.Event]:
    """Cut the session's sockets off after `seconds`; the event tells if it did."""
    fired = threading.Event()
    adapter = session.get_adapter("http://")

    def cut_off() -> None:
        fired.set()
        adapter.cut_off()

    timer = threading.Timer(seconds, cut_off)
    timer.daemon = True
    timer.start()
    try:
        yield fired
    except requests.exceptions.RequestException as exc:
        if fired.is_set():
            raise requests.exceptions.ReadTimeout("the total timeout passed") from exc
        raise
    finally:
        timer.cancel()
        adapter.cut_off()  # nothing of this request lingers (no pooled keep-alive)


def read_body(
    response: requests.Response, fired: threading.Event
) -> tuple[bytes, bool]:
    """Read the body up to MAX_BODY; return it and whether it was cut."""
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_content(CHUNK):
        chunks.append(chunk)
        total += len(chunk)
        if total > MAX_BODY:
            return b"".join(chunks)[:MAX_BODY], True
    if fired.is_set():
        # The watchdog's shutdown looks like the end of a body without a length.
        raise requests.exceptions.ReadTimeout("the total timeout passed")
    return b"".join(chunks), False


def describe_response(
    response: requests.Response, body: bytes, cut: bool, started: float
) -> dict[str, Any]:
    """Build the step output from a response and its (cut) body."""
    output: dict[str, Any] = {
        "status": response.status_code,
        "headers": dict(response.headers),
        "elapsed_ms": int((time.monotonic() - started) * 1000),
        "url": response.url,
    }
    encoding = response.encoding or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"  # a charset nobody knows: read it as UTF-8
    content_type = response.headers.get("Content-Type", "")
    if "json" in content_type and not cut:
        try:
            output["json"] = json.loads(body.decode(encoding, errors="replace"))
            return output
        except ValueError:
            pass
    output["text"] = body.decode(encoding, errors="replace")
    if cut:
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


METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]

APP = App(
    key="http",
    name="HTTP",
    description="Call any web API over HTTPS or HTTP.",
    icon="⇄",
    words=("http", "api", "url", "endpoint", "web address"),
    actions=actions(
        Action(
            name="request",
            run=run_request,
            title="Send a request",
            words=(
                "fetch",
                "get",
                "call",
                "request",
                "hit",
                "ping",
                "check",
                "grab",
                "download",
                "poll",
                "monitor",
                "load",
                "forward",
                "send",
                "post",
                "put",
                "patch",
                "delete",
            ),
            slots={"url": "url", "method": "method", "json": "payload"},
            description="Send an HTTP request and keep the response.",
            key_params=("method", "url"),
            schema={
                "type": "object",
                "required": ["url"],
                "additionalProperties": False,
                "properties": {
                    "method": {"enum": METHODS},
                    "url": string(
                        "The address to call.",
                        pattern=r"^https?://\S+$",
                        errorMessage="Must start with http:// or https://.",
                    ),
                    "headers": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                    },
                    "query": {
                        "type": "object",
                        "additionalProperties": {
                            "type": ["string", "number", "boolean"]
                        },
                    },
                    "json": {"description": "A JSON body."},
                    "body": string("A raw body."),
                    "timeout_seconds": {
                        "type": "number",
                        "exclusiveMinimum": 0,
                        "maximum": 120,
                    },
                    "expected_status": {
                        "oneOf": [
                            {"type": "integer", "minimum": 100, "maximum": 599},
                            {
                                "type": "array",
                                "minItems": 1,
                                "items": {
                                    "type": "integer",
                                    "minimum": 100,
                                    "maximum": 599,
                                },
                            },
                        ]
                    },
                },
                "not": {"required": ["json", "body"]},
                "errorMessage": "Send either `json` or `body`, not both.",
            },
        ),
    ),
)

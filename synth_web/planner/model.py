"""The model brain: any OpenAI-compatible chat completions endpoint, checked twice.

It sends the rules, the catalog, the person and the conversation (model_prompt),
asks for the Plan JSON schema as `response_format` (a server that refuses that
gets the schema in the prompt only), and reads the answer as data (model_answer).
Problems get one repair round. A timeout (SYNTH_PLANNER_TIMEOUT for the whole
plan, both rounds), an error, or a second invalid answer falls back to the
offline brain, and the Plan says so (`fallback`, and its first assumption).

The endpoint is the operator's configuration, not a person's input: it may be on
this machine (Ollama, llama.cpp), so the outbound guard of steps does not apply.
The API key is read from the environment for each request and never stored,
logged or shown.
"""

from __future__ import annotations

import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

import requests
from flask import current_app, has_app_context

from synth_web.planner.contract import Plan, PlanContext
from synth_web.planner.model_answer import read_answer
from synth_web.planner.model_prompt import PLAN_SCHEMA, messages_for, repair_message
from synth_web.planner.offline import OfflineBrain
from synth_web.planner.safety import check_safety
from synth_web.planner.text import read_request

log = logging.getLogger(__name__)
MAX_RESPONSE_BYTES = 512 * 1024
CONNECT_SECONDS = 5.0
# Calls run in these threads so a plan waits no longer than its deadline, even
# for a server that sends a byte now and then.
CALLS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="synth-model")
# Endpoints that refused `response_format`: asked without it from then on.
NO_SCHEMA: set[str] = set()


class ModelFailed(Exception):
    """The model could not give an answer; the message says why, without secrets."""


@dataclass(frozen=True)
class Endpoint:
    """Where the model is and how long a plan may wait for it."""

    url: str
    model: str
    timeout: float

    @classmethod
    def configured(cls) -> Endpoint | None:
        """Read the endpoint from the app's settings (or the environment)."""
        url = setting("SYNTH_PLANNER_URL", "")
        if not url:
            return None
        url = url.rstrip("/")
        if not url.endswith("/chat/completions"):
            url += "/chat/completions"
        timeout = float(setting("SYNTH_PLANNER_TIMEOUT", 20.0))
        return cls(url, setting("SYNTH_PLANNER_MODEL", ""), timeout)


def setting(name: str, default: Any) -> Any:
    """Read a planner setting from the app's config, else the environment."""
    if has_app_context():
        return current_app.config.get(name, default)
    return os.environ.get(name, "").strip() or default


class ModelBrain:
    """Plan with a language model; fall back to the offline brain."""

    name = "model"

    def plan(self, text: str, context: PlanContext) -> Plan:
        """Ask the model for a Plan, repair it once, or fall back."""
        # Requests against the person never reach a model: the same rules answer.
        refusal = check_safety(read_request(text, ()).raw)
        if refusal is not None:
            return refusal
        endpoint = Endpoint.configured()
        if endpoint is None:
            return fall_back(text, context, "No model is configured.")
        deadline = time.monotonic() + endpoint.timeout
        messages = messages_for(text, context)
        try:
            content = complete(endpoint, messages, deadline)
            answer, problems = read_answer(content, context)
            if answer is None:
                messages += [
                    {"role": "assistant", "content": content[:8000]},
                    repair_message(problems),
                ]
                content = complete(endpoint, messages, deadline)
                answer, problems = read_answer(content, context)
        except ModelFailed as exc:
            return fall_back(text, context, str(exc))
        if answer is None:
            log.warning(
                "planner model: invalid after repair (%d problems)", len(problems)
            )
            return fall_back(
                text, context, "The model's answer was still invalid after a repair."
            )
        answer.memory_used = read_for_use(context)
        return answer


def read_for_use(context: PlanContext) -> list[int]:
    """Return the memory entries the prompt carried: all were read for use."""
    ids = [note.memory_id for note in context.notes]
    ids += [p.memory_id for p in context.preferences.values() if p.memory_id]
    return list(dict.fromkeys(ids))


def fall_back(text: str, context: PlanContext, reason: str) -> Plan:
    """Plan offline, and say why the model did not answer."""
    answer = OfflineBrain().plan(text, context)
    answer.fallback = reason
    answer.assumptions.insert(0, f"{reason} The offline planner answered instead.")
    return answer


def complete(endpoint: Endpoint, messages: list[dict], deadline: float) -> str:
    """Send the conversation and return the model's text, within the deadline."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise ModelFailed(f"The model did not answer within {endpoint.timeout:g} s.")
    future = CALLS.submit(call, endpoint, messages, remaining)
    try:
        return future.result(timeout=remaining)
    except FutureTimeout:
        future.cancel()
        log.warning("planner model: no answer within %.1f s", endpoint.timeout)
        raise ModelFailed(
            f"The model did not answer within {endpoint.timeout:g} s."
        ) from None


def call(endpoint: Endpoint, messages: list[dict], remaining: float) -> str:
    """Make the HTTP request (in a worker thread) and read the message's text."""
    use_schema = endpoint.url not in NO_SCHEMA
    status, raw = post(endpoint, messages, remaining, use_schema)
    refused = any(word in raw.lower() for word in (b"response_format", b"json_schema"))
    if status == 400 and use_schema and refused:
        NO_SCHEMA.add(endpoint.url)  # an older server: the schema stays in the prompt
        status, raw = post(endpoint, messages, remaining, False)
    if status != 200:
        log.warning("planner model: HTTP %s", status)
        raise ModelFailed(f"The model answered HTTP {status}.")
    try:
        content = json.loads(raw)["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        content = None
    if not isinstance(content, str):
        raise ModelFailed("The model's answer was not a chat completion.")
    return content


def post(
    endpoint: Endpoint, messages: list[dict], remaining: float, use_schema: bool
) -> tuple[int, bytes]:
    """POST the chat completion request; return the status and the bounded body."""
    body: dict[str, Any] = {"messages": messages, "temperature": 0}
    if endpoint.model:
        body["model"] = endpoint.model
    if use_schema:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "plan", "schema": PLAN_SCHEMA, "strict": False},
        }
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    key = os.environ.get("SYNTH_PLANNER_API_KEY", "").strip()
    if key:
        headers["Authorization"] = f"Bearer {key}"
    try:
        with requests.post(
            endpoint.url,
            json=body,
            headers=headers,
            timeout=(min(CONNECT_SECONDS, remaining), remaining),
            stream=True,
            allow_redirects=False,
        ) as response:
            return response.status_code, read_bounded(response)
    except requests.Timeout:
        raise ModelFailed(
            f"The model did not answer within {endpoint.timeout:g} s."
        ) from None
    except requests.RequestException:
        raise ModelFailed("The model could not be reached.") from None


def read_bounded(response: requests.Response) -> bytes:
    """Read a response body of at most MAX_RESPONSE_BYTES."""
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise ModelFailed("The model's answer was larger than 512 KB.")
        chunks.append(chunk)
    return b"".join(chunks)

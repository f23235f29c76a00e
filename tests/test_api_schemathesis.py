"""schemathesis runs the whole OpenAPI document against the app.

The app is served from this process over loopback HTTP (schemathesis' own WSGI
transport breaks on its engine's transport settings in 4.32). Its engine (what
`schemathesis run` uses) calls every operation with examples, coverage cases
and fuzzed valid and invalid input, a bounded number each, with a real token
and one object of each kind to find. Only the committed schemathesis.toml
configures it (every check on, one fixed seed): this test gives it the server's
address and the token through the variables the file names. No check may fail.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from schemathesis.engine import Status, events

from synth_web import ROOT
from synth_web.chat.writing import append_message
from synth_web.memory.services import create_memory
from synth_web.tokens.services import create_token
from tests.conftest import add_workflow

CONFIG = ROOT / "schemathesis.toml"
FLOOR = 1000  # fewer checks than this means most operations were not tested


@dataclass
class Outcome:
    """What one engine run did: checks run, checks failed, errors."""

    checks: int = 0
    by_check: Counter = field(default_factory=Counter)
    operations: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Runs the fuzzer starts stay queued: nothing executes in the background.
    return {"SYNTH_EXECUTOR": "external"}


@pytest.fixture
def token(app, user) -> str:
    """A token with both scopes, and one object of each kind to find."""
    add_workflow(
        app, user, [{"id": "log", "type": "core.log", "with": {"message": "hi"}}]
    )
    with app.app_context():
        create_memory(user.id, "preference", "Short answers.", 0.9)
        append_message(user.id, "c1", "user", "Hello")
        return create_token(user.id, "fuzzer", ["read", "write"]).secret


def describe(event: Any, case_id: str, info: Any) -> str:
    """Say which check failed, with the request that made it fail."""
    interaction = event.recorder.interactions.get(case_id)
    sent = ""
    if interaction is not None:
        request = interaction.request
        sent = f"\n{request.method} {request.uri}\n{request.body!r}"
        if interaction.response is not None:
            answer = interaction.response
            sent += f"\n-> {answer.status_code} {(answer.content or b'')[:500]!r}"
    return f"{event.label}: {info.failure.title}{sent}\n{info.code_sample}"


def run_engine(base_url: str, token: str) -> Outcome:
    """Run schemathesis as schemathesis.toml says and tally its checks."""
    os.environ["SYNTH_API_URL"] = base_url
    os.environ["SYNTH_API_TOKEN"] = token
    config = schemathesis.Config.from_path(CONFIG)
    schema = schemathesis.openapi.from_url(
        f"{base_url}/api/v1/openapi.json", config=config
    )
    outcome = Outcome()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            if event.label:
                outcome.operations.add(event.label)
            for case_id, nodes in event.recorder.checks.items():
                outcome.checks += len(nodes)
                outcome.by_check.update(node.name for node in nodes)
                for node in nodes:
                    if node.status == Status.FAILURE and node.failure_info:
                        outcome.failures.append(
                            describe(event, case_id, node.failure_info)
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            outcome.errors.append(f"{getattr(event, 'label', '')}: {event.info}")
    return outcome


def test_api_conforms_to_its_document(live_server, token, engine_kind, monkeypatch):
    monkeypatch.setenv("SYNTH_API_URL", "")  # restored after the test
    monkeypatch.setenv("SYNTH_API_TOKEN", "")
    outcome = run_engine(live_server, token)
    print(
        f"\nschemathesis on {engine_kind}: {outcome.checks} checks over "
        f"{len(outcome.operations)} operations, {len(outcome.failures)} failed"
        f"\n{dict(outcome.by_check)}"
    )
    report = os.environ.get("SYNTH_SCHEMATHESIS_REPORT")
    if report:
        with open(report, "w") as handle:
            handle.write("\n\n".join(outcome.errors + outcome.failures))
    assert outcome.errors == []
    assert outcome.failures == []
    assert outcome.checks >= FLOOR
    assert "positive_data_acceptance" in outcome.by_check

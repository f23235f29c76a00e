"""Runs whose stored records are huge or deeply nested still show, cut."""

from __future__ import annotations

import time

import pytest

from tests.api_support import Api, make_token
from tests.run_factories import add_run, add_workflow


def nested(depth: int) -> object:
    """Return a value nested `depth` levels deep."""
    value: object = "bottom"
    for _ in range(depth):
        value = {"deeper": [value]}
    return value


def step(output: object, error: str | None = None) -> dict:
    return {
        "id": "big",
        "type": "core.set",
        "status": "failure" if error else "success",
        "attempts": 1,
        "input": {"values": output},
        "output": output,
        "error": error,
    }


# Each is far over what the engine keeps now (1 MB a value, 2 MB a step, nesting
# 64 levels), and small enough to insert in a second or two.
RECORDS = {
    "a 4 MB string": [step("a" * 4_000_000)],
    "200,000 items": [step(list(range(200_000)))],
    "nested 800 levels": [step(nested(400))],
    "20,000 steps": [step("x")] * 20_000,
    "a 2 MB error": [step("x", error="e" * 2_000_000)],
}


@pytest.fixture
def huge_run(request, app, user):
    results = request.param
    workflow = add_workflow(app, user.id)
    return add_run(
        app,
        workflow,
        user.id,
        status="failure",
        results=results,
        error_log="E" * 1_500_000,
        meta={"trigger": nested(200)},
    )


@pytest.mark.parametrize("huge_run", RECORDS.values(), ids=RECORDS, indirect=True)
def test_the_run_page_and_the_api_show_huge_records_cut(app, signed_in, user, huge_run):
    began = time.monotonic()
    page = signed_in.get(f"/executions/{huge_run}")
    assert page.status_code == 200
    assert len(page.data) < 2_000_000
    assert "cut" in page.get_data(as_text=True)
    answer = Api(app.test_client(), make_token(app, user)).get(
        f"/executions/{huge_run}"
    )
    assert answer.status_code == 200
    assert len(answer.data) < 2_000_000
    body = answer.get_json()
    assert len(body["results"]) <= 200
    assert "more characters cut" in body["error_log"]
    assert time.monotonic() - began < 20

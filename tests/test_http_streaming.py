"""http.request streams: it stops at the body cap and at the total timeout."""

from __future__ import annotations

import time

import pytest

from synth_web.engine.apps.http import MAX_BODY
from tests.servers import StreamServer
from tests.test_engine import add_workflow, http_step, run

MB = 1024 * 1024


@pytest.fixture
def app_config():
    return {"SYNTH_ALLOW_PRIVATE_NETWORK": True}


def test_a_huge_body_is_cut_and_the_server_is_hung_up_on(app, user):
    server = StreamServer(size=400 * MB)
    try:
        execution = run(app, add_workflow(app, user, [http_step(server.url())]))
        assert server.finished.wait(10)
    finally:
        server.close()
    assert execution.status == "success", execution.error_log
    record = execution.results[0]
    assert record["output"]["truncated"] is True
    assert len(record["output"]["text"]) == MAX_BODY
    assert "The response body was cut" in record["logs"][0]
    # The client hung up after the cap: what the server managed to push is what
    # fits in the two sockets' buffers, not 400 MB.
    assert server.hung_up_at is not None
    print(f"server sent {server.sent:,} bytes before the hang-up")
    assert server.sent < 16 * MB


def test_a_slow_drip_stops_at_the_total_timeout(app, user):
    # One byte every 50 ms never trips a per-read timeout; the total one ends it.
    server = StreamServer(size=10_000, chunk=1, pause=0.05)
    step = http_step(server.url(), with_={"timeout_seconds": 1})
    began = time.monotonic()
    try:
        execution = run(app, add_workflow(app, user, [step]))
        assert server.finished.wait(5)
    finally:
        server.close()
    assert time.monotonic() - began < 3
    assert execution.status == "failure"
    assert "Timed out after 1 s waiting for 127.0.0.1." in execution.error_log
    assert 0 < server.sent < 100


def test_an_abandoned_step_releases_its_socket(app, user):
    # The step's own timeout (1 s) is shorter than the request's (30 s): the
    # runner gives up on the step, and its socket is shut at that deadline too.
    server = StreamServer(size=10_000, chunk=1, pause=0.05)
    step = http_step(server.url(), timeout_seconds=1)
    began = time.monotonic()
    try:
        execution = run(app, add_workflow(app, user, [step]))
        assert server.finished.wait(5)
    finally:
        server.close()
    assert execution.status == "failure"
    assert server.hung_up_at is not None
    assert server.hung_up_at - began < 3

"""Outbound requests refuse private networks, checked on every connection."""

from __future__ import annotations

import pytest

from synth_web.engine.netguard import Policy
from tests.servers import FakeServer
from tests.test_engine import add_workflow, http_step, run


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "::1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "224.0.0.1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "100.64.0.1",
    ],
)
def test_policy_refuses_non_public_addresses(address):
    assert Policy().refusal(address) is not None


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "2606:4700:4700::1111", "1.1.1.1"]
)
def test_policy_allows_public_addresses(address):
    assert Policy().refusal(address) is None


def test_policy_allow_list_and_switch():
    assert Policy(allow_private=True).refusal("127.0.0.1") is None
    allowed = Policy.from_config(False, ["10.1.0.0/16"])
    assert allowed.refusal("10.1.2.3") is None
    assert allowed.refusal("10.2.0.1") is not None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9/", "127.0.0.1 is a loopback address"),
        ("http://[::1]:9/", "::1 is a loopback address"),
        ("http://10.0.0.1/", "10.0.0.1 is a private address"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "169.254.169.254 is a link-local address",
        ),
        ("http://localhost:9/", "is a loopback address"),
    ],
)
def test_http_step_refuses_private_destinations(app, user, url, reason):
    execution = run(app, add_workflow(app, user, [http_step(url)]))
    assert execution.status == "failure"
    assert "Refused to connect to" in execution.error_log
    assert reason in execution.error_log
    assert execution.results[0]["attempts"] == 1  # a refusal is not retried


def test_redirect_to_loopback_is_refused(app, user):
    # The first hop (127.0.0.2) is explicitly allowed; its redirect to 127.0.0.1 is not.
    target = FakeServer("127.0.0.1")
    target.route("/secret", body={"secret": "metadata"})
    hop = FakeServer("127.0.0.2")
    hop.route("/go", status=302, body="", headers={"Location": target.url("/secret")})
    app.config["SYNTH_OUTBOUND_ALLOW"] = ["127.0.0.2/32"]
    try:
        execution = run(app, add_workflow(app, user, [http_step(hop.url("/go"))]))
    finally:
        hop.close()
        target.close()
    assert execution.status == "failure"
    assert "127.0.0.1 is a loopback address" in execution.error_log
    assert target.requests == []
    assert len(hop.requests) == 1


def test_allowed_network_is_reachable(app, user):
    server = FakeServer("127.0.0.2")
    server.route("/ok", body={"ok": True})
    app.config["SYNTH_OUTBOUND_ALLOW"] = ["127.0.0.2/32"]
    try:
        execution = run(app, add_workflow(app, user, [http_step(server.url("/ok"))]))
    finally:
        server.close()
    assert execution.status == "success", execution.error_log


def test_redirect_to_a_refused_address_is_a_refusal_not_retried(app, user):
    target = FakeServer("127.0.0.1")
    target.route("/secret", body={"secret": "metadata"})
    hop = FakeServer("127.0.0.2")
    hop.route("/go", status=302, body="", headers={"Location": target.url("/secret")})
    app.config["SYNTH_OUTBOUND_ALLOW"] = ["127.0.0.2/32"]
    step = http_step(hop.url("/go"), retry={"max_attempts": 3, "backoff_seconds": 5})
    try:
        execution = run(app, add_workflow(app, user, [step]))
    finally:
        hop.close()
        target.close()
    assert execution.status == "failure"
    assert execution.results[0]["attempts"] == 1
    assert len(hop.requests) == 1
    assert "Could not reach" not in execution.error_log
    assert "Refused to connect to 127.0.0.1: 127.0.0.1 is a loopback address." in (
        execution.error_log
    )
    assert "(a redirect from 127.0.0.2 led there)" in execution.error_log

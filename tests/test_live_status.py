"""Live run pages poll cheaply: an unchanged run answers 204 from Redis (issue 20)."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
import redis
from flask import request_started

from synth_web.auth.sessions import revoke
from synth_web.engine import live, runs
from synth_web.extensions import db
from synth_web.models import Workflow
from synth_web.workflows.services import delete_workflow
from tests.conftest import counting, make_user
from tests.run_factories import add_run, add_workflow

REDIS_URL = os.environ.get("SYNTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
HX = {"HX-Request": "true"}


@pytest.fixture
def app_config():
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            raise RuntimeError(f"Redis is not answering at {REDIS_URL}") from None
        pytest.skip("Redis is not running")
    return {"SYNTH_LIVE_REDIS_URL": REDIS_URL}


@pytest.fixture(autouse=True)
def no_readings_of_earlier_tests(app):
    """Each test on PostgreSQL numbers its runs from 1 again: drop what earlier
    tests kept in Redis for this database (readings live up to 10 s)."""
    with app.app_context():
        prefix = live._prefix()
    broker = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    kept = list(broker.scan_iter(match=f"{prefix}*"))
    if kept:
        broker.delete(*kept)


@contextmanager
def flask_requests(app):
    """Record each request Flask itself handles (not one a middleware answered)."""
    seen = []

    def started(_sender, **_extra):
        seen.append("started")

    with request_started.connected_to(started, app):
        yield seen


def poll(client, run_id, version):
    return client.get(
        f"/executions/{run_id}/status?seen=running&v={version}", headers=HX
    )


def test_an_unchanged_poll_sends_no_query(app, signed_in, user):
    run_id = add_run(app, add_workflow(app, user.id), user.id, status="running")
    assert poll(signed_in, run_id, "running-0").status_code == 204  # keeps both
    with counting(app) as seen:
        assert poll(signed_in, run_id, "running-0").status_code == 204
        assert poll(signed_in, run_id, "running-0").status_code == 204
    assert seen == []  # neither the browser session nor the run: Redis vouched


def test_a_kept_session_polls_a_dropped_reading_with_one_query(app, signed_in, user):
    run_id = add_run(app, add_workflow(app, user.id), user.id, status="running")
    assert poll(signed_in, run_id, "running-0").status_code == 204  # keeps both
    with app.test_request_context():
        live.changed([run_id])  # as a write does: the run's reading is dropped
    with counting(app) as seen:
        assert poll(signed_in, run_id, "running-0").status_code == 204
    assert len(seen) == 1 and "executions.status" in seen[0]  # the run, no sign-in
    with counting(app) as seen:
        assert poll(signed_in, run_id, "running-0").status_code == 204
    assert seen == []  # kept again


def test_readings_expire_spread_over_the_last_half_of_their_life(app, user):
    run_id = add_run(app, add_workflow(app, user.id), user.id, status="running")
    lives = set()
    with app.test_request_context():
        for _ in range(20):
            live.changed([run_id])
            live.keep(run_id, live.look(run_id), user.id, "running", 0)
            value_key = live._keys(run_id)[0]
            lives.add(live._client(REDIS_URL).pttl(value_key))
    assert all(
        live.READING_SECONDS * 500 - 50 <= ms <= live.READING_SECONDS * 1000
        for ms in lives
    )
    assert len(lives) > 1  # pages opened together do not all expire together


def test_a_session_revoked_elsewhere_ends_its_polls_at_once(app, client, auth, user):
    run_id = add_run(app, add_workflow(app, user.id), user.id, status="running")
    auth.login()
    assert poll(client, run_id, "running-0").status_code == 204
    with app.app_context():
        assert revoke(user.id, "signed out everywhere") == 1
    assert poll(client, run_id, "running-0").status_code in (302, 401)


def test_a_change_shows_at_the_next_poll(app, signed_in, user):
    run_id = add_run(app, add_workflow(app, user.id), user.id, status="running")
    assert poll(signed_in, run_id, "running-0").status_code == 204
    with app.app_context():
        runs.write_results(run_id, [{"id": "a", "status": "success", "output": {}}])
    response = poll(signed_in, run_id, "running-0")
    assert response.status_code == 200
    assert "v=running-1" in response.text
    assert poll(signed_in, run_id, "running-1").status_code == 204
    with app.app_context():
        assert runs.finish(run_id, "success", None, None)
    assert poll(signed_in, run_id, "running-1").status_code == 286


def test_another_persons_poll_is_404_while_the_owners_is_kept(app, client, auth, user):
    run_id = add_run(app, add_workflow(app, user.id), user.id, status="running")
    auth.login()
    assert poll(client, run_id, "running-0").status_code == 204
    auth.logout()
    eve = make_user(app, "eve@example.com")
    eves_run = add_run(app, add_workflow(app, eve.id), eve.id, status="running")
    auth.login(email="eve@example.com")
    assert poll(client, run_id, "running-0").status_code == 404
    assert poll(client, eves_run, "running-0").status_code == 204  # Eve is vouched
    assert poll(client, run_id, "running-0").status_code == 404  # still not hers


def test_signing_out_ends_polls_even_while_kept(app, client, auth, user):
    run_id = add_run(app, add_workflow(app, user.id), user.id, status="running")
    auth.login()
    assert poll(client, run_id, "running-0").status_code == 204
    auth.logout()
    response = poll(client, run_id, "running-0")
    assert response.status_code in (302, 401)


def test_a_reading_taken_before_a_change_is_not_kept(app, user):
    run_id = add_run(app, add_workflow(app, user.id), user.id, status="running")
    with app.test_request_context():
        seen = live.look(run_id)
        runs.write_results(run_id, [{"id": "a", "status": "success", "output": {}}])
        live.keep(run_id, seen, user.id, "running", 0)  # read before the write
        assert live.look(run_id).reading is None
        live.keep(run_id, live.look(run_id), user.id, "running", 1)
        assert live.look(run_id).reading == (user.id, "running", 1)


def test_without_redis_polls_read_the_database(app, signed_in, user):
    app.config["SYNTH_LIVE_REDIS_URL"] = f"redis://127.0.0.1:1/{uuid.uuid4().int % 16}"
    run_id = add_run(app, add_workflow(app, user.id), user.id, status="running")
    assert poll(signed_in, run_id, "running-0").status_code == 204
    with app.app_context():
        runs.write_results(run_id, [{"id": "a", "status": "success", "output": {}}])
    assert poll(signed_in, run_id, "running-0").status_code == 200


def test_a_signed_out_poll_is_sent_to_sign_in_whatever_it_asks(app, client, user):
    run_id = add_run(app, add_workflow(app, user.id), user.id, status="running")
    for query in ("part=bogus", "v=running-0", "part=row&v=running"):
        response = client.get(f"/executions/{run_id}/status?{query}")
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_deleting_its_workflow_ends_a_kept_runs_polls(app, signed_in, user):
    workflow_id = add_workflow(app, user.id)
    run_id = add_run(app, workflow_id, user.id, status="running")
    assert poll(signed_in, run_id, "running-0").status_code == 204  # kept
    with app.test_request_context():
        delete_workflow(db.session.get(Workflow, workflow_id))
    assert poll(signed_in, run_id, "running-0").status_code == 404


def test_a_vouched_poll_is_answered_before_flask_with_the_views_headers(
    app, signed_in, user
):
    run_id = add_run(app, add_workflow(app, user.id), user.id, status="running")
    by_view = poll(signed_in, run_id, "running-0")  # signs in: the view answers
    with flask_requests(app) as hooks:
        by_middleware = poll(signed_in, run_id, "running-0")  # vouched now
    assert by_view.status_code == by_middleware.status_code == 204
    assert hooks == []  # no request context: no hook, no limiter, no sign-in
    assert by_middleware.data == b""
    expected = {k: v for k, v in by_view.headers.items() if k != "Content-Type"}
    assert dict(by_middleware.headers) == expected


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("HEAD", "/executions/{run}/status?v=running-0", HX),
        ("GET", "/executions/{run}/status?v=running-0", {}),  # a whole page
        ("GET", "/executions/{run}/status?v=running-0", {**HX, "HX-Boosted": "true"}),
        ("GET", "/executions/{run}/status?part=bogus&v=running-0", HX),
        ("GET", "/executions/{run}/status?v=running-0&x=%00", HX),
        ("GET", "/executions/{run}/status?v=running-0&pad=" + "x" * 300, HX),
        ("GET", "/executions/99999999999/status?v=running-0", HX),
    ],
)
def test_polls_the_middleware_cannot_vouch_for_go_to_the_view(
    app, signed_in, user, method, path, headers
):
    run_id = add_run(app, add_workflow(app, user.id), user.id, status="running")
    assert poll(signed_in, run_id, "running-0").status_code == 204  # vouched
    with flask_requests(app) as hooks:
        signed_in.open(path.format(run=run_id), method=method, headers=headers)
    assert hooks == ["started"]


def test_a_forged_session_cookie_is_not_vouched_for(app, client, auth, user):
    run_id = add_run(app, add_workflow(app, user.id), user.id, status="running")
    auth.login()
    assert poll(client, run_id, "running-0").status_code == 204  # vouched
    cookie = client.get_cookie("session").value
    client.set_cookie("session", cookie[:-2] + ("AA" if cookie[-2:] != "AA" else "BB"))
    assert poll(client, run_id, "running-0").status_code == 401  # htmx: to sign in

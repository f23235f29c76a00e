"""The webhook hot path (issue 20): few statements, claimed on insert, cached."""

from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import DisconnectionError

from synth_web import database
from synth_web.engine import checks
from synth_web.extensions import db
from synth_web.models import Workflow
from tests.conftest import add_workflow, counting
from tests.run_factories import add_run, get_run

SET_TOTAL = [
    {
        "id": "order",
        "type": "core.set",
        "with": {"values": {"total": "{{ trigger.body.total }}"}},
    }
]
# A webhook run, from the POST to its end: read the workflow (and whether it
# listens for a test event), insert the run already running, finish it with its
# results. Raising this needs a reason: every webhook pays for each statement.
STATEMENTS_PER_WEBHOOK_RUN = 3


@pytest.fixture
def app_config():
    return {"SYNTH_WORKERS": 2, "SYNTH_MAX_RUNNING_PER_USER": 1}


@pytest.fixture
def hook(app, user):
    workflow_id = add_workflow(app, user, SET_TOTAL, trigger={"type": "webhook"})
    with app.app_context():
        token = db.session.get(Workflow, workflow_id).webhook_token
    return workflow_id, f"/hooks/{token}"


def run_to_end(app, client, path):
    """Post one webhook and wait for every run of the pool to end."""
    response = client.post(path, json={"total": 150})
    assert response.status_code == 202, response.get_json()
    app.extensions["synth_executor"].shutdown(wait=True)
    return response.get_json()


def test_a_webhook_run_costs_a_fixed_number_of_statements(app, client, hook):
    _, path = hook
    run_to_end(app, client, path)  # warm: first connections, caches
    with counting(app) as seen:
        body = run_to_end(app, client, path)
    assert len(seen) == STATEMENTS_PER_WEBHOOK_RUN, "\n".join(seen)
    assert body["status"] == "running"
    run = get_run(app, body["execution_id"])
    assert run.status == "success", run.error_log
    assert run.results[0]["output"] == {"total": 150}
    assert run.meta["worker"]
    assert run.started_at is not None
    assert run.heartbeat_at is not None


def test_a_person_at_their_fair_share_is_queued_not_claimed(app, client, hook, user):
    workflow_id, path = hook
    add_run(app, workflow_id, user.id, status="running")
    response = client.post(path, json={"total": 1})
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "queued"
    run = get_run(app, body["execution_id"])
    assert run.status == "queued"
    assert run.started_at is None
    assert run.heartbeat_at is None


def test_an_older_queued_run_keeps_its_turn(app, client, hook, user):
    workflow_id, path = hook
    add_run(app, workflow_id, user.id, status="queued")
    body = client.post(path, json={"total": 1}).get_json()
    assert body["status"] == "queued"


def test_a_busy_pool_queues_the_run(app, client, hook):
    _, path = hook
    pool = app.extensions["synth_executor"]
    assert pool.reserve() and pool.reserve()  # both slots held
    try:
        body = client.post(path, json={"total": 1}).get_json()
        assert body["status"] == "queued"
    finally:
        pool.release()
        pool.release()


def test_validation_is_cached_until_the_workflow_changes(app, hook, monkeypatch):
    workflow_id, _ = hook
    calls = []
    real = checks.validate_definition

    def counted(definition, connections):
        calls.append(1)
        return real(definition, connections)

    monkeypatch.setattr(checks, "validate_definition", counted)
    with app.app_context():
        workflow = db.session.get(Workflow, workflow_id)
        assert checks.workflow_problems(workflow, {}) == []
        assert checks.workflow_problems(workflow, {}) == []
        assert len(calls) == 1
        # Changed in memory, not saved: validated afresh, never from the cache.
        workflow.actions = [{"id": "x", "type": "nope.nothing", "with": {}}]
        assert checks.workflow_problems(workflow, {})
        db.session.commit()  # saved: updated_at moves, a new key
        assert checks.workflow_problems(workflow, {})
        assert len(calls) == 3
        # Another connection state is another key.
        checks.workflow_problems(workflow, {"slack": "inactive"})
        assert len(calls) == 4


class Record:
    """Stands in for a pool's connection record: only its `info` is used."""

    def __init__(self, checked_in: float | None) -> None:
        self.info = {} if checked_in is None else {"checked_in": checked_in}


def test_a_connection_used_a_moment_ago_is_not_pinged(tmp_path):
    dead = sqlite3.connect(tmp_path / "x.db")
    dead.close()  # any query on it fails: not pinged, so no error
    database.ping_after_idle(dead, Record(time.monotonic()), None)
    database.ping_after_idle(dead, Record(None), None)  # just opened


def test_an_idle_connection_is_pinged_and_a_dead_one_replaced(tmp_path):
    idle = time.monotonic() - database.IDLE_PING_SECONDS - 1
    alive = sqlite3.connect(tmp_path / "x.db")
    database.ping_after_idle(alive, Record(idle), None)
    alive.close()
    with pytest.raises(DisconnectionError):
        database.ping_after_idle(alive, Record(idle), None)


def test_a_connection_pinged_after_idling_can_run_in_autocommit(app, monkeypatch):
    # The ping used to leave its transaction open: switching the connection to
    # autocommit (the runner, Celery's dispatch) then failed with "can't change
    # 'autocommit' now" on PostgreSQL.
    monkeypatch.setattr(database, "IDLE_PING_SECONDS", -1.0)  # every one is idle
    with app.app_context():
        with db.engine.connect() as conn:
            conn.execute(select(1))
        with db.engine.connect() as raw:
            conn = raw.execution_options(isolation_level="AUTOCOMMIT")
            assert conn.execute(select(1)).scalar() == 1


def test_a_crowded_process_leaves_its_webhooks_runs_to_idle_ones(app, client, hook):
    _, path = hook
    pool = app.extensions["synth_executor"]
    pool.helped = True  # as when the background loop runs here
    for _ in range(3):
        pool.requests.started()  # three other requests in flight, for a while
    time.sleep(pool.requests.LOAD_SECONDS * 2)
    try:
        body = client.post(path, json={"total": 150}).get_json()
        assert body["status"] == "queued"
        with app.app_context():
            pool.take_waiting()  # crowded: leaves a fresh run to idle processes
        assert get_run(app, body["execution_id"]).status == "queued"
    finally:
        for _ in range(3):
            pool.requests.ended()
    with app.app_context():
        pool.take_waiting()  # idle now: takes it
    deadline = time.monotonic() + 10
    while get_run(app, body["execution_id"]).status != "success":
        assert time.monotonic() < deadline, "the idle pool did not take the run"
        time.sleep(0.05)


# Every index of the runs table is written at a run's insert and again at its
# finish (the finish changes indexed columns, so no in-place update): adding one
# needs a reason, as a statement does (migration 0012).
RUN_INDEXES = {
    "ix_executions_user_created",
    "ix_executions_workflow_created",
    "ix_executions_user_status_timing",
    "ix_executions_running",
    "ix_executions_queued",
    "uq_executions_dedupe_key",
}


def test_a_moment_of_two_requests_at_once_is_not_crowded(app, client, hook):
    _, path = hook
    pool = app.extensions["synth_executor"]
    pool.helped = True
    pool.requests.started()
    pool.requests.started()  # two other requests, just now: not for a while
    try:
        assert not pool.crowded()
        body = client.post(path, json={"total": 150}).get_json()
        assert body["status"] == "running"
    finally:
        pool.requests.ended()
        pool.requests.ended()


def test_the_runs_table_keeps_few_indexes(app):
    with app.app_context():
        found = {
            index["name"] for index in inspect(db.engine).get_indexes("executions")
        }
    assert found == RUN_INDEXES


def test_a_dedupe_key_still_runs_once_while_runs_without_one_share_none(
    app, client, hook
):
    _, path = hook
    headers = {"Idempotency-Key": "order-7"}
    first = client.post(path, json={"total": 1}, headers=headers)
    again = client.post(path, json={"total": 1}, headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.get_json()["execution_id"] == first.get_json()["execution_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    plain = {client.post(path, json={"total": 1}).get_json()["execution_id"]}
    plain.add(client.post(path, json={"total": 1}).get_json()["execution_id"])
    assert len(plain) == 2

"""Fair shares of the pool, and the sweep in every executor mode."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from synth_web.engine import claims, runner, runs
from synth_web.engine.claim_next import claim_next as take_next
from synth_web.engine.inserts import enqueue
from synth_web.engine.scheduler import Background, start_background
from synth_web.extensions import db
from synth_web.models import Execution, Workflow, utcnow
from tests.api_support import Api, make_token
from tests.run_factories import add_run, add_workflow, get_run

SLOW = [{"id": "wait", "type": "core.delay", "with": {"seconds": 0.3}}]


@pytest.fixture
def app_config():
    return {"SYNTH_MAX_RUNNING_PER_USER": 1, "SYNTH_WORKERS": 2}


def queue(app, workflow_id, user_id, count=1):
    """Queue runs straight in the database; return their ids."""
    return [add_run(app, workflow_id, user_id, status="queued") for _ in range(count)]


def test_a_person_over_their_share_waits_and_others_do_not(app, user, other_user):
    mine = add_workflow(app, user.id)
    theirs = add_workflow(app, other_user.id)
    first, second = queue(app, mine, user.id, 2)
    (other,) = queue(app, theirs, other_user.id)
    with app.app_context():
        assert claims.claim(first) is True
        assert claims.claim(second) is False  # one round trip, and it stays queued
        assert runs.current_status(second) == "queued"
        assert runs.queued_ids(claimable=True) == [other]
        assert claims.claim(other) is True
        runs.finish(first, "success", [], None)
        assert runs.queued_ids(claimable=True) == [second]
        assert claims.claim(second) is True


def test_outside_engines_runs_do_not_count_against_the_share(app, user):
    workflow = add_workflow(app, user.id)
    add_run(app, workflow, user.id, status="running", trigger_type="external")
    (mine,) = queue(app, workflow, user.id)
    with app.app_context():
        assert claims.claim(mine) is True


def test_recorded_running_runs_do_not_count_against_the_share(app, user):
    """The demo's showcase "running" run takes no lane: the person keeps their share
    for a claim, the pool's next claim and a webhook's run inserted running."""
    workflow = add_workflow(app, user.id)
    add_run(app, workflow, user.id, status="running", meta={"recorded": True})
    first, second = queue(app, workflow, user.id, 2)
    with app.app_context():
        assert claims.claim(first) is True
        runs.finish(first, "success", [], None)
    assert claim_next(app) == second
    with app.app_context():
        runs.finish(second, "success", [], None)
        flow = db.session.get(Workflow, workflow)
        execution, _ = enqueue(flow, "webhook", {}, claimed=True)
        assert execution.status == "running"


def test_the_pool_runs_a_person_one_at_a_time_in_order(app, user, other_user):
    mine = add_workflow(app, user.id, actions=SLOW)
    theirs = add_workflow(app, other_user.id, actions=SLOW)
    ids = queue(app, mine, user.id, 3)
    (other,) = queue(app, theirs, other_user.id)
    with app.app_context():
        executor = app.extensions["synth_executor"]
        for execution_id in [*ids, other]:
            executor.submit(execution_id)
    deadline = time.monotonic() + 20
    while any(not get_run(app, i).is_finished for i in [*ids, other]):
        assert time.monotonic() < deadline, "the queue did not drain"
        time.sleep(0.05)
    done = [get_run(app, i) for i in ids]
    assert [run.status for run in done] == ["success"] * 3
    for earlier, later in zip(done, done[1:], strict=False):
        assert later.started_at >= earlier.finished_at  # never two at once, in order
    # The other person did not wait behind the first person's queue.
    assert get_run(app, other).started_at < done[1].started_at


def claim_next(app):
    """Claim the next run that may start, as a pool thread does."""
    with app.app_context(), db.engine.connect() as raw:
        return take_next(raw.execution_options(isolation_level="AUTOCOMMIT"))


def test_claim_next_takes_the_oldest_first_run_of_someone_with_room(
    app, user, other_user
):
    mine = add_workflow(app, user.id)
    theirs = add_workflow(app, other_user.id)
    first = add_run(app, mine, user.id, status="queued")
    (other,) = queue(app, theirs, other_user.id)
    second = add_run(app, mine, user.id, status="queued")
    assert claim_next(app) == first
    assert claim_next(app) == other  # the first person is at their share
    assert claim_next(app) is None
    with app.app_context():
        runs.finish(first, "success", [], None)
    assert claim_next(app) == second
    assert claim_next(app) is None


def test_a_claim_tells_whether_another_lane_would_find_a_run(
    app, user, other_user, engine_kind
):
    app.config["SYNTH_MAX_RUNNING_PER_USER"] = 2
    mine = add_workflow(app, user.id)
    queue(app, mine, user.id, 4)

    def more() -> bool:
        with app.app_context(), db.engine.connect() as raw:
            conn = raw.execution_options(isolation_level="AUTOCOMMIT")
            return runner.claim_and_load_next(conn).more

    assert more() is True  # room for two: a second lane would take one
    if engine_kind == "sqlite":
        assert more() is True  # SQLite does not tell: pools always try
        return
    assert more() is False  # that was the last of the room
    theirs = add_workflow(app, other_user.id)
    queue(app, theirs, other_user.id, 2)
    with app.app_context():
        running = db.session.scalars(
            select(Execution.id).where(Execution.status == "running")
        ).first()
        runs.finish(running, "success", [], None)
    assert more() is True  # room for one of mine, and someone else waits


def test_claim_next_passes_over_recorded_and_outside_runs(app, user):
    workflow = add_workflow(app, user.id)
    shown = add_run(app, workflow, user.id, status="queued", meta={"recorded": True})
    outside = add_run(app, workflow, user.id, status="queued", trigger_type="external")
    live = add_run(app, workflow, user.id, status="queued")
    assert claim_next(app) == live
    assert claim_next(app) is None
    assert get_run(app, shown).status == "queued"
    assert get_run(app, outside).status == "queued"


def test_claims_at_once_take_the_next_runs_within_the_room(app, user, engine_kind):
    if engine_kind != "postgresql":
        pytest.skip("SQLite writes one at a time: no claim is ever held open")
    app.config["SYNTH_MAX_RUNNING_PER_USER"] = 2
    workflow = add_workflow(app, user.id)
    first, second, third = queue(app, workflow, user.id, 3)
    with app.app_context(), db.engine.connect() as other:
        # Another claim holds the first run (its UPDATE has not committed yet).
        other.exec_driver_sql(
            f"SELECT id FROM executions WHERE id = {first} FOR UPDATE"
        )
        assert claim_next(app) == second  # not waiting on the first, not failing
        assert claim_next(app) is None  # the third is beyond the room of 2
        other.rollback()
    assert claim_next(app) == first
    assert runs_status(app, third) == "queued"


def test_a_held_claim_of_a_share_of_one_is_not_passed(app, user, engine_kind):
    if engine_kind != "postgresql":
        pytest.skip("SQLite writes one at a time: no claim is ever held open")
    workflow = add_workflow(app, user.id)
    first, _second = queue(app, workflow, user.id, 2)
    with app.app_context(), db.engine.connect() as other:
        other.exec_driver_sql(
            f"SELECT id FROM executions WHERE id = {first} FOR UPDATE"
        )
        assert claim_next(app) is None  # the second would be two at once
        other.rollback()
    assert claim_next(app) == first


def runs_status(app, execution_id):
    with app.app_context():
        return runs.current_status(execution_id)


def test_a_draining_thread_lets_go_of_each_run_as_it_ends(app, user):
    workflow = add_workflow(app, user.id, actions=SLOW)
    ids = queue(app, workflow, user.id, 4)
    executor = app.extensions["synth_executor"]
    with app.app_context():
        executor.nudge()
    most = 0
    deadline = time.monotonic() + 20
    while any(not get_run(app, i).is_finished for i in ids):
        assert time.monotonic() < deadline, "the queue did not drain"
        most = max(most, len(executor.pending()))
        time.sleep(0.02)
    # One run at a time (a share of 1), so at most one is pending at once: a
    # loop that kept every run it ran as pending left its pool no free thread.
    assert most == 1


def test_a_full_pool_leaves_runs_queued_for_its_next_free_thread(app, user):
    app.config["SYNTH_MAX_RUNNING_PER_USER"] = 3
    workflow = add_workflow(app, user.id, actions=SLOW)
    busy = queue(app, workflow, user.id, 2)
    (waiting,) = queue(app, workflow, user.id)
    executor = app.extensions["synth_executor"]
    executor.helped = True  # as with the background loop running
    with app.app_context():
        for execution_id in busy:
            executor.submit(execution_id)
        executor.submit(waiting)  # both threads are taken
        assert waiting not in executor.pending()  # no task of its own
    deadline = time.monotonic() + 20
    while not get_run(app, waiting).is_finished:
        assert time.monotonic() < deadline, "the waiting run was never taken"
        time.sleep(0.05)
    assert get_run(app, waiting).status == "success"


def test_idle_threads_take_runs_another_process_queued(app, user):
    workflow = add_workflow(app, user.id)
    (waiting,) = queue(app, workflow, user.id)  # queued elsewhere, never handed here
    with app.app_context():
        app.extensions["synth_executor"].take_waiting()
    deadline = time.monotonic() + 10
    while not get_run(app, waiting).is_finished:
        assert time.monotonic() < deadline, "the idle pool did not take the run"
        time.sleep(0.05)
    assert get_run(app, waiting).status == "success"


# ---------- The sweep, in every mode ----------


@pytest.mark.parametrize("app_config", [{"SYNTH_EXECUTOR": "external"}])
def test_web_processes_of_the_external_mode_sweep(app, user, monkeypatch):
    monkeypatch.setattr(Background, "start", lambda self: None)
    background = start_background(app)
    assert background is not None and not background.dispatches
    workflow = add_workflow(app, user.id)
    long_ago = utcnow() - timedelta(minutes=5)
    stale = add_run(app, workflow, user.id, status="running", created_at=long_ago)
    with app.app_context():
        background.step(time.monotonic() + 3600)
    run = get_run(app, stale)
    assert run.status == "failure"
    assert "stopped responding" in run.error_log


@pytest.mark.parametrize("app_config", [{"SYNTH_EXECUTOR": "external"}])
def test_an_outside_engines_silent_run_ends_after_its_limit(app, user):
    workflow = add_workflow(app, user.id)
    api = Api(app.test_client(), make_token(app, user))
    reported = api.post(f"/workflows/{workflow}/executions", json={"status": "running"})
    execution_id = reported.get_json()["id"]
    patched = api.patch(f"/executions/{execution_id}", json={"results": []})
    assert patched.status_code == 200
    with app.app_context():
        # Synth's own sweep (30 s) leaves it alone: its engine reports, not beats.
        assert (
            runs.sweep_stale(timedelta(seconds=30), utcnow() + timedelta(hours=1)) == 0
        )
        assert runs.current_status(execution_id) == "running"
        limit = timedelta(seconds=app.config["SYNTH_EXTERNAL_STALE_SECONDS"])
        assert limit == timedelta(minutes=15)
        assert runs.sweep_external(limit, utcnow() + timedelta(minutes=14)) == 0
        assert runs.sweep_external(limit, utcnow() + timedelta(minutes=16)) == 1
    run = get_run(app, execution_id)
    assert run.status == "failure"
    assert "sent no report for 900 s" in run.error_log


@pytest.mark.parametrize("app_config", [{"SYNTH_EXECUTOR": "external"}])
def test_each_patch_is_a_heartbeat(app, user):
    workflow = add_workflow(app, user.id)
    api = Api(app.test_client(), make_token(app, user))
    execution_id = api.post(
        f"/workflows/{workflow}/executions", json={"status": "queued"}
    ).get_json()["id"]
    with app.app_context():
        db.session.execute(
            Execution.__table__.update()
            .where(Execution.id == execution_id)
            .values(heartbeat_at=utcnow() - timedelta(minutes=20))
        )
        db.session.commit()
    response = api.patch(f"/executions/{execution_id}", json={"status": "running"})
    assert response.status_code == 200
    with app.app_context():
        assert runs.sweep_external(timedelta(minutes=15)) == 0
        assert runs.current_status(execution_id) == "running"


def test_recorded_runs_are_never_swept(app, user):
    workflow = add_workflow(app, user.id)
    long_ago = utcnow() - timedelta(hours=2)
    kept = [
        add_run(
            app,
            workflow,
            user.id,
            status="running",
            trigger_type=kind,
            created_at=long_ago,
            meta={"recorded": True},
        )
        for kind in ("manual", "external")
    ]
    with app.app_context():
        assert runs.sweep_stale(timedelta(seconds=30)) == 0
        assert runs.sweep_external(timedelta(minutes=15)) == 0
    assert [get_run(app, i).status for i in kept] == ["running", "running"]

"""Celery's lanes: no message for a run that lanes at work will reach in turn.

A Celery task takes runs while one may start (`run_next`), so the web sends a
message only for a run that could start before any of its owner's runs ahead of
it end (`lanes.taken_in_turn`); a lane tops its owner's lanes up to their
fair share when messages were fewer.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import timedelta

import pytest
import redis

from synth_web.engine import claims, lanes
from tests.run_factories import add_run, add_workflow, get_run
from tests.test_executor_modes import REDIS_URL, Celery, hook_of, redis_available

SHARE = 2
WAIT = [{"id": "wait", "type": "core.delay", "with": {"seconds": 0.6}}]


@pytest.fixture
def app_config():
    return {
        "SYNTH_EXECUTOR": "celery",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_QUEUE": f"synth-test-{uuid.uuid4().hex[:8]}",
        "SYNTH_MAX_RUNNING_PER_USER": SHARE,
    }


def in_turn(app, execution_id) -> bool:
    with app.app_context():
        return lanes.taken_in_turn(execution_id)


def test_a_run_that_could_start_now_is_not_taken_in_turn(app, user, other_user):
    workflow = add_workflow(app, user.id)
    theirs = add_workflow(app, other_user.id)
    add_run(app, theirs, other_user.id, status="running")  # someone else's
    add_run(app, workflow, user.id, status="running", trigger_type="external")
    add_run(app, workflow, user.id, status="success")
    first = add_run(app, workflow, user.id, status="queued")
    assert in_turn(app, first) is False
    # One running and nothing queued before it: the share has room for it.
    add_run(app, workflow, user.id, status="running")
    assert in_turn(app, first) is False


def test_runs_ahead_that_fill_the_share_take_it_in_turn(app, user):
    workflow = add_workflow(app, user.id)
    running = add_run(app, workflow, user.id, status="running")
    first = add_run(app, workflow, user.id, status="queued")
    second = add_run(app, workflow, user.id, status="queued")
    assert in_turn(app, first) is False  # one running: room for one more
    assert in_turn(app, second) is True  # one running and one queued before it
    later = [add_run(app, workflow, user.id, status="queued") for _ in range(3)]
    assert all(in_turn(app, execution_id) for execution_id in later)
    with app.app_context():
        claims.claim(first)  # now two run: the share is full
    assert in_turn(app, second) is True
    assert in_turn(app, running) is True  # (a running run asks for nothing)


@pytest.fixture
def celery(app, tmp_path):
    if not redis_available():
        if os.environ.get("CI"):
            raise RuntimeError(f"Redis is not answering at {REDIS_URL}")
        pytest.skip("Redis is not running")
    processes = Celery(app, tmp_path)
    processes.env["SYNTH_MAX_RUNNING_PER_USER"] = str(SHARE)
    broker = redis.Redis.from_url(REDIS_URL)
    yield processes, broker, app.config["CELERY_QUEUE"]
    processes.stop_all()
    broker.delete(app.config["CELERY_QUEUE"])


def send(app, workflow_id, count) -> list[int]:
    client = app.test_client()
    hook = hook_of(app, workflow_id)
    return [
        client.post(hook, json={"n": n}).get_json()["execution_id"]
        for n in range(count)
    ]


def wait_all(app, ids, timeout=60.0):
    deadline = time.monotonic() + timeout
    while any(not get_run(app, i).is_finished for i in ids):
        assert time.monotonic() < deadline, "the queue did not drain"
        time.sleep(0.1)
    return [get_run(app, i) for i in ids]


def most_at_once(done) -> int:
    """The most runs that ran at the same instant.

    Each start counts 0.1 s late: a claim's time is read just before its
    statement, so a run that took a slot as another ended may show a start a
    few milliseconds before that end (the runs here take 0.6 s).
    """
    late = timedelta(seconds=0.1)
    edges = [(run.started_at + late, 1) for run in done]
    edges += [(run.finished_at, -1) for run in done]
    now = most = 0
    for _, step in sorted(edges, key=lambda edge: (edge[0], edge[1])):
        now += step
        most = max(most, now)
    return most


@pytest.mark.slow
def test_only_runs_that_could_start_get_a_message(app, user, celery):
    processes, broker, queue = celery
    workflow_id = add_workflow(app, user.id, actions=WAIT, trigger={"type": "webhook"})
    ids = send(app, workflow_id, 5)
    # Nobody runs yet: the first two fill the share; the other three wait for
    # one of those lanes to end a run and take the next.
    assert broker.llen(queue) == SHARE
    processes.start("worker")
    done = wait_all(app, ids)
    assert [run.status for run in done] == ["success"] * 5
    # In queue order (two lanes may claim the next two at the same instant).
    for earlier, later in zip(done, done[1:], strict=False):
        assert later.started_at > earlier.started_at - timedelta(seconds=0.1)
    assert most_at_once(done) == SHARE


@pytest.mark.slow
def test_a_lane_short_of_the_share_is_made_up(app, user, celery):
    processes, broker, queue = celery
    workflow_id = add_workflow(app, user.id, actions=WAIT, trigger={"type": "webhook"})
    ids = send(app, workflow_id, 6)
    assert broker.rpop(queue) is not None  # one lane's message is lost
    assert broker.llen(queue) == 1
    processes.start("worker")
    done = wait_all(app, ids)
    assert [run.status for run in done] == ["success"] * 6
    # The one lane asked for a second as it took a run with more waiting.
    assert most_at_once(done) == SHARE


@pytest.mark.slow
def test_a_starting_worker_takes_runs_whose_messages_were_lost(app, user, celery):
    processes, broker, queue = celery
    workflow_id = add_workflow(app, user.id, trigger={"type": "webhook"})
    ids = send(app, workflow_id, 4)
    broker.delete(queue)  # as if a killed worker took them with it; no beat runs
    processes.start("worker")
    done = wait_all(app, ids, timeout=30)
    assert [run.status for run in done] == ["success"] * 4

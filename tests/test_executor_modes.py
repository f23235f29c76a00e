"""The engine in both executor modes: the thread pool and Celery on real Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis

from synth_web.engine import runs
from synth_web.extensions import db
from synth_web.models import Execution, Workflow
from tests.conftest import TEST_VAULT_KEY, add_workflow

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("SYNTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
pytestmark = pytest.mark.slow

SET_TOTAL = [
    {
        "id": "order",
        "type": "core.set",
        "with": {"values": {"total": "{{ trigger.body.total }}"}},
    }
]


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["thread", "celery"])
def mode(request):
    if request.param == "celery" and not redis_available():
        if os.environ.get("CI"):
            raise RuntimeError(f"Redis is not answering at {REDIS_URL}")
        pytest.skip("Redis is not running")
    return request.param


@pytest.fixture
def app_config(mode):
    return {
        "SYNTH_EXECUTOR": mode,
        "SYNTH_ALLOW_PRIVATE_NETWORK": True,
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_QUEUE": f"synth-test-{uuid.uuid4().hex[:8]}",
        "SYNTH_HEARTBEAT_SECONDS": 1,
        "SYNTH_STALE_SECONDS": 3,
        "SYNTH_TICK_SECONDS": 1,
    }


class Celery:
    """Celery worker and beat processes pointed at the test's databases."""

    def __init__(self, app, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.env = dict(os.environ)
        self.env.update(
            DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
            VAULT_DATABASE_URL=app.config["SQLALCHEMY_BINDS"]["vault"],
            SYNTH_VAULT_KEYS=TEST_VAULT_KEY,
            SECRET_KEY="celery-test",
            SYNTH_INSTANCE_PATH=app.instance_path,
            SYNTH_EXECUTOR="celery",
            CELERY_BROKER_URL=REDIS_URL,
            CELERY_QUEUE=app.config["CELERY_QUEUE"],
            SYNTH_HEARTBEAT_SECONDS="1",
            SYNTH_STALE_SECONDS="3",
            SYNTH_TICK_SECONDS="1",
            SYNTH_ALLOW_PRIVATE_NETWORK="1",
        )
        self.processes: list[subprocess.Popen] = []

    def start(self, kind: str) -> subprocess.Popen:
        args = [sys.executable, "-m", "celery", "-A", "synth_web.engine.celery_worker"]
        if kind == "worker":
            args += [
                "worker",
                "--pool",
                "threads",
                "--concurrency",
                "2",
                "--loglevel",
                "warning",
                "-n",
                f"w{len(self.processes)}@%h",
            ]
        else:
            schedule = self.tmp_path / f"beat-{len(self.processes)}"
            args += ["beat", "--loglevel", "warning", "-s", str(schedule)]
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def engine(app, mode, tmp_path):
    """Whatever runs executions in this mode; a Celery worker when celery."""
    processes = Celery(app, tmp_path)
    if mode == "celery":
        processes.start("worker")
    yield processes
    processes.stop_all()
    app.extensions["synth_executor"].shutdown(wait=True)


def wait_for(app, execution_id, check, timeout=30.0) -> Execution:
    deadline = time.monotonic() + timeout
    with app.app_context():
        while True:
            db.session.expire_all()
            execution = db.session.get(Execution, execution_id)
            if check(execution):
                db.session.expunge(execution)
                return execution
            assert time.monotonic() < deadline, f"run is {execution.status}"
            time.sleep(0.1)


def hook_of(app, workflow_id) -> str:
    with app.app_context():
        return f"/hooks/{db.session.get(Workflow, workflow_id).webhook_token}"


def test_webhook_run_completes(app, user, engine, mode):
    workflow_id = add_workflow(app, user, SET_TOTAL, trigger={"type": "webhook"})
    ids = [
        app.test_client()
        .post(hook_of(app, workflow_id), json={"total": n})
        .get_json()["execution_id"]
        for n in range(3)
    ]
    for number, execution_id in enumerate(ids):
        execution = wait_for(app, execution_id, lambda e: e.is_finished)
        assert execution.status == "success"
        assert execution.results[0]["output"] == {"total": number}
        assert execution.meta["worker"].startswith(
            "celery:" if mode == "celery" else ""
        )


def test_failure_is_recorded_with_its_reason(app, user, engine, fake_api):
    fake_api.route("/flaky", status=503, body="down", sequence=[503])
    actions = [
        SET_TOTAL[0],
        {
            "id": "call",
            "type": "http.request",
            "with": {"url": fake_api.url("/flaky")},
            "retry": {"max_attempts": 2, "backoff_seconds": 0.05},
        },
    ]
    workflow_id = add_workflow(app, user, actions, trigger={"type": "webhook"})
    response = app.test_client().post(hook_of(app, workflow_id), json={"total": 1})
    execution = wait_for(
        app, response.get_json()["execution_id"], lambda e: e.is_finished
    )
    assert execution.status == "failure"
    assert "Step 2 of 2, `call` (http.request) failed: HTTP 503" in execution.error_log
    assert execution.error_log.endswith("(after 2 attempts)")
    assert execution.results[0]["output"] == {"total": 1}


def test_cancel_while_running(app, user, engine):
    actions = [
        SET_TOTAL[0],
        {"id": "wait", "type": "core.delay", "with": {"seconds": 60}},
    ]
    workflow_id = add_workflow(app, user, actions, trigger={"type": "webhook"})
    response = app.test_client().post(hook_of(app, workflow_id), json={"total": 1})
    execution_id = response.get_json()["execution_id"]
    wait_for(app, execution_id, lambda e: e.status == "running" and e.results)
    with app.app_context():
        assert runs.cancel(db.session.get(Execution, execution_id), by="Ada")
    ended = wait_for(app, execution_id, lambda e: len(e.results) == 2, timeout=10)
    assert ended.status == "cancelled"
    assert ended.results[1]["status"] == "cancelled"


# The thread pool's version of these two: test_worker_process.py, test_scheduler.py.
@pytest.mark.parametrize("mode", ["celery"], indirect=True)
def test_killed_celery_worker_run_ends_as_failure(app, user, engine, mode):
    actions = [
        SET_TOTAL[0],
        {"id": "wait", "type": "core.delay", "with": {"seconds": 120}},
    ]
    workflow_id = add_workflow(app, user, actions, trigger={"type": "webhook"})
    response = app.test_client().post(hook_of(app, workflow_id), json={"total": 7})
    execution_id = response.get_json()["execution_id"]
    wait_for(app, execution_id, lambda e: e.status == "running" and e.results)
    worker = engine.processes[0]
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    killed_at = time.monotonic()
    engine.start("worker")
    engine.start("beat")
    ended = wait_for(app, execution_id, lambda e: e.is_finished, timeout=60)
    assert time.monotonic() - killed_at < 60
    assert ended.status == "failure"
    assert ended.error_log.startswith("The worker running this stopped responding")
    assert [step["id"] for step in ended.results] == ["order"]


@pytest.mark.parametrize("mode", ["celery"], indirect=True)
def test_two_beats_never_double_a_fire_time(app, user, engine, mode):
    log = [{"id": "note", "type": "core.log", "with": {"message": "tick"}}]
    workflow_id = add_workflow(
        app, user, log, trigger={"type": "schedule", "cron": "* * * * *"}
    )
    with app.app_context():
        workflow = db.session.get(Workflow, workflow_id)
        workflow.meta = {"activated_at": "2026-01-01T00:00:00+00:00"}
        db.session.commit()
    engine.start("beat")
    engine.start("beat")
    deadline = time.monotonic() + 30
    while not db_ids(app):
        assert time.monotonic() < deadline, "no schedule run within 30 s"
        time.sleep(0.2)
    time.sleep(4)  # both beats keep ticking every second meanwhile
    with app.app_context():
        rows = db.session.execute(
            db.select(Execution.dedupe_key, Execution.status)
        ).all()
    keys = [key for key, _ in rows]
    assert 1 <= len(keys) <= 2  # a minute boundary may pass during the test
    assert len(keys) == len(set(keys))
    for execution_id in db_ids(app):
        assert wait_for(app, execution_id, lambda e: e.is_finished).status == "success"


def db_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(db.select(Execution.id)))

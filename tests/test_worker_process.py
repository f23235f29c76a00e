"""A real `flask synth worker` process: restarts, and a worker killed mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synth_web.engine import inserts
from synth_web.extensions import db
from synth_web.models import Execution, Workflow
from tests.conftest import TEST_VAULT_KEY, add_workflow

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

SLOW = [
    {"id": "order", "type": "core.set", "with": {"values": {"total": 5}}},
    {"id": "wait", "type": "core.delay", "with": {"seconds": 120}},
    {"id": "never", "type": "core.log", "with": {"message": "unreachable"}},
]


def worker_env(app) -> dict[str, str]:
    """Point a worker process at the test's databases, with fast heartbeats."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        VAULT_DATABASE_URL=app.config["SQLALCHEMY_BINDS"]["vault"],
        SYNTH_VAULT_KEYS=TEST_VAULT_KEY,
        SECRET_KEY="worker-test",
        SYNTH_INSTANCE_PATH=app.instance_path,
        SYNTH_HEARTBEAT_SECONDS="1",
        SYNTH_STALE_SECONDS="3",
        SYNTH_TICK_SECONDS="1",
    )
    return env


def start_worker(app) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "app",
            "synth",
            "worker",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=worker_env(app),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def enqueue(app, workflow_id) -> int:
    with app.app_context():
        execution, _ = inserts.enqueue(db.session.get(Workflow, workflow_id), "manual")
        return execution.id


def wait_for(app, execution_id, check, timeout=30.0) -> Execution:
    deadline = time.monotonic() + timeout
    with app.app_context():
        while True:
            db.session.expire_all()
            execution = db.session.get(Execution, execution_id)
            if check(execution):
                db.session.expunge(execution)
                return execution
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out; run is {execution.status}: {execution.results}"
                )
            time.sleep(0.1)


def stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


def test_queued_runs_survive_a_restart(app, user):
    workflow_id = add_workflow(app, user, SLOW[:1])
    queued = [enqueue(app, workflow_id) for _ in range(3)]  # no worker is running
    worker = start_worker(app)
    try:
        for execution_id in queued:
            assert wait_for(app, execution_id, lambda e: e.is_finished).status == (
                "success"
            )
    finally:
        output = stop(worker)
    assert worker.returncode == 0, output
    assert "Synth worker" in output


def test_killed_worker_run_ends_as_failure_keeping_its_steps(app, user):
    execution_id = enqueue(app, add_workflow(app, user, SLOW))
    first = start_worker(app)
    try:
        wait_for(
            app, execution_id, lambda e: e.status == "running" and len(e.results) == 1
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        killed_at = time.monotonic()
        second = start_worker(app)
        try:
            ended = wait_for(app, execution_id, lambda e: e.is_finished, timeout=60)
        finally:
            stop(second)
    finally:
        stop(first)
    assert time.monotonic() - killed_at < 60
    assert ended.status == "failure"
    assert ended.error_log.startswith("The worker running this stopped responding")
    assert [step["id"] for step in ended.results] == ["order"]
    assert ended.results[0]["output"] == {"total": 5}

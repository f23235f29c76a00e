"""Retry from a step: the saved outputs of the steps before it are reused."""

from __future__ import annotations

import copy
import time

import pytest
from sqlalchemy import func, select

from synth_web.engine import inserts
from synth_web.engine.runner import run_execution
from synth_web.extensions import db
from synth_web.models import Execution, Workflow
from tests.conftest import add_workflow, make_user


@pytest.fixture
def app_config():
    return {"SYNTH_ALLOW_PRIVATE_NETWORK": True, "SYNTH_WORKERS": 1}


def four_steps(fake_api):
    """Four calls; each after the first sends what the one before answered."""
    fake_api.route("/s1", body={"token": "one"})
    fake_api.route("/s2", body={"token": "two"})
    fake_api.route("/s3", body={"token": "three"}, sequence=[500])
    fake_api.route("/s4", body={"token": "four"})
    steps = [{"id": "s1", "type": "http.request", "with": {"url": fake_api.url("/s1")}}]
    for number in (2, 3, 4):
        before = f"s{number - 1}"
        steps.append(
            {
                "id": f"s{number}",
                "type": "http.request",
                "with": {
                    "url": fake_api.url(f"/s{number}"),
                    "method": "POST",
                    "json": {"got": f"{{{{ steps.{before}.output.json.token }}}}"},
                },
            }
        )
    return steps


def calls(fake_api):
    counted: dict[str, int] = {}
    for request in fake_api.requests:
        counted[request["path"]] = counted.get(request["path"], 0) + 1
    return counted


@pytest.fixture
def failed_run(app, user, fake_api):
    """A 4-step run whose step 3 failed once; returns (workflow id, run id)."""
    workflow_id = add_workflow(app, user, four_steps(fake_api))
    with app.app_context():
        execution, _ = inserts.enqueue(db.session.get(Workflow, workflow_id), "manual")
        assert run_execution(execution.id, worker="test") == "failure"
    return workflow_id, execution.id


def wait_finished(app, execution_id, timeout=10):
    deadline = time.monotonic() + timeout
    with app.app_context():
        while time.monotonic() < deadline:
            db.session.expire_all()
            execution = db.session.get(Execution, execution_id)
            if execution.is_finished:
                db.session.expunge(execution)
                return execution
            time.sleep(0.05)
    raise AssertionError("the run did not finish")


def newest_run(app):
    with app.app_context():
        return db.session.scalar(select(func.max(Execution.id)))


def test_retry_from_step_3_reuses_steps_1_and_2(
    app, client, signed_in, failed_run, fake_api
):
    _, run_id = failed_run
    assert calls(fake_api) == {"/s1": 1, "/s2": 1, "/s3": 1}
    page = client.get(f"/executions/{run_id}").text
    assert '<option value="2">Step 2, s2</option>' in page
    assert '<option value="3" selected>Step 3, s3</option>' in page
    response = client.post(f"/executions/{run_id}/retry", data={"step": "3"})
    assert response.status_code == 303
    new = wait_finished(app, newest_run(app))
    assert new.status == "success", new.error_log
    # Steps 1 and 2 were not called again; 3 and 4 were.
    assert calls(fake_api) == {"/s1": 1, "/s2": 1, "/s3": 2, "/s4": 1}
    assert [r["id"] for r in new.results] == ["s1", "s2", "s3", "s4"]
    assert [r.get("reused_from") for r in new.results] == [run_id, run_id, None, None]
    assert '"got": "two"' in fake_api.requests[-2]["body"].replace('":"', '": "')
    assert new.retry_of == run_id and new.start_step == 3
    detail = client.get(f"/executions/{new.id}").text
    assert "started at step 3, reusing the saved outputs of steps 1–2" in detail
    assert f'retry of <a href="/executions/{run_id}">run #{run_id}</a>' in detail


def test_editing_step_1_removes_the_offer(app, client, signed_in, failed_run):
    workflow_id, run_id = failed_run
    with app.app_context():
        workflow = db.session.get(Workflow, workflow_id)
        actions = copy.deepcopy(workflow.actions)
        actions[0]["with"]["headers"] = {"X-Changed": "yes"}
        workflow.actions = actions
        db.session.commit()
    page = client.get(f"/executions/{run_id}").text
    assert "Retry from step" not in page
    assert ">Retry</button>" in page
    client.post(f"/executions/{run_id}/retry", data={"step": "3"})
    assert newest_run(app) == run_id  # refused: nothing queued


def test_editing_step_2_leaves_step_2_on_offer(app, client, signed_in, failed_run):
    workflow_id, run_id = failed_run
    with app.app_context():
        workflow = db.session.get(Workflow, workflow_id)
        actions = copy.deepcopy(workflow.actions)
        actions[1]["with"]["method"] = "PUT"
        workflow.actions = actions
        db.session.commit()
    page = client.get(f"/executions/{run_id}").text
    assert '<option value="2" selected>Step 2, s2</option>' in page
    assert '<option value="3"' not in page


@pytest.mark.parametrize("step", ["1", "4", "9", "two", "-1"])
def test_a_step_not_on_offer_is_refused(app, client, signed_in, failed_run, step):
    _, run_id = failed_run
    response = client.post(
        f"/executions/{run_id}/retry", data={"step": step}, follow_redirects=True
    )
    assert "cannot be retried from step" in response.text or "Choose the step" in (
        response.text
    )
    assert newest_run(app) == run_id


def test_a_successful_run_offers_run_again(app, client, signed_in, user):
    workflow_id = add_workflow(
        app, user, [{"id": "a", "type": "core.log", "with": {"message": "hi"}}]
    )
    with app.app_context():
        execution, _ = inserts.enqueue(db.session.get(Workflow, workflow_id), "manual")
        run_execution(execution.id, worker="test")
    page = client.get(f"/executions/{execution.id}").text
    assert ">Run again</button>" in page
    assert ">Retry</button>" not in page
    assert "Retry from step" not in page


def test_another_persons_run_is_404(app, client, auth, failed_run):
    _, run_id = failed_run
    make_user(app, "other@example.com")
    auth.login("other@example.com")
    response = client.post(f"/executions/{run_id}/retry", data={"step": "3"})
    assert response.status_code == 404
    assert newest_run(app) == run_id

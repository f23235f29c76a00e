"""The runner: each action, each failure path, retries, timeouts, cancel."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from synth_web.engine import claims, inserts, runs
from synth_web.engine.runner import run_execution
from synth_web.engine.start import start_run
from synth_web.extensions import db
from synth_web.models import Connection, Execution, Workflow, utcnow
from tests.conftest import add_workflow
from tests.run_factories import add_runs, run_values


@pytest.fixture
def app_config():
    return {"SYNTH_ALLOW_PRIVATE_NETWORK": True}


def start(app, workflow_id, trigger=None):
    """Enqueue a manual run and return its id."""
    with app.app_context():
        workflow = db.session.get(Workflow, workflow_id)
        execution, _ = inserts.enqueue(workflow, "manual", trigger or {})
        return execution.id


def run(app, workflow_id, trigger=None):
    """Enqueue and run to the end; return the finished execution."""
    execution_id = start(app, workflow_id, trigger)
    with app.app_context():
        run_execution(execution_id, worker="test")
        db.session.expire_all()
        execution = db.session.get(Execution, execution_id)
        db.session.expunge(execution)
        return execution


def steps(execution):
    return {step["id"]: step for step in execution.results}


ORDER = [
    {
        "id": "order",
        "type": "core.set",
        "with": {"values": {"total": "{{ trigger.body.total }}", "who": "Ada"}},
    },
    {
        "id": "big",
        "type": "core.filter",
        "with": {"condition": "{{ steps.order.output.total | float > 100 }}"},
    },
    {
        "id": "note",
        "type": "core.log",
        "with": {"message": "Big order of {{ steps.order.output.total }}"},
    },
]


def test_core_steps_run_in_order_and_record_everything(app, user):
    workflow_id = add_workflow(app, user, ORDER)
    execution = run(app, workflow_id, {"body": {"total": 150}})
    assert execution.status == "success"
    assert execution.error_log is None
    assert [s["id"] for s in execution.results] == ["order", "big", "note"]
    record = steps(execution)["order"]
    for key in (
        "id",
        "type",
        "status",
        "started_at",
        "finished_at",
        "duration_ms",
        "attempts",
        "input",
        "output",
        "error",
    ):
        assert key in record
    assert record["output"] == {"total": 150, "who": "Ada"}
    assert record["input"] == {"values": {"total": 150, "who": "Ada"}}
    assert steps(execution)["note"]["output"]["logged"] == "Big order of 150"
    assert execution.started_at <= execution.finished_at
    assert execution.meta["worker"] == "test"


def test_false_filter_ends_as_success_marked_filtered(app, user):
    execution = run(app, add_workflow(app, user, ORDER), {"body": {"total": 20}})
    assert execution.status == "success"
    assert execution.meta["filtered"] is True
    assert execution.meta["filtered_at"] == "big"
    assert [s["id"] for s in execution.results] == ["order", "big"]
    assert steps(execution)["big"]["output"]["passed"] is False


@pytest.mark.parametrize(
    ("condition", "passes"),
    [
        ("false", False),
        ("False", False),
        ("0", False),
        ("", False),
        (False, False),
        ("yes", True),
        (True, True),
        ("{{ 1 == 1 }}", True),
        ("{{ [] }}", False),
    ],
)
def test_filter_reads_conditions_like_a_person(app, user, condition, passes):
    actions = [
        {"id": "f", "type": "core.filter", "with": {"condition": condition}},
        {"id": "after", "type": "core.log", "with": {"message": "on"}},
    ]
    execution = run(app, add_workflow(app, user, actions))
    assert ("after" in steps(execution)) is passes


def test_core_fail_ends_as_failure_with_its_message(app, user):
    actions = [
        ORDER[0],
        {
            "id": "stop",
            "type": "core.fail",
            "with": {"message": "Total was {{ steps.order.output.total }}"},
        },
    ]
    execution = run(app, add_workflow(app, user, actions), {"body": {"total": 5}})
    assert execution.status == "failure"
    assert execution.error_log == (
        "Step 2 of 2, `stop` (core.fail) failed: Total was 5"
    )
    assert steps(execution)["order"]["status"] == "success"


def test_missing_reference_is_a_clear_step_error(app, user):
    actions = [
        ORDER[0],
        {
            "id": "note",
            "type": "core.log",
            "with": {"message": "{{ steps.order.output.totl }}"},
        },
    ]
    execution = run(app, add_workflow(app, user, actions), {"body": {"total": 5}})
    assert execution.status == "failure"
    assert (
        "Step 2 of 2, `note` (core.log) failed: template error:" in execution.error_log
    )
    assert "`steps.order.output.totl` does not exist" in execution.error_log
    assert "has: total, who" in execution.error_log
    assert steps(execution)["order"]["output"]["total"] == 5


def test_missing_trigger_field_names_it(app, user):
    execution = run(app, add_workflow(app, user, ORDER), {"body": {}})
    assert "`trigger.body.total` does not exist" in execution.error_log


def test_schema_error_after_templating(app, user):
    actions = [
        {
            "id": "wait",
            "type": "core.delay",
            "with": {"seconds": "{{ trigger.body.wait }}"},
        }
    ]
    execution = run(app, add_workflow(app, user, actions), {"body": {"wait": "soon"}})
    assert execution.status == "failure"
    assert "its values are not valid after templating" in execution.error_log
    assert "with.seconds: Must be a number, not text." in execution.error_log


def test_delay_waits(app, user):
    actions = [{"id": "wait", "type": "core.delay", "with": {"seconds": 0.3}}]
    execution = run(app, add_workflow(app, user, actions))
    assert execution.status == "success"
    assert steps(execution)["wait"]["duration_ms"] >= 300


def test_workflow_with_problems_does_not_run(app, user):
    actions = [
        {
            "id": "post",
            "type": "slack.post_message",
            "with": {"channel": "#x", "text": "hi"},
        }
    ]
    workflow_id = add_workflow(app, user, actions)
    with app.app_context():
        db.session.add(
            Connection(
                user_id=user.id,
                app_name="slack",
                connection_type="bot_token",
                status="inactive",
            )
        )
        db.session.commit()
    execution = run(app, workflow_id)
    assert execution.status == "failure"
    assert "Slack connection is off." in execution.error_log
    assert execution.results == []


# ---------- http.request ----------


def http_step(url, **extra):
    step = {"id": "call", "type": "http.request", "with": {"url": url}}
    step["with"].update(extra.pop("with_", {}))
    step.update(extra)
    return step


def test_http_get_json(app, user, fake_api):
    fake_api.route("/orders", body={"count": 3})
    actions = [
        http_step(
            fake_api.url("/orders"),
            with_={"query": {"day": "today"}, "headers": {"X-Key": "k"}},
        )
    ]
    execution = run(app, add_workflow(app, user, actions))
    assert execution.status == "success", execution.error_log
    output = steps(execution)["call"]["output"]
    assert output["status"] == 200 and output["json"] == {"count": 3}
    assert fake_api.requests[0]["path"] == "/orders?day=today"
    assert fake_api.requests[0]["headers"]["X-Key"] == "k"


def test_http_post_json_body(app, user, fake_api):
    fake_api.route("/leads", status=201, body={"id": 7})
    actions = [
        ORDER[0],
        http_step(
            fake_api.url("/leads"),
            with_={
                "method": "POST",
                "json": {"total": "{{ steps.order.output.total }}"},
                "expected_status": [201],
            },
        ),
    ]
    execution = run(app, add_workflow(app, user, actions), {"body": {"total": 9}})
    assert execution.status == "success", execution.error_log
    assert fake_api.requests[0]["body"] == '{"total": 9}'


def test_http_text_is_cut_at_64_kb(app, user, fake_api):
    fake_api.route("/big", body="x" * 100_000)
    execution = run(app, add_workflow(app, user, [http_step(fake_api.url("/big"))]))
    output = steps(execution)["call"]["output"]
    assert len(output["text"]) == 64 * 1024 and output["truncated"] is True


def test_http_unexpected_status_fails_with_reason(app, user, fake_api):
    fake_api.route("/missing", status=404, body={"error": "no such order"})
    execution = run(app, add_workflow(app, user, [http_step(fake_api.url("/missing"))]))
    assert execution.status == "failure"
    assert "HTTP 404 from 127.0.0.1 (expected 2xx): {'error': 'no such order'}" in (
        execution.error_log
    )
    assert steps(execution)["call"]["attempts"] == 1  # a 404 is not retried


def test_http_retries_with_backoff_then_succeeds(app, user, fake_api):
    fake_api.route("/flaky", body={"ok": True}, sequence=[503, 502])
    step = http_step(
        fake_api.url("/flaky"), retry={"max_attempts": 3, "backoff_seconds": 0.05}
    )
    execution = run(app, add_workflow(app, user, [step]))
    assert execution.status == "success"
    assert steps(execution)["call"]["attempts"] == 3
    assert len(fake_api.requests) == 3


def test_http_retries_run_out(app, user, fake_api):
    fake_api.route("/down", status=503, body="down")
    step = http_step(
        fake_api.url("/down"), retry={"max_attempts": 2, "backoff_seconds": 0.05}
    )
    execution = run(app, add_workflow(app, user, [step]))
    assert execution.status == "failure"
    assert execution.error_log.endswith("(after 2 attempts)")
    assert "HTTP 503" in execution.error_log


def test_step_timeout(app, user, fake_api):
    fake_api.route("/slow", body={}, delay=2)
    step = http_step(fake_api.url("/slow"), timeout_seconds=0.5)
    began = time.monotonic()
    execution = run(app, add_workflow(app, user, [step]))
    assert time.monotonic() - began < 1.8
    assert execution.status == "failure"
    assert "Timed out after 0.5 s waiting for 127.0.0.1" in execution.error_log


def test_connection_refused_is_explained(app, user):
    step = http_step("http://127.0.0.1:9/nothing")
    execution = run(app, add_workflow(app, user, [step]))
    assert "Could not reach 127.0.0.1: connection refused" in execution.error_log


# ---------- Claims, cancel, retry ----------


def test_only_one_worker_claims_a_run(app, user):
    workflow_id = add_workflow(app, user, [ORDER[0]])
    execution_id = start(app, workflow_id, {"body": {"total": 1}})
    results = []

    def worker():
        with app.app_context():
            results.append(run_execution(execution_id))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str) == [None, None, None, "success"]


def test_cancel_queued_run_at_once(app, user):
    execution_id = start(app, add_workflow(app, user, ORDER))
    with app.app_context():
        execution = db.session.get(Execution, execution_id)
        assert runs.cancel(execution, by="Ada") is True
        assert execution.status == "cancelled"
        assert execution.error_log == "Cancelled by Ada."
        assert run_execution(execution_id) is None
        assert runs.cancel(execution, by="Ada") is False


def test_cancel_running_run_during_delay(app, user):
    actions = [
        ORDER[0],
        {"id": "wait", "type": "core.delay", "with": {"seconds": 30}},
        {"id": "never", "type": "core.log", "with": {"message": "x"}},
    ]
    execution_id = start(app, add_workflow(app, user, actions), {"body": {"total": 1}})
    outcome = {}

    def worker():
        with app.app_context():
            outcome["status"] = run_execution(execution_id)
            db.session.remove()

    thread = threading.Thread(target=worker)
    thread.start()
    with app.app_context():
        deadline = time.monotonic() + 10
        while runs.current_status(execution_id) != "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.3)
        began = time.monotonic()
        assert runs.cancel(db.session.get(Execution, execution_id), by="Ada")
    thread.join(timeout=5)
    assert time.monotonic() - began < 2
    assert outcome["status"] == "cancelled"
    with app.app_context():
        execution = db.session.get(Execution, execution_id)
        assert execution.status == "cancelled"
        assert [s["id"] for s in execution.results] == ["order", "wait"]
        assert execution.results[1]["status"] == "cancelled"


def test_retry_creates_a_new_run_linked_to_the_old(app, user):
    failed = run(app, add_workflow(app, user, ORDER), {"body": {}})
    with app.app_context():
        old = db.session.get(Execution, failed.id)
        kind, trigger = runs.retry_trigger(old)
        meta = {"retry_of": old.id}
        new, created = start_run(
            old.workflow, kind, trigger, by_hand=True, meta=meta, hand_over=False
        )
        assert created and new.id != old.id
        assert new.status == "queued"
        assert new.meta["retry_of"] == old.id
        assert new.meta["trigger"] == {"body": {}}


def test_dedupe_key_enqueues_once(app, user):
    workflow_id = add_workflow(app, user, [ORDER[0]])
    with app.app_context():
        workflow = db.session.get(Workflow, workflow_id)
        first, created = inserts.enqueue(workflow, "webhook", {}, dedupe_key="k1")
        again, created_again = inserts.enqueue(workflow, "webhook", {}, dedupe_key="k1")
        assert created and not created_again and first.id == again.id


# ---------- Sweep and prune ----------


def test_stale_runs_end_as_failure_keeping_their_steps(app, user):
    workflow_id = add_workflow(app, user, ORDER)
    execution_id = start(app, workflow_id)
    with app.app_context():
        assert claims.claim(execution_id)
        runs.write_results(execution_id, [{"id": "order", "status": "success"}])
        execution = db.session.get(Execution, execution_id)
        execution.heartbeat_at = utcnow() - timedelta(seconds=45)
        db.session.commit()
        fresh_id = start(app, workflow_id)
        assert claims.claim(fresh_id)
        assert runs.sweep_stale(timedelta(seconds=30)) == 1
        db.session.expire_all()
        execution = db.session.get(Execution, execution_id)
        assert execution.status == "failure"
        assert execution.error_log.startswith(
            "The worker running this stopped responding (no heartbeat for 30 s)"
        )
        assert execution.results == [{"id": "order", "status": "success"}]
        assert db.session.get(Execution, fresh_id).status == "running"


def test_prune_deletes_old_finished_runs_in_batches(app, user):
    workflow_id = add_workflow(app, user, ORDER)
    old = utcnow() - timedelta(days=20)
    with app.app_context():
        for _ in range(7):
            db.session.add(
                Execution(
                    workflow_id=workflow_id,
                    user_id=user.id,
                    status="success",
                    created_at=old,
                )
            )
        db.session.add(
            Execution(
                workflow_id=workflow_id,
                user_id=user.id,
                status="running",
                created_at=old,
            )
        )
        db.session.add(
            Execution(
                workflow_id=workflow_id,
                user_id=user.id,
                status="failure",
                created_at=utcnow(),
            )
        )
        db.session.commit()
        assert runs.prune(timedelta(days=14), batch_size=3) == 7
        left = db.session.scalars(db.select(Execution.status)).all()
        assert sorted(left) == ["failure", "running"]


def test_prune_goes_through_every_person(app, user, other_user):
    """Retention walks person by person (no index of age alone, migration 0012)."""
    old = utcnow() - timedelta(days=20)
    rows = []
    for owner in (user, other_user):
        workflow_id = add_workflow(app, owner, ORDER)
        rows += [
            run_values(workflow_id, owner.id, status="failure", created_at=at)
            for at in (old, old, utcnow())
        ]
    add_runs(app, rows)
    kept = {}
    with app.app_context():
        assert runs.prune(timedelta(days=14), batch_size=1) == 4
        for owner in (user, other_user):
            kept[owner.id] = db.session.scalars(
                db.select(Execution.created_at).where(Execution.user_id == owner.id)
            ).all()
    assert all(len(times) == 1 and times[0] > old for times in kept.values())


def test_prune_command(app, user, runner):
    workflow_id = add_workflow(app, user, ORDER)
    with app.app_context():
        db.session.add(
            Execution(
                workflow_id=workflow_id,
                user_id=user.id,
                status="success",
                created_at=utcnow() - timedelta(days=3),
            )
        )
        db.session.commit()
    result = runner.invoke(args=["synth", "prune", "--days", "2"])
    assert result.exit_code == 0
    assert "Deleted 1 finished executions older than 2 days." in result.output
    assert runner.invoke(args=["synth", "prune", "--days", "0"]).exit_code != 0

"""Schedules: each fire time runs exactly once, however many schedulers tick."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from synth_web.engine.scheduler import (
    enqueue_due_schedules,
    latest_fire_time,
    schedule_key,
)
from synth_web.extensions import db
from synth_web.models import Connection, Execution, Workflow
from tests.conftest import add_workflow

LOG = [{"id": "note", "type": "core.log", "with": {"message": "tick"}}]
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def schedule(
    app, user, cron="*/5 * * * *", timezone="UTC", status="active", actions=LOG
):
    workflow_id = add_workflow(
        app,
        user,
        actions,
        status=status,
        trigger={"type": "schedule", "cron": cron, "timezone": timezone},
    )
    with app.app_context():
        workflow = db.session.get(Workflow, workflow_id)
        workflow.meta = {"activated_at": LONG_AGO.isoformat()}
        db.session.commit()
    return workflow_id


def run_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Execution.id)))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("cron", "zone", "now", "expected"),
    [
        ("*/15 * * * *", "UTC", "2026-11-26T10:07:00", "2026-11-26T10:00:00"),
        ("*/15 * * * *", "UTC", "2026-11-26T10:15:00", "2026-11-26T10:15:00"),
        # 09:00 in Paris is 08:00 UTC in winter.
        ("0 9 * * 1-5", "Europe/Paris", "2026-11-26T12:00:00", "2026-11-26T08:00:00"),
        # Saturday: the latest weekday fire time was Friday.
        ("0 9 * * 1-5", "Europe/Paris", "2026-11-28T12:00:00", "2026-11-27T08:00:00"),
        ("0 9 * * *", "America/New_York", "2026-07-01T14:00:00", "2026-07-01T13:00:00"),
        ("0 9 * * *", "America/New_York", "2026-07-01T12:00:00", "2026-06-30T13:00:00"),
        # Half a second, or a millisecond, before midnight: still yesterday's.
        ("0 0 * * *", "UTC", "2026-11-26T23:59:59.500", "2026-11-26T00:00:00"),
        ("0 0 * * *", "UTC", "2026-11-26T23:59:59.999", "2026-11-26T00:00:00"),
        ("0 0 * * *", "UTC", "2026-11-27T00:00:00", "2026-11-27T00:00:00"),
        ("0 0 * * *", "UTC", "2026-11-27T00:00:00.250", "2026-11-27T00:00:00"),
    ],
)
def test_latest_fire_time(cron, zone, now, expected):
    trigger = {"cron": cron, "timezone": zone}
    assert latest_fire_time(trigger, at(now)) == at(expected)


def test_a_run_is_never_enqueued_before_its_fire_time(app, user):
    schedule(app, user, cron="0 0 * * *")
    with app.app_context():
        enqueue_due_schedules(at("2026-11-26T12:00:00"))
        assert enqueue_due_schedules(at("2026-11-26T23:59:59.500")) == []
        (new,) = enqueue_due_schedules(at("2026-11-27T00:00:00.100"))
        execution = db.session.get(Execution, new)
        assert execution.meta["trigger"]["fire_time"] == "2026-11-27T00:00:00+00:00"


def test_due_fire_time_is_enqueued_once(app, user):
    workflow_id = schedule(app, user)
    now = at("2026-11-26T10:07:00")
    with app.app_context():
        first = enqueue_due_schedules(now)
        again = enqueue_due_schedules(now + timedelta(seconds=5))
        assert len(first) == 1 and again == []
        execution = db.session.get(Execution, first[0])
        assert execution.dedupe_key == schedule_key(workflow_id, at("2026-11-26T10:05"))
        assert execution.trigger_type == "schedule"
        assert execution.meta["trigger"]["fire_time"] == "2026-11-26T10:05:00+00:00"
        assert len(enqueue_due_schedules(at("2026-11-26T10:10:01"))) == 1


def test_after_downtime_only_the_latest_missed_fire_time_runs(app, user):
    schedule(app, user, cron="*/5 * * * *")
    with app.app_context():
        enqueue_due_schedules(at("2026-11-26T10:00:30"))
        # Down for two hours: 24 fire times were missed; one run catches up.
        assert len(enqueue_due_schedules(at("2026-11-26T12:03:00"))) == 1
    assert run_count(app) == 2


def test_fire_times_before_activation_are_ignored(app, user):
    workflow_id = schedule(app, user, cron="0 9 * * *")
    with app.app_context():
        workflow = db.session.get(Workflow, workflow_id)
        workflow.meta = {"activated_at": "2026-11-26T09:30:00+00:00"}
        db.session.commit()
        assert enqueue_due_schedules(at("2026-11-26T10:00:00")) == []
        assert len(enqueue_due_schedules(at("2026-11-27T09:00:10"))) == 1


def test_inactive_and_broken_schedules_do_not_run(app, user):
    schedule(app, user, status="inactive")
    slack = [
        {
            "id": "p",
            "type": "slack.post_message",
            "with": {"channel": "#x", "text": "t"},
        }
    ]
    schedule(app, user, actions=slack)  # no Slack connection: a problem
    schedule(app, user, cron="not a cron")
    with app.app_context():
        assert enqueue_due_schedules(at("2026-11-26T10:07:00")) == []


def test_schedule_runs_again_once_its_connection_is_back(app, user):
    slack = [
        {
            "id": "p",
            "type": "slack.post_message",
            "with": {"channel": "#x", "text": "t"},
        }
    ]
    schedule(app, user, actions=slack)
    with app.app_context():
        db.session.add(
            Connection(
                user_id=user.id,
                app_name="slack",
                connection_type="bot_token",
                status="active",
            )
        )
        db.session.commit()
        assert len(enqueue_due_schedules(at("2026-11-26T10:07:00"))) == 1


def test_two_schedulers_at_once_run_each_fire_time_exactly_once(app, user):
    for _ in range(5):
        schedule(app, user, cron="* * * * *")
    barrier = threading.Barrier(4)
    created: list[int] = []
    errors: list[BaseException] = []

    def scheduler(offset: int) -> None:
        try:
            with app.app_context():
                for minute in range(3):
                    barrier.wait(timeout=10)
                    now = at(f"2026-11-26T10:0{minute}:0{offset}")
                    created.extend(enqueue_due_schedules(now))
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=scheduler, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(created) == 15 == len(set(created))
    with app.app_context():
        keys = db.session.scalars(select(Execution.dedupe_key)).all()
    assert len(keys) == 15 == len(set(keys))


def test_switching_on_records_when(app, user, signed_in):
    workflow_id = schedule(app, user, status="inactive")
    response = signed_in.post(f"/workflows/{workflow_id}/toggle")
    assert response.status_code in (200, 302, 303)
    with app.app_context():
        workflow = db.session.get(Workflow, workflow_id)
        assert workflow.status == "active"
        activated = datetime.fromisoformat(workflow.meta["activated_at"])
        assert datetime.now(UTC) - activated < timedelta(seconds=10)
        # The fire time just before switching on does not run.
        assert enqueue_due_schedules() == []

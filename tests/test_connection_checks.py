"""The scheduler re-checks active connections every SYNTH_VERIFY_INTERVAL_HOURS."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from synth_web.engine.scheduler import Background
from synth_web.engine.verification import reverify_due
from synth_web.extensions import db
from synth_web.models import Connection, utcnow
from synth_web.vault import put_secret

TOKEN = "xoxb-1212121212-3434343434-RecheckTokenM5n6"


@pytest.fixture
def app_config(fake_api):
    return {
        "SYNTH_ALLOW_PRIVATE_NETWORK": True,
        "SYNTH_SLACK_API_URL": fake_api.url("/api"),
        "SYNTH_VERIFY_INTERVAL_HOURS": 24,
    }


def add(app, user_id, app_name="slack", status="active", verified_hours=None, **meta):
    """Add a connection last verified `verified_hours` ago (None: never)."""
    with app.app_context():
        verified = (
            None
            if verified_hours is None
            else utcnow() - timedelta(hours=verified_hours)
        )
        connection = Connection(
            user_id=user_id,
            app_name=app_name,
            connection_type="bot_token",
            status=status,
            last_verified_at=verified,
            meta=meta,
        )
        db.session.add(connection)
        db.session.flush()
        put_secret(user_id, connection.id, {"bot_token": TOKEN}, commit=False)
        db.session.commit()
        return connection.id


def verified_ids(app, since):
    with app.app_context():
        return set(
            db.session.scalars(
                select(Connection.id).where(Connection.last_verified_at > since)
            )
        )


def test_only_stale_active_connections_are_checked(app, user, other_user, fake_api):
    fake_api.route("/api/auth.test", body={"ok": True, "team": "Acme", "user": "b"})
    started = utcnow()
    never = add(app, user.id)
    stale = add(app, other_user.id, verified_hours=30)
    add(app, user.id, app_name="gmail", verified_hours=2)  # fresh
    add(app, other_user.id, app_name="gmail", status="inactive", verified_hours=90)
    add(app, user.id, app_name="github", verified_hours=90)  # not in the catalog
    with app.app_context():
        assert reverify_due(timedelta(hours=24)) == 2
    assert verified_ids(app, started) == {never, stale}
    assert len(fake_api.requests) == 2


def test_a_recent_failure_waits_for_the_next_interval(app, user, fake_api):
    fake_api.route("/api/auth.test", body={"ok": False, "error": "invalid_auth"})
    connection_id = add(app, user.id, verified_hours=48)
    with app.app_context():
        assert reverify_due(timedelta(hours=24)) == 1
        connection = db.session.get(Connection, connection_id)
        assert "invalid_auth" in connection.meta["last_error"]["message"]
        assert reverify_due(timedelta(hours=24)) == 0  # failed just now
    assert len(fake_api.requests) == 1


def test_the_background_loop_runs_the_check_off_its_own_thread(app, user, fake_api):
    fake_api.route("/api/auth.test", body={"ok": True, "team": "Acme", "user": "b"})
    started = utcnow()
    connection_id = add(app, user.id)
    background = Background(app)
    assert not background.due("verify", 3600, time.monotonic())  # not at start-up
    background._last["verify"] = -1e9
    with app.app_context():
        background.step(time.monotonic())
    deadline = time.monotonic() + 10
    while connection_id not in verified_ids(app, started):
        assert time.monotonic() < deadline, "the check did not run"
        time.sleep(0.05)

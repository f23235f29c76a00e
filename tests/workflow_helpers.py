"""Helpers for workflow tests: make workflows, runs and connections directly."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from flask import Flask

from synth_web.extensions import db
from synth_web.models import Connection, Execution, User, Workflow, utcnow
from synth_web.vault import put_secret

LOG = {
    "name": "Say hello",
    "intent": "When I press Run now, log a greeting.",
    "trigger": {"type": "manual"},
    "actions": [{"id": "hello", "type": "core.log", "with": {"message": "Hi"}}],
}
SLACK = {
    "name": "Orders to Slack",
    "intent": "When the shop posts an order, tell #sales.",
    "trigger": {"type": "webhook"},
    "actions": [
        {
            "id": "notify",
            "type": "slack.post_message",
            "with": {"channel": "#sales", "text": "Order {{ trigger.body.id }}"},
        }
    ],
}
SCHEDULE = {
    "name": "Weekday digest",
    "intent": "Every weekday at 09:00 Paris time, call the API.",
    "trigger": {"type": "schedule", "cron": "0 9 * * 1-5", "timezone": "Europe/Paris"},
    "actions": [
        {
            "id": "sales",
            "type": "http.request",
            "with": {"method": "GET", "url": "https://shop.example.com/api"},
        }
    ],
}


def add_workflow(
    app: Flask,
    user: User,
    definition: dict[str, Any] | None = None,
    status: str = "inactive",
    **fields: Any,
) -> int:
    """Create a workflow straight in the database and return its id."""
    with app.app_context():
        workflow = Workflow(user_id=user.id, status=status, meta={})
        workflow.apply_definition(copy.deepcopy(definition or LOG))
        for key, value in fields.items():
            setattr(workflow, key, value)
        db.session.add(workflow)
        db.session.commit()
        return workflow.id


def add_run(
    app: Flask,
    workflow_id: int,
    status: str = "success",
    created_at: datetime | None = None,
) -> int:
    """Record a finished run of a workflow and return its id."""
    with app.app_context():
        workflow = db.session.get(Workflow, workflow_id)
        created = created_at or utcnow()
        run = Execution(
            workflow_id=workflow_id,
            user_id=workflow.user_id,
            status=status,
            trigger_type=workflow.trigger_type,
            created_at=created,
            started_at=created,
            finished_at=created + timedelta(milliseconds=120),
            results=[],
        )
        db.session.add(run)
        db.session.commit()
        return run.id


def connect(app: Flask, user: User, app_name: str, status: str = "active") -> None:
    """Give a user a connection to an app."""
    with app.app_context():
        db.session.add(
            Connection(
                user_id=user.id,
                app_name=app_name,
                status=status,
                connection_type="bot_token",
            )
        )
        db.session.commit()


def connect_with_secret(
    app: Flask, user: User, app_name: str, secret: dict[str, str]
) -> None:
    """Connect an app with its secret in the vault, the way the connect form does."""
    with app.app_context():
        connection = Connection(
            user_id=user.id, app_name=app_name, connection_type="bot_token", meta={}
        )
        db.session.add(connection)
        db.session.flush()
        put_secret(user.id, connection.id, secret, commit=False)
        db.session.commit()


def load(app: Flask, workflow_id: int) -> Workflow | None:
    """Read a workflow back, detached, or None when it is gone."""
    with app.app_context():
        workflow = db.session.get(Workflow, workflow_id)
        if workflow is not None:
            db.session.expunge(workflow)
        return workflow


def count(app: Flask, model: type) -> int:
    """Count every row of a model."""
    with app.app_context():
        return db.session.query(model).count()

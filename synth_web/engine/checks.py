"""A workflow's problems right now: the one function pages and the runner share."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from synth_web.engine.apps import get_app
from synth_web.engine.validation import Problem, validate_definition
from synth_web.extensions import db
from synth_web.models import Connection, Workflow


def connection_statuses(user_id: int) -> dict[str, str]:
    """Return app key → connection status for one person."""
    rows = db.session.execute(
        select(Connection.app_name, Connection.status).where(
            Connection.user_id == user_id
        )
    )
    return {app: status for app, status in rows}


def workflow_problems(
    workflow: Workflow, connections: Mapping[str, str] | None = None
) -> list[Problem]:
    """Return what stops this workflow from being activated or run."""
    if connections is None:
        connections = (
            connection_statuses(workflow.user_id)
            if uses_connected_apps(workflow)
            else {}
        )
    return validate_definition(workflow.definition, connections)


def uses_connected_apps(workflow: Workflow) -> bool:
    """Tell whether any step needs a connection (else none need to be read)."""
    return any(
        (app := get_app(key)) is None or app.needs_connection
        for key in workflow.apps_used
    )

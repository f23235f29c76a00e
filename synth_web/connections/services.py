"""Connection rules: connect, turn on and off, delete; who uses which app.

A connection row holds no secret: its non-secret settings sit in
`meta["settings"]`, its secret fields in the vault (another database), so saving
writes both in one commit and deleting erases both.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from synth_web.access import owned_or_404
from synth_web.connections.listing import Usage, workflows_using
from synth_web.engine import runs
from synth_web.engine.apps import App, app_label
from synth_web.extensions import db
from synth_web.models import Connection, Execution
from synth_web.vault import VaultError, delete_secret, get_secret, put_secret
from synth_web.words import plural

log = logging.getLogger(__name__)


def get_connection_or_404(connection_id: int) -> Connection:
    """Return the signed-in person's connection, or answer 404."""
    return owned_or_404(Connection, connection_id)


def find_connection(user_id: int, app_key: str) -> Connection | None:
    """Return a person's connection to an app, if any."""
    return db.session.scalar(
        select(Connection).where(
            Connection.user_id == user_id, Connection.app_name == app_key
        )
    )


def readable_secret(connection: Connection) -> dict[str, str]:
    """Return the stored secret fields, or nothing when none can be read."""
    try:
        return get_secret(connection.id, connection.user_id)
    except VaultError:
        return {}


def save_connection(
    user_id: int, app: App, values: dict[str, str]
) -> tuple[Connection, bool]:
    """Connect an app, or replace its settings and secret; return it and if new.

    A blank secret field keeps the stored secret. Settings or secrets that
    change make the last check void: the connection shows as unverified.
    """
    secret_names = [f.name for f in app.connection_fields if f.secret]
    settings = {
        f.name: values.get(f.name) or "" for f in app.connection_fields if not f.secret
    }
    typed = {name: values[name] for name in secret_names if values.get(name)}
    connection = find_connection(user_id, app.key)
    created = connection is None
    if connection is None:
        connection = new_connection(user_id, app, settings)
        if connection is None:
            # Connected twice at once: the unique index kept one; update it.
            return save_connection(user_id, app, values)[0], False
        stored: dict[str, str] = {}
    else:
        stored = readable_secret(connection)
        update_settings(connection, settings, changed={**stored, **typed} != stored)
    merged = {**stored, **typed}
    secret = {name: merged[name] for name in secret_names if merged.get(name)}
    put_secret(user_id, connection.id, secret, commit=False)
    db.session.commit()
    return connection, created


def new_connection(
    user_id: int, app: App, settings: dict[str, str]
) -> Connection | None:
    """Add an active connection (flushed, for its id); None if one already exists."""
    connection = Connection(
        user_id=user_id,
        app_name=app.key,
        connection_type=app.connection_type,
        status="active",
        meta={"settings": settings},
    )
    db.session.add(connection)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None
    return connection


def update_settings(
    connection: Connection, settings: dict[str, str], changed: bool
) -> None:
    """Store new settings; changed credentials void the last check."""
    meta = dict(connection.meta or {})
    if changed or settings != meta.get("settings"):
        meta.pop("facts", None)
        meta.pop("last_error", None)
        connection.last_verified_at = None
    connection.meta = {**meta, "settings": settings}


def fail_queued_runs(workflows: list[Usage], reason: str) -> int:
    """End the queued runs of these workflows without running them."""
    if not workflows:
        return 0
    queued = db.session.scalars(
        select(Execution.id).where(
            Execution.workflow_id.in_([w.id for w in workflows]),
            Execution.status == "queued",
        )
    ).all()
    return sum(runs.fail_queued(execution_id, reason) for execution_id in queued)


def toggle_connection(connection: Connection) -> str:
    """Turn a connection off or back on; say what it means for workflows."""
    name = app_label(connection.app_name)
    workflows = workflows_using(connection.user_id, connection.app_name)
    count = plural(len(workflows), "workflow")
    if not connection.is_active:
        connection.status = "active"
        db.session.commit()
        if not workflows:
            return f"{name} is back on."
        return f"{name} is back on: {count} can run again."
    # Committed first: a run claimed from now on sees the connection off.
    connection.status = "inactive"
    db.session.commit()
    failed = fail_queued_runs(workflows, f"Not run: {name} connection is off.")
    if not workflows:
        return f"{name} is off. No workflow uses it."
    message = f"{name} is off: {count} can no longer run."
    if failed:
        message += f" {plural(failed, 'queued run')} ended without running."
    return message


def delete_connection(connection: Connection) -> str:
    """Delete a connection and erase its secret; say what it means."""
    name = app_label(connection.app_name)
    workflows = workflows_using(connection.user_id, connection.app_name)
    # The secret first, in its own database: should the second step fail, no
    # secret outlives its connection.
    delete_secret(connection.id)
    db.session.delete(connection)
    db.session.commit()
    fail_queued_runs(workflows, f"Not run: {name} is no longer connected.")
    if not workflows:
        return f"{name} was disconnected and its secret erased."
    return (
        f"{name} was disconnected and its secret erased: "
        f"{plural(len(workflows), 'workflow')} cannot run until you connect it again."
    )

"""Connection rules: connect, turn on and off, delete; who uses which app.

A connection row holds no secret: its non-secret settings sit in
`meta["settings"]`, its secret fields in the vault (another database), so saving
writes both in one commit and deleting erases both.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from synth_web.access import owned_or_404
from synth_web.connections.listing import Usage, app_label, workflows_using
from synth_web.engine import runs
from synth_web.engine.apps import App, get_app
from synth_web.engine.context import StepFailed
from synth_web.engine.secrets import connection_fields
from synth_web.extensions import db
from synth_web.models import Connection, Execution, utcnow
from synth_web.redaction import redact
from synth_web.vault import VaultError, delete_secret, get_secret, put_secret

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


def plural(count: int, word: str) -> str:
    """Write `1 workflow` or `3 workflows`."""
    return f"{count} {word}{'' if count == 1 else 's'}"


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


def facts_sentence(facts: dict[str, Any]) -> str:
    """Say in words what a successful check learned."""
    if facts.get("bot_user") and facts.get("team"):
        return f"signed in as {facts['bot_user']} in {facts['team']}"
    if facts.get("address") and facts.get("server"):
        return f"signed in as {facts['address']} on {facts['server']}"
    return "the check passed"


def verify_connection(connection: Connection) -> tuple[bool, str]:
    """Run the app's own check of a connection and record how it went.

    Success sets `last_verified_at` and clears the last error; failure keeps it
    and records the message, with the connection's secrets redacted from it.
    """
    name = app_label(connection.app_name)
    app = get_app(connection.app_name)
    if app is None or app.verify is None:
        return (
            False,
            f"Synth cannot check {name} connections: {name} is not in its app catalog.",
        )
    secrets: list[str] = []
    try:
        fields = connection_fields(connection.user_id, connection.app_name)
        secrets = [
            fields[f.name]
            for f in app.connection_fields
            if f.secret and fields.get(f.name)
        ]
        facts = app.verify(fields)
    except (StepFailed, VaultError) as exc:
        message = str(exc)
    except Exception as exc:  # noqa: BLE001 - a check must never break the page
        message = f"the check failed unexpectedly ({type(exc).__name__})."
        log.warning(
            "Checking connection %s: %s", connection.id, redact(repr(exc), secrets)
        )
    else:
        connection.last_verified_at = utcnow()
        meta = {k: v for k, v in (connection.meta or {}).items() if k != "last_error"}
        connection.meta = {**meta, "facts": facts}
        db.session.commit()
        return True, f"{name} works: {facts_sentence(facts)}."
    message = redact(message, secrets)
    error = {"message": message, "at": utcnow().isoformat()}
    connection.meta = {**(connection.meta or {}), "last_error": error}
    db.session.commit()
    return False, f"The {name} check failed: {message}"


def reverify_due(interval: timedelta, limit: int = 50) -> int:
    """Check active connections not checked within `interval`; return how many.

    A connection whose latest check failed within the interval waits for the
    next one, so a broken token is not retried every hour.
    """
    cutoff = utcnow() - interval
    candidates = db.session.scalars(
        select(Connection)
        .where(
            Connection.status == "active",
            or_(
                Connection.last_verified_at.is_(None),
                Connection.last_verified_at < cutoff,
            ),
        )
        .order_by(Connection.id)
    )
    checked = 0
    for connection in candidates:
        app = get_app(connection.app_name)
        if app is None or app.verify is None or failed_since(connection, cutoff):
            continue
        verify_connection(connection)
        checked += 1
        if checked >= limit:
            break
    return checked


def failed_since(connection: Connection, cutoff: datetime) -> bool:
    """Tell whether the connection's latest check failed after `cutoff`."""
    error = (connection.meta or {}).get("last_error")
    try:
        at = datetime.fromisoformat(error["at"])  # type: ignore[index]
    except (TypeError, KeyError, ValueError):
        return False
    return at > cutoff

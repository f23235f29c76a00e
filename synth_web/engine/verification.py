"""Checking connections: each app's own check, run on demand and on a schedule.

The engine owns this because the checks are the catalog's (`App.verify`) and the
scheduler runs them; the connections pages only ask for one and show the answer.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from synth_web.engine.apps import app_label, get_app
from synth_web.engine.context import StepFailed
from synth_web.engine.secrets import connection_fields
from synth_web.extensions import db
from synth_web.models import Connection, utcnow
from synth_web.redaction import redact
from synth_web.vault import VaultError

log = logging.getLogger(__name__)


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
        connection.checked(facts, utcnow())
        db.session.commit()
        return True, f"{name} works: {facts_sentence(facts)}."
    message = redact(message, secrets)
    connection.check_failed(message, utcnow())
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
    error = connection.last_error
    return error is not None and error.at is not None and error.at > cutoff

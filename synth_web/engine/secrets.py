"""The secrets a run may use, and the redaction that keeps them out of records.

A connected app's fields are its non-secret settings (kept in the connection's
metadata under "settings") plus its secrets from the vault. Only steps of apps that
need a connection ever receive secrets, so only runs using such apps redact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from synth_web.engine.apps import get_app
from synth_web.extensions import db
from synth_web.models import Connection
from synth_web.redaction import redact
from synth_web.vault import SecretNotFound, get_secret, known_secret_values


def connection_fields(user_id: int, app_key: str) -> dict[str, str]:
    """Return a connected app's settings and secrets for a step's code."""
    app = get_app(app_key)
    if app is None or not app.needs_connection:
        return {}
    connection = db.session.scalar(
        select(Connection).where(
            Connection.user_id == user_id, Connection.app_name == app_key
        )
    )
    if connection is None:
        return {}
    settings = dict((connection.meta or {}).get("settings") or {})
    try:
        return {**settings, **get_secret(connection.id, user_id)}
    except SecretNotFound:
        return settings


def redactor(user_id: int, apps: list[str]) -> Callable[[Any], Any]:
    """Return a function that hides the user's secrets inside any JSON value."""
    uses_secrets = any(
        (app := get_app(key)) is not None and app.needs_connection for key in apps
    )
    secrets = known_secret_values(user_id) if uses_secrets else []

    def hide(value: Any) -> Any:
        return redact(value, secrets) if secrets else value

    return hide

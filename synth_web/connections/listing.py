"""What the connections pages show: each connection, its secrets masked, its users."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for
from sqlalchemy import select

from synth_web.engine.apps import App, app_label, catalog, get_app
from synth_web.extensions import db
from synth_web.models import Connection, Workflow
from synth_web.models.connection import LastError
from synth_web.redaction import mask
from synth_web.vault import SecretNotFound, VaultError, get_secret
from synth_web.words import plural


def connectable_apps() -> list[App]:
    """List the catalog's apps that need a connection."""
    return [app for app in catalog().values() if app.needs_connection]


@dataclass(frozen=True)
class Usage:
    """A workflow that uses an app, as a list shows it."""

    id: int
    name: str
    status: str
    url: str | None


def usage_by_app(user_id: int) -> dict[str, list[Usage]]:
    """Return app key → the person's workflows with a step of that app, by name.

    Computed in Python over the person's workflows: one portable query, instead
    of matching serialised JSON, whose spacing differs between SQLite and JSONB.
    """
    detail = "workflows.detail" in current_app.view_functions
    workflows = db.session.scalars(
        select(Workflow)
        .where(Workflow.user_id == user_id)
        .order_by(Workflow.name, Workflow.id)
    )
    usage: dict[str, list[Usage]] = {}
    for workflow in workflows:
        url = url_for("workflows.detail", workflow_id=workflow.id) if detail else None
        item = Usage(workflow.id, workflow.name, workflow.status, url)
        for app_key in workflow.apps_used:
            usage.setdefault(app_key, []).append(item)
    return usage


def workflows_using(user_id: int, app_key: str) -> list[Usage]:
    """Return the person's workflows with a step of this app."""
    return usage_by_app(user_id).get(app_key, [])


@dataclass
class ConnectionView:
    """Everything the connections page shows about one connection."""

    connection: Connection
    app: App | None
    name: str
    secrets: list[tuple[str, str]]
    # (label, value, is a masked secret), in declared order, for display.
    fields: list[tuple[str, str, bool]]
    workflows: list[Usage]
    vault_problem: str | None = None

    @property
    def used_by(self) -> str:
        """Say how many workflows use this connection's app."""
        return plural(len(self.workflows), "workflow")

    @property
    def can_verify(self) -> bool:
        """Tell whether the catalog knows how to check this connection."""
        return self.app is not None and self.app.verify is not None

    @property
    def facts(self) -> dict[str, Any]:
        """What the latest successful check learned (workspace, bot, address)."""
        return self.connection.facts

    @property
    def last_error(self) -> LastError | None:
        """Return the failure of the latest check, if it failed."""
        return self.connection.last_error


def describe(connection: Connection, workflows: list[Usage]) -> ConnectionView:
    """Build the view of one connection: masked secrets, settings, usage."""
    app = get_app(connection.app_name)
    view = ConnectionView(
        connection, app, app_label(connection.app_name), [], [], workflows
    )
    fields = app.connection_fields if app else ()
    settings = connection.settings
    try:
        masks = secret_masks(connection, app)
    except SecretNotFound:
        masks, view.vault_problem = {}, "No secret is stored: connect it again."
    except VaultError:
        masks = {}
        view.vault_problem = "The vault cannot read this secret with its key."
    # In the order the app declares its fields: address before password.
    for spec in fields:
        if spec.name in masks:
            view.secrets.append((spec.label, masks[spec.name]))
            view.fields.append((spec.label, masks[spec.name], True))
        elif not spec.secret and settings.get(spec.name):
            value = str(settings[spec.name])
            view.fields.append(
                (spec.label, dict(spec.choices).get(value, value), False)
            )
    return view


def secret_masks(connection: Connection, app: App | None) -> dict[str, str]:
    """Return field name → masked value of a connection's stored secrets.

    Raises SecretNotFound or VaultError when an app with secret fields has none
    readable; an app without secret fields has nothing to show.
    """
    fields = [spec for spec in (app.connection_fields if app else ()) if spec.secret]
    if not fields:
        return {}
    stored = get_secret(connection.id, connection.user_id)
    return {
        spec.name: mask(stored[spec.name]) for spec in fields if stored.get(spec.name)
    }


def stored_masks(connection: Connection, app: App) -> dict[str, str]:
    """Return the masks of the secrets stored for a connection; none if unreadable."""
    try:
        return secret_masks(connection, app)
    except VaultError:
        return {}


def list_connections(user_id: int) -> list[ConnectionView]:
    """Return the person's connections with what the page shows of each."""
    usage = usage_by_app(user_id)
    connections = db.session.scalars(
        select(Connection)
        .where(Connection.user_id == user_id)
        .order_by(Connection.app_name)
    )
    views = [describe(c, usage.get(c.app_name, [])) for c in connections]
    # Apps of the catalog first, then the others, each by name.
    return sorted(views, key=lambda view: (view.app is None, view.name.lower()))


def view_of(connection: Connection) -> ConnectionView:
    """Return the view of one connection, for a fragment."""
    return describe(
        connection, workflows_using(connection.user_id, connection.app_name)
    )


def apps_to_connect(views: list[ConnectionView]) -> list[App]:
    """List the catalog's apps the person has not connected yet."""
    connected = {view.connection.app_name for view in views}
    return [app for app in connectable_apps() if app.key not in connected]

"""Connection endpoints: metadata and status only. Secrets never leave the vault."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask_login import current_user
from pydantic import Field
from sqlalchemy import select

from synth_web.api import bp
from synth_web.api.common import ID, JsonObject, Out, PageQuery, Strict, cursor_field
from synth_web.api.pagination import BY_ID, keyset_page
from synth_web.api.spec import route
from synth_web.connections.services import get_connection_or_404, toggle_connection
from synth_web.engine.apps import app_label
from synth_web.extensions import db
from synth_web.models import Connection

TAG = "connections"
ONE = f"/connections/<{ID}:connection_id>"


class ConnectionQuery(PageQuery):
    """Filters of the connection list."""

    status: Literal["active", "inactive"] | None = None
    cursor: str = cursor_field(BY_ID)


class ConnectionOut(Out):
    """A connected app: which one, whether it is on, when it was last checked."""

    id: int
    app_name: str
    app_label: str
    status: Literal["active", "inactive"]
    connection_type: str
    created_at: datetime
    last_verified_at: datetime | None
    settings: JsonObject = Field(description="Non-secret settings, like a host.")
    facts: JsonObject | None = Field(description="What the last check learned.")
    last_error: JsonObject | None = Field(description="Why the last check failed.")


class ConnectionList(Out):
    """One page of connections, oldest first."""

    data: list[ConnectionOut]
    next_cursor: str | None


class ConnectionStatus(Strict):
    """Switch a connection on or off."""

    status: Literal["active", "inactive"]


def connection_out(connection: Connection) -> ConnectionOut:
    """Describe a connection without anything secret."""
    last_error = connection.last_error
    return ConnectionOut(
        id=connection.id,
        app_name=connection.app_name,
        app_label=app_label(connection.app_name),
        status=connection.status,
        connection_type=connection.connection_type,
        created_at=connection.created_at,
        last_verified_at=connection.last_verified_at,
        settings=connection.settings,
        facts=connection.facts or None,
        last_error=last_error.as_dict() if last_error else None,
    )


@route(bp, "/connections", "GET", out=ConnectionList, tag=TAG)
def list_connections(query: ConnectionQuery) -> ConnectionList:
    """List your connections (metadata only, never a secret)."""
    statement = select(Connection).where(Connection.user_id == current_user.id)
    if query.status:
        statement = statement.where(Connection.status == query.status)
    rows, cursor = keyset_page(
        db.session.scalars,
        statement,
        BY_ID,
        (Connection.id,),
        query.cursor,
        query.limit,
        descending=False,
    )
    return ConnectionList(data=[connection_out(c) for c in rows], next_cursor=cursor)


@route(bp, ONE, "GET", out=ConnectionOut, tag=TAG)
def get_connection(connection_id: int) -> ConnectionOut:
    """Get one connection (metadata only, never a secret)."""
    return connection_out(get_connection_or_404(connection_id))


@route(bp, ONE, "PATCH", out=ConnectionOut, tag=TAG)
def set_connection_status(connection_id: int, json: ConnectionStatus) -> ConnectionOut:
    """Switch a connection on or off; off stops the workflows that use it."""
    connection = get_connection_or_404(connection_id)
    if connection.status != json.status:
        toggle_connection(connection)
    return connection_out(connection)

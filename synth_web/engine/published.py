"""The catalog as `GET /api/v1/apps` publishes it, and the model brain reads it.

One description of every app: its actions with their JSON Schemas, the words
people use for them, the events it relays, and the person's connection state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from synth_web.engine.apps import App, catalog


def describe_app(app: App, status: str | None) -> dict[str, Any]:
    """Describe one app of the catalog for a person whose connection has `status`."""
    return {
        "slug": app.key,
        "name": app.name,
        "description": app.description,
        "needs_connection": app.needs_connection,
        "connected": not app.needs_connection or status is not None,
        "switched_on": not app.needs_connection or status == "active",
        "words": list(app.words),
        "events": [
            {
                "name": event.name,
                "title": event.title,
                "words": list(event.words),
                "fields": list(event.fields),
            }
            for event in app.events.values()
        ],
        "actions": [
            {
                "type": f"{app.key}.{action.name}",
                "title": action.title or action.name.replace("_", " ").capitalize(),
                "description": action.description,
                "words": list(action.words),
                "slots": dict(action.slots),
                "schema": action.schema,
            }
            for action in app.actions.values()
        ],
    }


def published_catalog(statuses: Mapping[str, str]) -> list[dict[str, Any]]:
    """Describe the whole catalog, built-ins first, for a person's connections."""
    return [describe_app(app, statuses.get(key)) for key, app in catalog().items()]

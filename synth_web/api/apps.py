"""The catalog endpoint: every app, its actions and events, and your state of it."""

from __future__ import annotations

from flask_login import current_user

from synth_web.api import bp
from synth_web.api.plan_models import ActionOut, AppList, AppOut, EventOut
from synth_web.api.spec import route
from synth_web.engine.apps import App, catalog
from synth_web.engine.checks import connection_statuses

TAG = "catalog"


def app_out(app: App, status: str | None) -> AppOut:
    """Describe one app of the catalog for this person."""
    return AppOut(
        slug=app.key,
        name=app.name,
        description=app.description,
        needs_connection=app.needs_connection,
        connected=not app.needs_connection or status is not None,
        switched_on=not app.needs_connection or status == "active",
        words=list(app.words),
        events=[
            EventOut(
                name=e.name, title=e.title, words=list(e.words), fields=list(e.fields)
            )
            for e in app.events.values()
        ],
        actions=[
            ActionOut(
                type=f"{app.key}.{a.name}",
                title=a.title or a.name.replace("_", " ").capitalize(),
                description=a.description,
                words=list(a.words),
                slots=dict(a.slots),
                json_schema=a.schema,
            )
            for a in app.actions.values()
        ],
    )


@route(bp, "/apps", "GET", out=AppList, tag=TAG)
def list_apps() -> AppList:
    """List the catalog: actions with their JSON Schema, events, your connections."""
    statuses = connection_statuses(current_user.id)
    return AppList(
        data=[app_out(app, statuses.get(key)) for key, app in catalog().items()]
    )

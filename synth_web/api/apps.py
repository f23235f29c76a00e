"""The catalog endpoint: every app, its actions and events, and your state of it."""

from __future__ import annotations

from flask_login import current_user

from synth_web.api import bp
from synth_web.api.plan_models import AppList
from synth_web.api.spec import route
from synth_web.engine.checks import connection_statuses
from synth_web.engine.published import published_catalog

TAG = "catalog"


@route(bp, "/apps", "GET", out=AppList, tag=TAG)
def list_apps() -> AppList:
    """List the catalog: actions with their JSON Schema, events, your connections."""
    statuses = connection_statuses(current_user.id)
    return AppList.model_validate({"data": published_catalog(statuses)})

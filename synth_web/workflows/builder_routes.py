"""Builder helpers behind htmx: a schedule's preview, and choices from a connection."""

from __future__ import annotations

import re
import time

from flask import Response, abort, render_template, request
from flask_login import current_user

from synth_web.engine.apps import get_app
from synth_web.engine.context import StepFailed
from synth_web.engine.secrets import connection_fields
from synth_web.vault import VaultError
from synth_web.workflows import bp
from synth_web.workflows.builder.schedule import preview
from synth_web.workflows.catalog_view import choices_source

LIST_ID = re.compile(r"^[a-z0-9-]{1,40}$")
MAX_CHOICES = 500
CHOICES_SECONDS = 60.0
# (user, app, param) -> (when, choices, note): one call per minute at most, so
# focusing the field again after each builder change does not call the app again.
_CHOICES: dict[tuple[int, str, str], tuple[float, list[str], str]] = {}
MAX_KEPT = 256


@bp.route("/workflows/schedule-preview", methods=["POST"])
def schedule_preview() -> str:
    """Tell a schedule typed into the builder in words, with its next fire times."""
    cron = request.form.get("t.cron", "")[:200]
    zone = request.form.get("t.timezone", "")[:64]
    return render_template(
        "workflows/_schedule_preview.html", preview=preview(cron, zone)
    )


@bp.route("/workflows/choices/<app>/<param>")
def choices(app: str, param: str) -> Response:
    """Offer values for a field from the person's connection (free text stays)."""
    source = choices_source(app, param)
    list_id = request.args.get("list", "")
    if source is None or not LIST_ID.match(list_id):
        abort(404)
    values, note = load_choices(current_user.id, app, param)
    html = render_template(
        "workflows/_choices.html", list_id=list_id, values=values, note=note
    )
    response = Response(html)
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


def load_choices(user_id: int, app_key: str, param: str) -> tuple[list[str], str]:
    """Ask the app for choices with the person's connection, or say why not."""
    key = (user_id, app_key, param)
    kept = _CHOICES.get(key)
    if kept and time.monotonic() - kept[0] < CHOICES_SECONDS:
        return kept[1], kept[2]
    app = get_app(app_key)
    source = choices_source(app_key, param)
    name = app.name if app else app_key
    values: list[str] = []
    note = ""
    fields = connection_fields(user_id, app_key)
    if not fields or source is None:
        note = f"Connect {name} to choose from a list; you can type it meanwhile."
    else:
        try:
            values = source(fields)[:MAX_CHOICES]
        except (StepFailed, VaultError) as exc:
            note = f"{name} did not list them ({exc}). You can type it."
    if values:  # a failure is not kept: connecting in another tab helps at once
        if len(_CHOICES) >= MAX_KEPT:
            _CHOICES.clear()
        _CHOICES[key] = (time.monotonic(), values, note)
    return values, note

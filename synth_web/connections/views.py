"""The connections pages: list, connect, turn on and off, check, delete."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from synth_web.connections import bp
from synth_web.connections.forms import connect_form, field_hints
from synth_web.connections.listing import (
    Usage,
    apps_to_connect,
    connectable_apps,
    describe,
    list_connections,
    stored_masks,
    view_of,
    workflows_using,
)
from synth_web.connections.services import (
    delete_connection,
    find_connection,
    get_connection_or_404,
    save_connection,
    toggle_connection,
)
from synth_web.engine.verification import verify_connection
from synth_web.errors import render_error
from synth_web.extensions import limiter, person_key
from synth_web.htmx import is_fragment_request
from synth_web.models import Connection
from synth_web.security import is_safe_next

# Saving with a check and "Check now" call out to Slack or an SMTP server: a
# person gets plenty, a script hammering them does not.
CHECK_LIMIT = "20 per minute"


def list_url(connection_id: int | None = None) -> str:
    """Where the list shows a connection (or the top of it)."""
    anchor = f"#connection-{connection_id}" if connection_id else ""
    return url_for("connections.index") + anchor


@bp.route("/connections")
def index() -> str:
    """Show the person's connections and the apps they can still connect."""
    views = list_connections(current_user.id)
    return render_template(
        "connections/index.html", views=views, apps=apps_to_connect(views)
    )


@bp.route("/connections/new", methods=["GET", "POST"])
@limiter.limit(CHECK_LIMIT, key_func=person_key, methods=["POST"])
def new() -> Response | str:
    """Connect an app, or replace the settings and secret of a connected one."""
    key = request.args.get("app", "")
    # Where to go back to once connected (a conversation waiting for this app).
    back = request.args.get("next")
    back = back if is_safe_next(back) else None
    app = next((a for a in connectable_apps() if a.key == key), None)
    if app is None:
        if not key:
            return redirect(url_for("connections.index") + "#connect")
        return render_error(404, f"There is no app called “{key}” to connect.")
    existing = find_connection(current_user.id, app.key)
    masks = stored_masks(existing, app) if existing else {}
    settings = dict((existing.meta or {}).get("settings") or {}) if existing else {}
    form = connect_form(app, settings, set(masks))
    if form.validate_on_submit():
        connection, created = save_connection(current_user.id, app, form.values())
        said = "is connected" if created else "connection was updated"
        if form.check_now.data:
            works, message = verify_connection(connection)
            flash(f"{app.name} {said}. {message}", "success" if works else "warning")
        else:
            flash(f"{app.name} {said}. Use “Check now” to test it.", "success")
        return redirect(back or list_url(connection.id))
    return render_template(
        "connections/new.html",
        app=app,
        form=form,
        existing=existing,
        hints=field_hints(app, masks),
        back=back,
    )


def answer(connection: Connection, message: str, category: str) -> Response | str:
    """Show the connection's card with a note (htmx), or flash and go back."""
    if is_fragment_request():
        return render_template(
            "connections/_connection.html",
            view=view_of(connection),
            note=message,
            note_category=category,
        )
    flash(message, category)
    return redirect(list_url(connection.id))


@bp.route("/connections/<int:connection_id>/toggle", methods=["POST"])
def toggle(connection_id: int) -> Response | str:
    """Turn a connection off (its workflows stop) or back on."""
    connection = get_connection_or_404(connection_id)
    if connection.is_active and request.form.get("confirm") != "off":
        blocks = workflows_using(current_user.id, connection.app_name)
        if blocks:
            return ask_before_off(connection, blocks)
    message = toggle_connection(connection)
    return answer(connection, message, "success" if connection.is_active else "info")


def ask_before_off(connection: Connection, blocks: list[Usage]) -> str:
    """Name the workflows switching off would block, and ask to confirm."""
    view = view_of(connection)
    if is_fragment_request():
        return render_template("connections/_connection.html", view=view, blocks=blocks)
    return render_template("connections/off.html", view=view, blocks=blocks)


@bp.route("/connections/<int:connection_id>/verify", methods=["POST"])
@limiter.limit(CHECK_LIMIT, key_func=person_key)
def verify(connection_id: int) -> Response | str:
    """Run the app's check of a connection now."""
    connection = get_connection_or_404(connection_id)
    works, message = verify_connection(connection)
    return answer(connection, message, "success" if works else "warning")


@bp.route("/connections/<int:connection_id>/delete", methods=["GET", "POST"])
def delete(connection_id: int) -> Response | str:
    """Confirm, then delete a connection and erase its secret."""
    connection = get_connection_or_404(connection_id)
    if request.method == "POST":
        flash(delete_connection(connection), "info")
        return redirect(url_for("connections.index"))
    workflows = workflows_using(current_user.id, connection.app_name)
    return render_template(
        "connections/delete.html", view=describe(connection, workflows)
    )

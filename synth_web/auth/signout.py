"""Signing out: this browser, one other browser, or every browser at once."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, session, url_for
from flask_login import current_user, logout_user

from synth_web.auth import bp
from synth_web.auth.forms import EmptyForm
from synth_web.auth.sessions import current_session, revoke


def end_session() -> None:
    """Forget this browser's sign-in: the session, and the remember cookie too.

    logout_user() asks for the remember cookie to be deleted through a flag
    in the session; clearing the session must keep that flag, or the cookie
    signs the browser straight back in.
    """
    logout_user()
    remember = session.get("_remember")
    session.clear()
    if remember:
        session["_remember"] = remember


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Sign out this browser: its session record is revoked."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    record = current_session()
    if record is not None:
        revoke(current_user.id, "signed_out", record.id)
    end_session()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/logout/everywhere", methods=["POST"])
def logout_everywhere() -> Response:
    """Sign out every browser of this account, this one included."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    count = revoke(current_user.id, "signed_out_everywhere")
    end_session()
    flash(f"You are signed out everywhere ({count} {plural(count)}).", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/sessions/<int:session_id>/revoke", methods=["POST"])
def revoke_session(session_id: int) -> Response:
    """Sign out one browser; revoking this one signs out here."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not revoke(current_user.id, "revoked", session_id):
        abort(404)
    record = current_session()
    if record is not None and record.id == session_id:
        end_session()
        flash("You are signed out.", "info")
        return redirect(url_for("auth.login"))
    flash("That browser is signed out.", "success")
    return redirect(url_for("auth.account", _anchor="sessions"), 303)


def plural(count: int) -> str:
    """Say "session" or "sessions"."""
    return "session" if count == 1 else "sessions"

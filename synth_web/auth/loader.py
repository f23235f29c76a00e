"""How Flask-Login turns a cookie's "<user id>:<secret>" back into a User."""

from __future__ import annotations

from flask import g

from synth_web.auth.sessions import find_session, touch
from synth_web.extensions import login_manager
from synth_web.models import User

login_manager.login_view = "auth.login"
login_manager.login_message = "Sign in to continue."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the user only while this browser's session record is active."""
    found = find_session(user_id)
    if found is None:
        return None
    user, record = found
    g.browser_session = record
    touch(record)
    return user

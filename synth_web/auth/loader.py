"""How Flask-Login turns the session's user id back into a User."""

from __future__ import annotations

import hmac

from synth_web.extensions import db, login_manager
from synth_web.models import User

login_manager.login_view = "auth.login"
login_manager.login_message = "Sign in to continue."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the user only if the session was made under their current password."""
    raw_id, _, token = user_id.partition(":")
    if not raw_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.is_active:
        return None
    if not hmac.compare_digest(user.session_token, token):
        return None
    return user

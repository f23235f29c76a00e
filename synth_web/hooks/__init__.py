"""Webhooks: POST /hooks/<token> starts a run of the workflow that owns the token."""

from flask import Blueprint

bp = Blueprint("hooks", __name__)

from synth_web.hooks import views  # noqa: E402,F401

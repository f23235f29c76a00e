"""The home page: how a person's automations are doing."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from synth_web.dashboard import views  # noqa: E402,F401

"""Connections: the apps a person connected, their status, checks and secrets."""

from flask import Blueprint

bp = Blueprint("connections", __name__)

from synth_web.connections import views  # noqa: E402,F401

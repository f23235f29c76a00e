"""Chat: talk to Synth, and read, search, export and delete conversations."""

from flask import Blueprint

bp = Blueprint("chat", __name__)

from synth_web.chat import routes, views  # noqa: E402,F401

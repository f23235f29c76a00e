"""Chat history: conversations with Synth, to read, search, export and delete."""

from flask import Blueprint

bp = Blueprint("chat", __name__)

from synth_web.chat import views  # noqa: E402,F401

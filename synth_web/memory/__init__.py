"""Memory: what Synth learned about a person, to browse, correct and prune."""

from flask import Blueprint

bp = Blueprint("memory", __name__)

from synth_web.memory import views  # noqa: E402,F401

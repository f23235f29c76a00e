"""The execution log: every run, its steps, live status, cancel and retry."""

from flask import Blueprint

bp = Blueprint("executions", __name__)

from synth_web.executions import views  # noqa: E402,F401

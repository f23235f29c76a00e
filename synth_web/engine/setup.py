"""Attach the run engine to the app: its executor and background loop."""

from __future__ import annotations

from flask import Flask

from synth_web.engine.executor import make_executor
from synth_web.engine.scheduler import start_background


def init_app(app: Flask) -> None:
    """Create the executor, and start background work when this process serves."""
    app.extensions["synth_executor"] = make_executor(app)
    mode = app.config["SYNTH_BACKGROUND"]
    if mode == "1" or (mode == "auto" and not app.testing):

        @app.before_request
        def _start_background() -> None:
            # Started by the first request: a process that only runs CLI commands
            # (migrations, demo data) never starts threads.
            start_background(app)

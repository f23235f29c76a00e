"""Synth's web app: create_app() builds it from the environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from synth_web import database  # noqa: F401  (installs the SQLite pragmas)
from synth_web.config import load_config
from synth_web.extensions import init_extensions

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create and configure an instance of the Synth app."""
    config = dict(config or {})
    instance_path = (
        config.pop("INSTANCE_PATH", None)
        or os.environ.get("SYNTH_INSTANCE_PATH")
        or str(ROOT / "instance")
    )
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(load_config(instance))
    app.config.from_mapping(config)
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        # SQLite's pools (one static connection in memory) take no size.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "pool_size": app.config["SYNTH_DB_POOL_SIZE"],
        }

    if app.config["SYNTH_PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    init_extensions(app, migrations_dir=str(ROOT / "migrations"))

    from synth_web import errors, inputs, jinja_filters, security, vault
    from synth_web.auth import loader  # noqa: F401  (registers the user loader)
    from synth_web.engine import setup as engine

    inputs.init_app(app)
    vault.init_app(app)
    engine.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    jinja_filters.init_app(app)
    register_blueprints(app)
    from synth_web.executions.polls import LivePolls

    # Outermost: an unchanged run's poll is answered before anything else runs.
    app.wsgi_app = LivePolls(app, app.wsgi_app)  # type: ignore[method-assign]

    from synth_web.cli import synth_cli

    app.cli.add_command(synth_cli)
    return app


def register_blueprints(app: Flask) -> None:
    """Attach one blueprint per feature."""
    from synth_web.api import bp as api_bp
    from synth_web.auth import bp as auth_bp
    from synth_web.chat import bp as chat_bp
    from synth_web.connections import bp as connections_bp
    from synth_web.dashboard import bp as dashboard_bp
    from synth_web.executions import bp as executions_bp
    from synth_web.health import bp as health_bp
    from synth_web.hooks import bp as hooks_bp
    from synth_web.memory import bp as memory_bp
    from synth_web.tokens import bp as tokens_bp
    from synth_web.workflows import bp as workflows_bp

    blueprints = (
        auth_bp,
        connections_bp,
        dashboard_bp,
        executions_bp,
        health_bp,
        hooks_bp,
        workflows_bp,
        memory_bp,
        chat_bp,
        tokens_bp,
        api_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)

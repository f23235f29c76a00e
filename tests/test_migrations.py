"""Migrations create the schema on empty databases and never drift from the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from synth_web import create_app
from synth_web.extensions import db
from tests.conftest import base_config, postgres_database, worker_suffix


@pytest.fixture
def empty_database_url(request, engine_kind, tmp_path):
    if engine_kind == "sqlite":
        return f"sqlite:///{tmp_path / 'migrate.db'}"
    return postgres_database(worker_suffix(request) + "_migrate", fresh=True)


@pytest.fixture
def migrated_app(empty_database_url, tmp_path):
    app = create_app(base_config(empty_database_url, tmp_path / "instance"))
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_upgrade_creates_the_six_tables(migrated_app):
    tables = set(inspect(db.engine).get_table_names())
    assert tables == {
        "alembic_version",
        "users",
        "workflows",
        "executions",
        "connections",
        "memory",
        "chat_messages",
    }


def test_models_and_migrations_do_not_drift(migrated_app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_downgrade_then_upgrade_again(migrated_app):
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert "executions" in inspect(db.engine).get_table_names()


def test_flask_db_upgrade_command(empty_database_url, tmp_path):
    app = create_app(base_config(empty_database_url, tmp_path / "instance"))
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert "users" in inspect(db.engine).get_table_names()
        db.engine.dispose()

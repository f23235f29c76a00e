"""Migrations create the schema on empty databases and never drift from the models.

There are two databases: the main one and the vault (its own bind). Each is tested
on SQLite and on PostgreSQL, the vault in a PostgreSQL database of its own.
"""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from synth_web import create_app
from synth_web.extensions import db
from synth_web.models.search import skip_other_dialect_indexes
from tests.conftest import base_config, postgres_database, worker_suffix

FIRST_TABLES = {
    "alembic_version",
    "users",
    "workflows",
    "executions",
    "connections",
    "memory",
    "chat_messages",
}
# 0005_api adds the API's tokens beside the six tables, 0006 browser sessions,
# 0007_chat_links the links from workflows to the plan cards they came from,
# 0008_samples the workflows' samples.
MAIN_TABLES = FIRST_TABLES | {
    "api_tokens",
    "user_sessions",
    "workflow_origins",
    "workflow_samples",
}
VAULT_TABLES = {"alembic_version", "vault_secrets"}
BINDS = [None, "vault"]


@pytest.fixture
def empty_database_url(request, engine_kind, tmp_path):
    if engine_kind == "sqlite":
        return f"sqlite:///{tmp_path / 'migrate.db'}"
    return postgres_database(worker_suffix(request) + "_migrate", fresh=True)


@pytest.fixture
def empty_vault_url(request, vault_on_both, tmp_path):
    if vault_on_both is None:
        return f"sqlite:///{tmp_path / 'migrate-vault.db'}"
    return postgres_database(worker_suffix(request) + "_migrate_vault", fresh=True)


@pytest.fixture
def fresh_app(empty_database_url, empty_vault_url, tmp_path):
    app = create_app(
        base_config(empty_database_url, tmp_path / "instance", empty_vault_url)
    )
    yield app
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def migrated_app(fresh_app):
    with fresh_app.app_context():
        upgrade()
        yield fresh_app


def table_names(bind: str | None) -> set[str]:
    return set(inspect(db.engines[bind]).get_table_names())


def test_upgrade_creates_the_tables_and_the_vault(migrated_app):
    assert table_names(None) == MAIN_TABLES
    assert table_names("vault") == VAULT_TABLES


def test_each_database_records_its_own_version(migrated_app):
    for bind in BINDS:
        with db.engines[bind].connect() as connection:
            versions = connection.execute(
                text("SELECT version_num FROM alembic_version")
            )
            assert versions.scalars().all() == ["0012_lean_run_indexes"]


@pytest.mark.parametrize("bind", BINDS, ids=["main", "vault"])
def test_models_and_migrations_do_not_drift(migrated_app, bind):
    with db.engines[bind].connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                # The same filter env.py uses: PostgreSQL-only indexes.
                "include_object": skip_other_dialect_indexes(connection.dialect.name),
            },
        )
        differences = compare_metadata(context, db.metadatas[bind])
    assert differences == []


def test_downgrade_then_upgrade_again(migrated_app):
    downgrade(revision="base")
    for bind in BINDS:
        assert table_names(bind) <= {"alembic_version"}
    upgrade()
    assert "executions" in table_names(None)
    assert "vault_secrets" in table_names("vault")


def test_flask_db_upgrade_command(fresh_app):
    result = fresh_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with fresh_app.app_context():
        assert "users" in table_names(None)
        assert "vault_secrets" in table_names("vault")
        assert "users" not in table_names("vault")


def test_a_database_made_before_the_vault_upgrades(fresh_app):
    with fresh_app.app_context():
        upgrade(revision="0001")
        assert table_names(None) == FIRST_TABLES
        assert table_names("vault") == {"alembic_version"}
        upgrade()
        assert table_names("vault") == VAULT_TABLES


def test_trigram_indexes_only_on_postgresql(migrated_app):
    engine = db.engines[None]
    names = {index["name"] for index in inspect(engine).get_indexes("memory")}
    names |= {i["name"] for i in inspect(engine).get_indexes("chat_messages")}
    trigram = {"ix_memory_content_trgm", "ix_chat_messages_content_trgm"}
    if engine.dialect.name == "postgresql":
        assert trigram <= names
    else:
        assert not trigram & names


def test_api_migration_adds_tokens_and_message_keys(migrated_app):
    engine = db.engines[None]
    columns = {c["name"] for c in inspect(engine).get_columns("chat_messages")}
    assert "idempotency_key" in columns
    indexes = {i["name"]: i for i in inspect(engine).get_indexes("chat_messages")}
    key_index = indexes["uq_chat_messages_user_idempotency"]
    assert key_index["unique"]
    assert key_index["column_names"] == ["user_id", "idempotency_key"]
    downgrade(revision="0004_dashboard")
    assert "api_tokens" not in table_names(None)
    columns = {c["name"] for c in inspect(engine).get_columns("chat_messages")}
    assert "idempotency_key" not in columns
    upgrade()
    assert "api_tokens" in table_names(None)


def insert_run(status: str) -> None:
    """Insert a run of a given status straight into the migrated tables."""
    with db.engines[None].begin() as connection:
        user = connection.execute(
            text(
                "INSERT INTO users (email, name, timezone, password_hash, "
                "is_active, created_at, updated_at, metadata) VALUES "
                "('r@example.com', 'R', 'UTC', 'x', true, CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP, '{}') "
                "ON CONFLICT (email) DO UPDATE SET name = 'R' RETURNING id"
            )
        ).scalar()
        workflow = connection.execute(
            text(
                "INSERT INTO workflows (user_id, name, trigger, trigger_type, actions, "
                "intent, status, created_at, updated_at, metadata) VALUES (:u, 'W', "
                "'{}', 'webhook', '[]', '', 'active', CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP, '{}') "
                "RETURNING id"
            ),
            {"u": user},
        ).scalar()
        connection.execute(
            text(
                "INSERT INTO executions (workflow_id, user_id, status, trigger_type, "
                "created_at, results, metadata) VALUES (:w, :u, :s, 'webhook', "
                "CURRENT_TIMESTAMP, '[]', '{}')"
            ),
            {"w": workflow, "u": user, "s": status},
        )


def statuses() -> list[str]:
    with db.engines[None].connect() as connection:
        rows = connection.execute(text("SELECT status FROM executions ORDER BY id"))
        return rows.scalars().all()


def test_refused_migration_widens_the_status_check(migrated_app):
    downgrade(revision="0007_chat_links")
    insert_run("success")
    with pytest.raises(IntegrityError):
        insert_run("refused")
    upgrade()
    insert_run("refused")
    assert statuses() == ["success", "refused"]  # the copied table kept its runs
    downgrade(revision="0007_chat_links")
    assert statuses() == ["success"]

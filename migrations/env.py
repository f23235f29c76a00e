"""Alembic environment: migrates the main database and the vault, each on its own.

Adapted from Flask-Migrate's multi-database template. Every bind (the default one,
named "", and each key of SQLALCHEMY_BINDS, i.e. "vault") is a separate database
with its own `alembic_version`; each revision has `upgrade_<bind>()` functions.
"""

import logging
from logging.config import fileConfig
from typing import Any

from alembic import context
from flask import current_app

import synth_web.models  # noqa: F401  (every table must be on the metadata)
import synth_web.vault  # noqa: F401  (and the vault's on its own)
from synth_web.models.search import skip_other_dialect_indexes
from synth_web.models.types import UTCDateTime

config = context.config
fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
bind_names = list(current_app.config.get("SQLALCHEMY_BINDS") or {})
# "" is the default bind, as in the multidb template and its upgrade_() functions.
engine_names = ["", *bind_names]


def get_engine(name: str) -> Any:
    """Return the engine of a bind ("" is the default)."""
    return db.engines[name or None]


def get_url(name: str) -> str:
    """Return the URL of a bind, password included, escaped for the ini parser."""
    url = get_engine(name).url.render_as_string(hide_password=False)
    return url.replace("%", "%%")


def get_metadata(name: str) -> Any:
    """Return the metadata of a bind."""
    return db.metadatas[name or None]


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our UTC timestamp type as the plain column type it stores."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def configure(name: str, **kwargs: Any) -> None:
    """Configure the context the same way online and offline."""
    context.configure(
        target_metadata=get_metadata(name),
        compare_type=True,
        render_item=render_item,
        # Trigram indexes exist on PostgreSQL only: not "missing" on SQLite.
        include_object=skip_other_dialect_indexes(get_engine(name).dialect.name),
        upgrade_token=f"{name}_upgrades",
        downgrade_token=f"{name}_downgrades",
        **kwargs,
    )


config.set_main_option("sqlalchemy.url", get_url(""))
for bind in bind_names:
    config.set_section_option(bind, "sqlalchemy.url", get_url(bind))


def run_migrations_offline() -> None:
    """Write the SQL of each database into `<name>.sql` without connecting."""
    for name in engine_names:
        file_name = f"{name}.sql"
        logger.info("Writing SQL for database %s to %s", name or "<default>", file_name)
        with open(file_name, "w") as buffer:
            configure(name, url=get_url(name), output_buffer=buffer, literal_binds=True)
            with context.begin_transaction():
                context.run_migrations(engine_name=name)


def skip_empty(ctx: Any, revision: Any, directives: list) -> None:
    """Write no file for `flask db migrate` when no bind's model changed."""
    if getattr(config.cmd_opts, "autogenerate", False):
        script = directives[0]
        # Called once per database; decide only when every one has been compared.
        if len(script.upgrade_ops_list) < len(engine_names):
            return
        if all(ops.is_empty() for ops in script.upgrade_ops_list):
            directives[:] = []
            logger.info("No changes in schema detected.")


def run_migrations_online() -> None:
    """Migrate every database over its own connection and transaction."""
    connections = {name: get_engine(name).connect() for name in engine_names}
    transactions = {name: conn.begin() for name, conn in connections.items()}
    try:
        for name, connection in connections.items():
            logger.info("Migrating database %s", name or "<default>")
            configure(
                name,
                connection=connection,
                process_revision_directives=skip_empty,
                # SQLite cannot ALTER most things: Alembic rebuilds tables instead.
                render_as_batch=connection.dialect.name == "sqlite",
            )
            context.run_migrations(engine_name=name)
        # Committed only once every database migrated: a failure leaves all as
        # they were (short of a crash between two commits).
        for transaction in transactions.values():
            transaction.commit()
    except BaseException:
        for transaction in transactions.values():
            transaction.rollback()
        raise
    finally:
        for connection in connections.values():
            connection.close()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

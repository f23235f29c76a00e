"""Alembic environment: runs migrations against the app's database."""

import logging
from logging.config import fileConfig
from typing import Any

from alembic import context
from flask import current_app

import synth_web.models  # noqa: F401  (every table must be on the metadata)
from synth_web.models.types import UTCDateTime

config = context.config
fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url",
    db.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)
target_metadata = db.metadatas[None]


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our UTC timestamp type as the plain column type it stores."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def configure(**kwargs: Any) -> None:
    """Configure the context the same way online and offline."""
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        render_item=render_item,
        **kwargs,
    )


def run_migrations_offline() -> None:
    """Emit SQL for the migrations without connecting."""
    configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations over a live connection."""

    def skip_empty(ctx: Any, revision: Any, directives: list) -> None:
        # `flask db migrate` with no model change should not write an empty file.
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    with db.engine.connect() as connection:
        configure(
            connection=connection,
            process_revision_directives=skip_empty,
            # SQLite cannot ALTER most things: Alembic rebuilds tables instead.
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

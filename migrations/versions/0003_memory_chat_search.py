"""Trigram indexes for searching memory and chat content (PostgreSQL only).

Revision ID: 0003_memory_chat_search
Revises: 0002_vault
Create Date: 2026-11-26 02:10:00

The memory and chat pages search content with ILIKE '%phrase%'. On PostgreSQL
a pg_trgm GIN index serves that; SQLite has no equivalent and needs none. The
models declare the same indexes with ddl_if(dialect="postgresql").
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003_memory_chat_search"
down_revision = "0002_vault"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_memory_content_trgm", "memory"),
    ("ix_chat_messages_content_trgm", "chat_messages"),
)


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table in INDEXES:
        op.create_index(
            name,
            table,
            ["content"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"content": "gin_trgm_ops"},
        )


def downgrade_():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table in INDEXES:
        op.drop_index(name, table_name=table)
    # The extension stays: other objects may use it, and it costs nothing idle.


def upgrade_vault():
    pass


def downgrade_vault():
    pass

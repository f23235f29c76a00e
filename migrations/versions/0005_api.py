"""The JSON API: personal access tokens, idempotent message appends.

Revision ID: 0005_api
Revises: 0004_dashboard
Create Date: 2026-11-27 09:00:00

`api_tokens` holds each token's SHA-256 hash (never the token), its scopes and
when it was last used or revoked. `chat_messages.idempotency_key` remembers the
Idempotency-Key a program sent with a message, unique per person, so sending
the same message twice stores it once.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0005_api"
down_revision = "0004_dashboard"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("scopes", JSON, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("last_used_at", TIMESTAMP, nullable=True),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_api_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(
            "ix_api_tokens_user_created", ["user_id", "created_at"], unique=False
        )
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("idempotency_key", sa.String(length=200), nullable=True)
        )
        batch_op.create_index(
            "uq_chat_messages_user_idempotency",
            ["user_id", "idempotency_key"],
            unique=True,
        )


def downgrade_():
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.drop_index("uq_chat_messages_user_idempotency")
        batch_op.drop_column("idempotency_key")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_api_tokens_user_created")
    op.drop_table("api_tokens")


def upgrade_vault():
    pass


def downgrade_vault():
    pass

"""Workflows remember the plan card they were created from.

Revision ID: 0007_chat_links
Revises: 0006_user_sessions
Create Date: 2026-12-03 09:00:00

`workflow_origins` links a workflow to the assistant message (a plan card) it
was created from, and to that message's conversation; deleting the workflow,
the message (its conversation) or the account deletes the link. The message is
unique: a card creates one workflow however often its button is pressed. A
table of its own rather than a column of `workflows`, which SQLite could only
gain with a foreign key by copying the table (and dropping the old copy would
cascade into its runs).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_chat_links"
down_revision = "0006_user_sessions"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    op.create_table(
        "workflow_origins",
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["workflow_id"],
            ["workflows.id"],
            name=op.f("fk_workflow_origins_workflow_id_workflows"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_workflow_origins_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["chat_messages.id"],
            name=op.f("fk_workflow_origins_message_id_chat_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workflow_id", name=op.f("pk_workflow_origins")),
        sa.UniqueConstraint("message_id", name=op.f("uq_workflow_origins_message_id")),
    )
    op.create_index(
        "ix_workflow_origins_user_conversation",
        "workflow_origins",
        ["user_id", "conversation_id"],
        unique=False,
    )


def downgrade_():
    op.drop_index(
        "ix_workflow_origins_user_conversation", table_name="workflow_origins"
    )
    op.drop_table("workflow_origins")


def upgrade_vault():
    pass


def downgrade_vault():
    pass

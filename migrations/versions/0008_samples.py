"""Workflow samples, and test runs left out of the dashboard's figures.

Revision ID: 0008_samples
Revises: 0007_chat_links
Create Date: 2026-12-10 09:00:00

`workflow_samples` keeps one sample of a workflow's trigger data (and until
when its webhook URL listens for a test event); deleting the workflow or the
account deletes it. A table of its own rather than a column of `workflows`:
a sample may be as large as a webhook body, and workflow lists would carry it.

The dashboard's timing index gains `trigger_type` as its last column, so the
figures leave test runs out and still read the index alone.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0008_samples"
down_revision = "0007_chat_links"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMING = ["user_id", "status", "created_at", "started_at", "finished_at"]


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    op.create_table(
        "workflow_samples",
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("payload", JSON, nullable=True),
        sa.Column("source", sa.String(length=16), nullable=True),
        sa.Column("saved_at", TIMESTAMP, nullable=True),
        sa.Column("listen_until", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["workflow_id"],
            ["workflows.id"],
            name=op.f("fk_workflow_samples_workflow_id_workflows"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_workflow_samples_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workflow_id", name=op.f("pk_workflow_samples")),
    )
    op.drop_index("ix_executions_user_status_timing", table_name="executions")
    op.create_index(
        "ix_executions_user_status_timing",
        "executions",
        [*TIMING, "trigger_type"],
        unique=False,
    )


def downgrade_():
    op.drop_index("ix_executions_user_status_timing", table_name="executions")
    op.create_index(
        "ix_executions_user_status_timing", "executions", TIMING, unique=False
    )
    op.drop_table("workflow_samples")


def upgrade_vault():
    pass


def downgrade_vault():
    pass

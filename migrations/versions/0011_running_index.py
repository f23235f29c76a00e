"""Running runs get a partial index; the index of every row's status goes.

Revision ID: 0011_running_index
Revises: 0010_queue_index
Create Date: 2026-12-06 19:40:00

`ix_executions_running` on (user_id), holding only rows whose status is
'running': fair shares count a person's running runs from it and the sweep reads
it whole. It replaces `ix_executions_status`, an index of every row's status:
its statistics (few rows queued or running) made the planner prefer it for the
queue's queries, and each claim read a whole backlog through it (issue 20). A
finishing run no longer adds an entry to it.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_running_index"
down_revision = "0010_queue_index"
branch_labels = None
depends_on = None

RUNNING = sa.text("status = 'running'")


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    op.create_index(
        "ix_executions_running",
        "executions",
        ["user_id"],
        postgresql_where=RUNNING,
        sqlite_where=RUNNING,
    )
    op.drop_index("ix_executions_status", table_name="executions")


def downgrade_():
    op.create_index("ix_executions_status", "executions", ["status"])
    op.drop_index("ix_executions_running", table_name="executions")


def upgrade_vault():
    pass


def downgrade_vault():
    pass

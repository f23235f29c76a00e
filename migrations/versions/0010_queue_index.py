"""Claims skip through the queue: an index of queued runs only.

Revision ID: 0010_queue_index
Revises: 0009_refused
Create Date: 2026-12-06 08:00:00

`ix_executions_queued` on (user_id, id), holding only rows whose status is
'queued': a claim finds each person's oldest queued run with one short probe per
person (issue 20) instead of reading every queued row, and the index stays as
small as the queue however long the run history grows.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_queue_index"
down_revision = "0009_refused"
branch_labels = None
depends_on = None

QUEUED = sa.text("status = 'queued'")


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    op.create_index(
        "ix_executions_queued",
        "executions",
        ["user_id", "id"],
        postgresql_where=QUEUED,
        sqlite_where=QUEUED,
    )


def downgrade_():
    op.drop_index("ix_executions_queued", table_name="executions")


def upgrade_vault():
    pass


def downgrade_vault():
    pass

"""Runs may be `refused`: an event that arrived but could not run, kept for replay.

Revision ID: 0009_refused
Revises: 0008_samples
Create Date: 2026-12-05 09:00:00

Only the CHECK constraint on `executions.status` changes. PostgreSQL swaps it in
place; SQLite cannot alter a constraint, so the table is copied (batch mode).
Nothing references `executions`, so dropping its old copy cascades nowhere.
Downgrading deletes refused runs first: the old constraint has no room for them.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_refused"
down_revision = "0008_samples"
branch_labels = None
depends_on = None

NAME = "ck_executions_status_valid"
OLD = "status IN ('queued', 'running', 'success', 'failure', 'cancelled')"
NEW = "status IN ('queued', 'running', 'success', 'failure', 'cancelled', 'refused')"


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def replace_check(condition):
    """Drop the status check and create it again with another condition."""
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f(NAME), "executions", type_="check")
        op.create_check_constraint(op.f(NAME), "executions", condition)
        return
    with op.batch_alter_table("executions", recreate="always") as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_="check")
        batch_op.create_check_constraint(op.f(NAME), sa.text(condition))


def upgrade_():
    replace_check(NEW)


def downgrade_():
    op.execute("DELETE FROM executions WHERE status = 'refused'")
    replace_check(OLD)


def upgrade_vault():
    pass


def downgrade_vault():
    pass

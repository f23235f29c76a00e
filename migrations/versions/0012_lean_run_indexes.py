"""Fewer indexes on executions: each was written twice for every run.

Revision ID: 0012_lean_run_indexes
Revises: 0011_running_index
Create Date: 2026-12-07 04:10:00

A run's insert adds an entry to every index of `executions`, and its finish adds
one more to each (a finish changes `status` and `finished_at`, so PostgreSQL
cannot update the row in place). Nine indexes made a webhook run write 2,977
bytes of WAL, 3.7 times the bare reference app's (issue 20). Three go:

- `ix_executions_user_status_created` (user_id, status, created_at, id): the
  timing index gains `id` after `created_at` and serves the log filtered by
  status with the same order;
- `ix_executions_created` (created_at): retention prunes person by person
  through `ix_executions_user_created`;
- the unique constraint on `dedupe_key`, replaced by a unique index of the rows
  that have one (schedules, Idempotency-Key, replays), not of every run.

PostgreSQL swaps the constraint in place. SQLite cannot drop a constraint, so
the table is copied (batch mode); its partial indexes are made again after the
copy rather than left to the copy's reflection of their conditions.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_lean_run_indexes"
down_revision = "0011_running_index"
branch_labels = None
depends_on = None

TIMING = ["user_id", "status", "created_at", "started_at", "finished_at", "trigger_type"]
TIMING_BY_ID = ["user_id", "status", "created_at", "id"] + TIMING[3:]
DEDUPED = sa.text("dedupe_key IS NOT NULL")
PARTIAL = {
    "ix_executions_running": (["user_id"], sa.text("status = 'running'")),
    "ix_executions_queued": (["user_id", "id"], sa.text("status = 'queued'")),
}
UNIQUE = "uq_executions_dedupe_key"


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def swap_dedupe(add_constraint: bool) -> None:
    """Turn the dedupe key's unique constraint into a partial index, or back."""
    if op.get_bind().dialect.name == "postgresql":
        if add_constraint:
            op.create_unique_constraint(UNIQUE, "executions", ["dedupe_key"])
        else:
            op.drop_constraint(UNIQUE, "executions", type_="unique")
        return
    for name in PARTIAL:
        op.drop_index(name, table_name="executions")
    with op.batch_alter_table("executions", recreate="always") as batch_op:
        if add_constraint:
            batch_op.create_unique_constraint(UNIQUE, ["dedupe_key"])
        else:
            batch_op.drop_constraint(UNIQUE, type_="unique")
    for name, (columns, where) in PARTIAL.items():
        op.create_index(
            name, "executions", columns, postgresql_where=where, sqlite_where=where
        )


def upgrade_():
    op.drop_index("ix_executions_user_status_created", table_name="executions")
    op.drop_index("ix_executions_created", table_name="executions")
    op.drop_index("ix_executions_user_status_timing", table_name="executions")
    op.create_index("ix_executions_user_status_timing", "executions", TIMING_BY_ID)
    swap_dedupe(add_constraint=False)
    op.create_index(
        UNIQUE,
        "executions",
        ["dedupe_key"],
        unique=True,
        postgresql_where=DEDUPED,
        sqlite_where=DEDUPED,
    )


def downgrade_():
    op.drop_index(UNIQUE, table_name="executions")
    swap_dedupe(add_constraint=True)
    op.drop_index("ix_executions_user_status_timing", table_name="executions")
    op.create_index("ix_executions_user_status_timing", "executions", TIMING)
    op.create_index("ix_executions_created", "executions", ["created_at"])
    op.create_index(
        "ix_executions_user_status_created",
        "executions",
        ["user_id", "status", "created_at", "id"],
    )


def upgrade_vault():
    pass


def downgrade_vault():
    pass

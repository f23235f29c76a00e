"""Index the dashboard's run figures: counts, chart and median from one index.

Revision ID: 0004_dashboard
Revises: 0003_memory_chat_search
Create Date: 2026-11-26 03:30:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004_dashboard"
down_revision = "0003_memory_chat_search"
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.create_index('ix_executions_user_status_timing', ['user_id', 'status', 'created_at', 'started_at', 'finished_at'], unique=False)


def downgrade_():
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.drop_index('ix_executions_user_status_timing')


def upgrade_vault():
    pass


def downgrade_vault():
    pass

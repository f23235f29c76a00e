"""Create the six tables: users, workflows, executions, connections, memory, chat.

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 01:42:05.384136

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# JSON on SQLite, JSONB on PostgreSQL; timestamps are stored in UTC.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.Column('last_login_at', TIMESTAMP, nullable=True),
    sa.Column('metadata', JSON, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('chat_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('conversation_id', sa.String(length=64), nullable=False),
    sa.Column('metadata', JSON, nullable=False),
    sa.CheckConstraint("role IN ('user', 'assistant', 'system')", name=op.f('ck_chat_messages_role_valid')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_chat_messages_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_messages'))
    )
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.create_index('ix_chat_messages_user_conversation', ['user_id', 'conversation_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_chat_messages_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('connections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('app_name', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('connection_type', sa.String(length=32), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('last_verified_at', TIMESTAMP, nullable=True),
    sa.Column('metadata', JSON, nullable=False),
    sa.CheckConstraint("status IN ('active', 'inactive')", name=op.f('ck_connections_status_valid')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_connections_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connections')),
    sa.UniqueConstraint('user_id', 'app_name', name='uq_connections_user_app')
    )
    op.create_table('memory',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('context_type', sa.String(length=32), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('relevance_score', sa.Float(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('last_accessed_at', TIMESTAMP, nullable=True),
    sa.Column('metadata', JSON, nullable=False),
    sa.CheckConstraint('relevance_score >= 0 AND relevance_score <= 1', name=op.f('ck_memory_relevance_range')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memory_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memory'))
    )
    with op.batch_alter_table('memory', schema=None) as batch_op:
        batch_op.create_index('ix_memory_user_accessed', ['user_id', 'last_accessed_at'], unique=False)
        batch_op.create_index('ix_memory_user_created', ['user_id', 'created_at'], unique=False)
        batch_op.create_index('ix_memory_user_relevance', ['user_id', 'relevance_score'], unique=False)
        batch_op.create_index('ix_memory_user_type', ['user_id', 'context_type'], unique=False)

    op.create_table('workflows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('trigger', JSON, nullable=False),
    sa.Column('actions', JSON, nullable=False),
    sa.Column('intent', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('trigger_type', sa.String(length=32), nullable=False),
    sa.Column('webhook_token', sa.String(length=64), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.Column('metadata', JSON, nullable=False),
    sa.CheckConstraint("status IN ('active', 'inactive')", name=op.f('ck_workflows_status_valid')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_workflows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflows')),
    sa.UniqueConstraint('webhook_token', name=op.f('uq_workflows_webhook_token'))
    )
    with op.batch_alter_table('workflows', schema=None) as batch_op:
        batch_op.create_index('ix_workflows_user_name', ['user_id', 'name'], unique=False)
        batch_op.create_index('ix_workflows_user_status', ['user_id', 'status'], unique=False)
        batch_op.create_index('ix_workflows_user_updated', ['user_id', 'updated_at'], unique=False)

    op.create_table('executions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('trigger_type', sa.String(length=32), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('started_at', TIMESTAMP, nullable=True),
    sa.Column('finished_at', TIMESTAMP, nullable=True),
    sa.Column('heartbeat_at', TIMESTAMP, nullable=True),
    sa.Column('results', JSON, nullable=False),
    sa.Column('error_log', sa.Text(), nullable=True),
    sa.Column('metadata', JSON, nullable=False),
    sa.Column('dedupe_key', sa.String(length=255), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'success', 'failure', 'cancelled')", name=op.f('ck_executions_status_valid')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_executions_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflows.id'], name=op.f('fk_executions_workflow_id_workflows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_executions')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_executions_dedupe_key'))
    )
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.create_index('ix_executions_created', ['created_at'], unique=False)
        batch_op.create_index('ix_executions_status', ['status'], unique=False)
        batch_op.create_index('ix_executions_user_created', ['user_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_executions_user_status_created', ['user_id', 'status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_executions_workflow_created', ['workflow_id', 'created_at', 'id'], unique=False)



def downgrade_():
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.drop_index('ix_executions_workflow_created')
        batch_op.drop_index('ix_executions_user_status_created')
        batch_op.drop_index('ix_executions_user_created')
        batch_op.drop_index('ix_executions_status')
        batch_op.drop_index('ix_executions_created')

    op.drop_table('executions')
    with op.batch_alter_table('workflows', schema=None) as batch_op:
        batch_op.drop_index('ix_workflows_user_updated')
        batch_op.drop_index('ix_workflows_user_status')
        batch_op.drop_index('ix_workflows_user_name')

    op.drop_table('workflows')
    with op.batch_alter_table('memory', schema=None) as batch_op:
        batch_op.drop_index('ix_memory_user_type')
        batch_op.drop_index('ix_memory_user_relevance')
        batch_op.drop_index('ix_memory_user_created')
        batch_op.drop_index('ix_memory_user_accessed')

    op.drop_table('memory')
    op.drop_table('connections')
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_chat_messages_user_created')
        batch_op.drop_index('ix_chat_messages_user_conversation')

    op.drop_table('chat_messages')
    op.drop_table('users')


def upgrade_vault():
    pass


def downgrade_vault():
    pass

"""cluster: schedule revisions, and channels that keep failing

Every saved schedule takes the next number of a ledger-wide counter, so each instance can
ask for the schedules changed since the last one it saw. A channel whose posts keep failing
for a reason of its own (the bot removed, the channel archived) is backed off, then paused.

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    counters = op.create_table(
        'ledger_counters',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_ledger_counters')),
    )
    op.bulk_insert(counters, [{'name': 'subscriptions', 'value': 0}])
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('paused_reason', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_subscriptions_revision'), ['revision'], unique=False)
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failures', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('last_failure', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('retry_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_channels_retry_at'), ['retry_at'], unique=False)
    with op.batch_alter_table('study_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('advance_claimed_until', sa.DateTime(), nullable=True))
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
    with op.batch_alter_table('study_sessions', schema=None) as batch_op:
        batch_op.drop_column('advance_claimed_until')
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channels_retry_at'))
        batch_op.drop_column('retry_at')
        batch_op.drop_column('last_failure')
        batch_op.drop_column('failures')
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscriptions_revision'))
        batch_op.drop_column('paused_reason')
        batch_op.drop_column('revision')
    op.drop_table('ledger_counters')

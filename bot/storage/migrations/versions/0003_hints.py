"""hints

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 03:57:07.617279
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_hints_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hints')),
    sa.UniqueConstraint('round_id', 'platform', 'user_id', name='uq_hints_round_user')
    )
    with op.batch_alter_table('hints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hints_round_id'), ['round_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('hints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hints_round_id'))

    op.drop_table('hints')

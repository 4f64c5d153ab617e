"""post claim lease

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 04:15:30.695400
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('post_claimed_until', sa.DateTime(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('post_claimed_until')


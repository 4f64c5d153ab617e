"""late replies: answers made after a round's reveal are kept but do not score

Revision ID: 0008
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Replies already stored were all scored: they stay on time.
    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('late_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('late_deleted_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.drop_column('late_deleted_at')
        batch_op.drop_column('late_text')
        batch_op.drop_column('late')

"""rate budgets: platform rate limits shared by every instance on the database

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rate_budgets',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('available_at', sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_budgets')),
    )


def downgrade() -> None:
    op.drop_table('rate_budgets')

"""pack owners: uploaded packs belong to the workspace that uploaded them

Revision ID: 0007
Revises: 0006

Packs stored before this revision get the empty owner: they stay shared by every
workspace, with their question ids as they were, so rounds, review cards and practice
that name those questions keep finding them. (``uploaded_by`` names a platform and a
user, not the workspace, so their owner cannot be told for sure.)
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('packs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_platform', sa.String(length=32), server_default='', nullable=False))
        batch_op.add_column(sa.Column('owner_workspace', sa.String(length=128), server_default='', nullable=False))
        batch_op.drop_constraint('uq_packs_pack_id', type_='unique')
        batch_op.create_unique_constraint('uq_packs_owner_pack', ['owner_platform', 'owner_workspace', 'pack_id'])


def downgrade() -> None:
    # Two owners' packs of the same id cannot share one global id again: the newest stays.
    op.execute("DELETE FROM packs WHERE id NOT IN (SELECT MAX(id) FROM packs GROUP BY pack_id)")
    with op.batch_alter_table('packs', schema=None) as batch_op:
        batch_op.drop_constraint('uq_packs_owner_pack', type_='unique')
        batch_op.create_unique_constraint('uq_packs_pack_id', ['pack_id'])
        batch_op.drop_column('owner_workspace')
        batch_op.drop_column('owner_platform')

"""uploaded packs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 03:57:59.176284
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('packs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pack_id', sa.String(length=128), nullable=False),
    sa.Column('title', sa.String(length=256), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('filename', sa.String(length=256), nullable=False),
    sa.Column('uploaded_by', sa.String(length=256), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_packs')),
    sa.UniqueConstraint('pack_id', name=op.f('uq_packs_pack_id'))
    )
    op.create_table('disabled_packs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('pack_id', sa.String(length=128), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_disabled_packs_channel_id_channels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disabled_packs')),
    sa.UniqueConstraint('channel_id', 'pack_id', name='uq_disabled_packs_channel_pack')
    )
    with op.batch_alter_table('disabled_packs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disabled_packs_channel_id'), ['channel_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('disabled_packs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disabled_packs_channel_id'))

    op.drop_table('disabled_packs')
    op.drop_table('packs')

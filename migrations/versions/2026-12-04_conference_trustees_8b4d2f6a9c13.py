"""Trustees' public keys registered per conference, for ballots sealed to trustees.

Revision ID: 8b4d2f6a9c13
Revises: 3e7b9c1d5a24
Create Date: 2026-12-04 19:10:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import unionvote.db

# revision identifiers, used by Alembic.
revision: str = '8b4d2f6a9c13'
down_revision: str | Sequence[str] | None = '3e7b9c1d5a24'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('conference_trustee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('public_key', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('proof', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('registered_by', sa.Integer(), nullable=True),
    sa.Column('registered_at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registered_by'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('conference_id', 'public_key', name='uq_conference_trustee')
    )
    with op.batch_alter_table('conference_trustee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conference_trustee_conference_id'), ['conference_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('conference_trustee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conference_trustee_conference_id'))
    op.drop_table('conference_trustee')

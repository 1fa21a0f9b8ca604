"""Sealed ballots: each secret ballot's sealing (election key, trustees, sum rule), sealed votes, decryptions.

Revision ID: 7a3c5e9b1d42
Revises: 5d1e8c3a7b20
Create Date: 2026-12-04 16:40:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import unionvote.db

# revision identifiers, used by Alembic.
revision: str = '7a3c5e9b1d42'
down_revision: str | Sequence[str] | None = '5d1e8c3a7b20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ballot_decryption',
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('public_key', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('received_at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballot.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ballot_id', 'public_key')
    )
    op.create_table('ballot_sealed_vote',
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('sealed', sa.Text(), nullable=False),
    sa.Column('weight', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('tracker', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballot.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ballot_id', 'id'),
    sqlite_with_rowid=False
    )
    op.create_table('ballot_sealing',
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('election_key', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('trustees', sa.Text(), nullable=False),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('wrapped_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballot.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ballot_id')
    )


def downgrade() -> None:
    op.drop_table('ballot_sealing')
    op.drop_table('ballot_sealed_vote')
    op.drop_table('ballot_decryption')

"""Sealed member ballots: each ballot's sealing (election key, trustees, sliced tally), sealed answers, decryptions.

From this revision no member vote is written to member_content: each answer is sealed into
member_sealed_vote. A member ballot still open when this runs took its earlier votes in the
clear: it can no longer take votes (close it and open a new one); closed ballots keep their
member_content rows and stay countable and verifiable.

Revision ID: 6f2a9d4c8e17
Revises: 4c2e8a6f1b93
Create Date: 2026-12-04 19:00:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import unionvote.db

# revision identifiers, used by Alembic.
revision: str = '6f2a9d4c8e17'
down_revision: str | Sequence[str] | None = '4c2e8a6f1b93'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('member_ballot_sealing',
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('election_key', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('trustees', sa.Text(), nullable=False),
    sa.Column('wrapped_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('tally', sa.Text(), nullable=True),
    sa.Column('totals', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['ballot_id'], ['member_ballot.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ballot_id')
    )
    op.create_table('member_sealed_vote',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('slots', sa.Text(), nullable=False),
    sa.Column('proofs', sa.Text(), nullable=False),
    sa.Column('tracker', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('employer', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('workplace', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('branch', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('retry_check', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['member_question.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', 'id'),
    sqlite_with_rowid=False
    )
    op.create_table('member_ballot_decryption',
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('public_key', sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('received_at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['member_ballot.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ballot_id', 'public_key')
    )


def downgrade() -> None:
    op.drop_table('member_ballot_decryption')
    op.drop_table('member_sealed_vote')
    op.drop_table('member_ballot_sealing')

"""member ballots: indicative ballots of the membership, members, credentials.

Revision ID: f3c6d8a2b944
Revises: e7f1a3b9c520
Create Date: 2026-11-22 17:00:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import unionvote.db

# revision identifiers, used by Alembic.
revision: str = 'f3c6d8a2b944'
down_revision: str | Sequence[str] | None = 'e7f1a3b9c520'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('member_ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('opens_at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('join_cutoff', unionvote.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('turnout_percent', sa.Integer(), nullable=False),
    sa.Column('yes_percent', sa.Integer(), nullable=True),
    sa.Column('min_segment', sa.Integer(), nullable=False),
    sa.Column('retention_until', sa.Date(), nullable=True),
    sa.Column('code_salt', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_at', unionvote.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', unionvote.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('declared_at', unionvote.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('electorate_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('electorate_size', sa.Integer(), nullable=True),
    sa.Column('contents_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('result_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('erased_at', unionvote.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_member_ballot_slug'), 'member_ballot', ['slug'], unique=True)
    op.create_table('member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('membership_number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('mobile', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('employer', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('workplace', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('branch', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.Column('removed_at', unionvote.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('removed_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('link_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('credential_issued_at', unionvote.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('credential_used_at', unionvote.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('voted_at', unionvote.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ballot_id'], ['member_ballot.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ballot_id', 'membership_number', name='uq_member_number')
    )
    op.create_index('ix_member_ballot_employer', 'member', ['ballot_id', 'employer'], unique=False)
    op.create_index('ix_member_ballot_voted', 'member', ['ballot_id', 'voted_at'], unique=False)
    op.create_index(op.f('ix_member_link_hash'), 'member', ['link_hash'], unique=False)
    op.create_table('member_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('options', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['member_ballot.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ballot_id', 'position', name='uq_member_question_position')
    )
    op.create_table('member_content',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('choice', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('tracker', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('employer', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('workplace', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('branch', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['member_question.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', 'id'),
    sqlite_with_rowid=False
    )
    op.create_table('member_participation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('voted_at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['member_ballot.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['member_question.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('question_id', 'member_id', name='uq_member_participation')
    )
    op.create_index('ix_member_participation_ballot_member', 'member_participation', ['ballot_id', 'member_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_member_participation_ballot_member', table_name='member_participation')
    op.drop_table('member_participation')
    op.drop_table('member_content')
    op.drop_table('member_question')
    op.drop_index(op.f('ix_member_link_hash'), table_name='member')
    op.drop_index('ix_member_ballot_voted', table_name='member')
    op.drop_index('ix_member_ballot_employer', table_name='member')
    op.drop_table('member')
    op.drop_index(op.f('ix_member_ballot_slug'), table_name='member_ballot')
    op.drop_table('member_ballot')

"""ballots and votes: ballots, electorate snapshots, participation and secret contents, hall counts.

Revision ID: c5a8f3e1d702
Revises: b41d6e2a9c10
Create Date: 2026-11-22 17:00:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import unionvote.db

# revision identifiers, used by Alembic.
revision: str = 'c5a8f3e1d702'
down_revision: str | Sequence[str] | None = 'b41d6e2a9c10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=True),
    sa.Column('amendment_id', sa.Integer(), nullable=True),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('follows_id', sa.Integer(), nullable=True),
    sa.Column('relation', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('secrecy', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('options', sa.Text(), nullable=False),
    sa.Column('max_choices', sa.Integer(), nullable=False),
    sa.Column('weighting', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('card_mode', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('rule', sa.Text(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('countdown_seconds', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_at', unionvote.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closes_at', unionvote.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', unionvote.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('declared_at', unionvote.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('electorate_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('electorate_size', sa.Integer(), nullable=True),
    sa.Column('electorate_weight', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('entitled_weight', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('result_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('casting_vote', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('void_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('certified_at', unionvote.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('certified_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendment.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['certified_by'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['follows_id'], ['ballot.id'], ),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_ballot_conference_state', 'ballot', ['conference_id', 'state'], unique=False)
    op.create_table('ballot_content',
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('choice', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('weight', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('tracker', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballot.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ballot_id', 'id'),
    sqlite_with_rowid=False
    )
    op.create_table('ballot_electorate',
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('body_id', sa.Integer(), nullable=True),
    sa.Column('weight', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballot.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ballot_id', 'delegate_id')
    )
    op.create_index('ix_ballot_electorate_user', 'ballot_electorate', ['ballot_id', 'user_id'], unique=False)
    op.create_table('ballot_hall_count',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('section', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('counts', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('papers', sa.Integer(), nullable=False),
    sa.Column('invalid', sa.Integer(), nullable=False),
    sa.Column('teller_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballot.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teller_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ballot_id', 'section', name='uq_hall_count_section')
    )
    op.create_table('ballot_participation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('voted_at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('content_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballot.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ballot_id', 'delegate_id', name='uq_participation_voter')
    )


def downgrade() -> None:
    op.drop_table('ballot_participation')
    op.drop_table('ballot_hall_count')
    op.drop_index('ix_ballot_electorate_user', table_name='ballot_electorate')
    op.drop_table('ballot_electorate')
    op.drop_table('ballot_content')
    op.drop_index('ix_ballot_conference_state', table_name='ballot')
    op.drop_table('ballot')

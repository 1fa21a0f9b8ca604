"""elections: positions, nominations, ranked ballots and counts.

Revision ID: e7f1a3b9c520
Revises: d2e9b7c4a811
Create Date: 2026-11-22 17:00:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

from unionvote.db import UTCDateTime

# revision identifiers, used by Alembic.
revision: str = 'e7f1a3b9c520'
down_revision: str | Sequence[str] | None = 'd2e9b7c4a811'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('election',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('nominator_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('supporters_needed', sa.Integer(), nullable=False),
    sa.Column('statement_limit', sa.Integer(), nullable=False),
    sa.Column('nominations_close_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('uncontested', sa.Boolean(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('declared_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballot.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_election_conference', 'election', ['conference_id'], unique=False)
    op.create_table('election_nomination',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('candidate_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=True),
    sa.Column('nominated_by', sa.Integer(), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('committee_note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['election_id'], ['election.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['nominated_by'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_election_nomination_election', 'election_nomination', ['election_id'], unique=False)
    op.create_table('election_paper',
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('ranking', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('papers', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['election.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('election_id', 'ranking'),
    sqlite_with_rowid=False
    )
    op.create_table('election_support',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['nomination_id'], ['election_nomination.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('nomination_id', 'user_id', name='uq_election_support')
    )


def downgrade() -> None:
    op.drop_table('election_support')
    op.drop_table('election_paper')
    op.drop_index('ix_election_nomination_election', table_name='election_nomination')
    op.drop_table('election_nomination')
    op.drop_index('ix_election_conference', table_name='election')
    op.drop_table('election')

"""consultations: share, star, discover.

Revision ID: d2e9b7c4a811
Revises: c5a8f3e1d702
Create Date: 2026-11-22 17:00:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

from unionvote.db import UTCDateTime

# revision identifiers, used by Alembic.
revision: str = 'd2e9b7c4a811'
down_revision: str | Sequence[str] | None = 'c5a8f3e1d702'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('consult_consultation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=True),
    sa.Column('ballot_id', sa.Integer(), nullable=True),
    sa.Column('anonymity', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('hold_for_review', sa.Boolean(), nullable=False),
    sa.Column('rating_target', sa.Integer(), nullable=False),
    sa.Column('share_opens_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('share_closes_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('star_opens_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('star_closes_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('discover_opens_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_consult_consultation_conference_id'), 'consult_consultation', ['conference_id'],
                    unique=False)
    op.create_table('consult_analyst',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consult_consultation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('consultation_id', 'user_id', name='uq_consult_analyst')
    )
    op.create_table('consult_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('employer', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('shift', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('used', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consult_consultation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_consult_invitation_consultation_id'), 'consult_invitation', ['consultation_id'],
                    unique=False)
    op.create_table('consult_joined',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consult_consultation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('consultation_id', 'user_id', name='uq_consult_joined')
    )
    op.create_index(op.f('ix_consult_joined_user_id'), 'consult_joined', ['user_id'], unique=False)
    op.create_table('consult_participant',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('employer', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('shift', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('person_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consult_consultation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash'),
    sqlite_with_rowid=False,
    )
    op.create_index(op.f('ix_consult_participant_consultation_id'), 'consult_participant', ['consultation_id'],
                    unique=False)
    op.create_table('consult_theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consult_consultation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_consult_theme_consultation_id'), 'consult_theme', ['consultation_id'], unique=False)
    op.create_table('consult_thought',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('participant_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=280), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('ratings', sa.Integer(), nullable=False),
    sa.Column('star_sum', sa.Integer(), nullable=False),
    sa.Column('star_squares', sa.Integer(), nullable=False),
    sa.Column('skips', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consult_consultation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['consult_participant.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['theme_id'], ['consult_theme.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('consultation_id', 'number', name='uq_consult_thought_number'),
    sqlite_with_rowid=False,
    )
    op.create_index(op.f('ix_consult_thought_consultation_id'), 'consult_thought', ['consultation_id'], unique=False)
    op.create_table('consult_rating',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('thought_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('participant_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['participant_id'], ['consult_participant.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thought_id'], ['consult_thought.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('thought_id', 'participant_id', name='uq_consult_rating'),
    sqlite_with_rowid=False,
    )
    op.create_index('ix_consult_rating_participant', 'consult_rating', ['participant_id'], unique=False)
    op.create_table('consult_report',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('thought_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('participant_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('resolved', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['consult_participant.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thought_id'], ['consult_thought.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('thought_id', 'participant_id', name='uq_consult_report'),
    sqlite_with_rowid=False,
    )
    op.create_index(op.f('ix_consult_report_thought_id'), 'consult_report', ['thought_id'], unique=False)
    op.create_table('consult_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thought_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_user_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thought_id'], ['consult_thought.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('thought_id')
    )


def downgrade() -> None:
    op.drop_table('consult_response')
    op.drop_index(op.f('ix_consult_report_thought_id'), table_name='consult_report')
    op.drop_table('consult_report')
    op.drop_index('ix_consult_rating_participant', table_name='consult_rating')
    op.drop_table('consult_rating')
    op.drop_index(op.f('ix_consult_thought_consultation_id'), table_name='consult_thought')
    op.drop_table('consult_thought')
    op.drop_index(op.f('ix_consult_theme_consultation_id'), table_name='consult_theme')
    op.drop_table('consult_theme')
    op.drop_index(op.f('ix_consult_participant_consultation_id'), table_name='consult_participant')
    op.drop_table('consult_participant')
    op.drop_index(op.f('ix_consult_joined_user_id'), table_name='consult_joined')
    op.drop_table('consult_joined')
    op.drop_index(op.f('ix_consult_invitation_consultation_id'), table_name='consult_invitation')
    op.drop_table('consult_invitation')
    op.drop_table('consult_analyst')
    op.drop_index(op.f('ix_consult_consultation_conference_id'), table_name='consult_consultation')
    op.drop_table('consult_consultation')

"""motions and agenda: motions, versions, amendments, rulings, composites, agenda, speakers.

Revision ID: b41d6e2a9c10
Revises: f70fb46ba4c9
Create Date: 2026-11-22 17:00:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from unionvote.db import UTCDateTime

# revision identifiers, used by Alembic.
revision: str = 'b41d6e2a9c10'
down_revision: str | Sequence[str] | None = 'f70fb46ba4c9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('agenda_publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('snapshot', sa.Text(), nullable=False),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.Column('published_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('conference_id', 'version', name='uq_agenda_publication_version')
    )
    op.create_table('agenda_section',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_agenda_section_conference', 'agenda_section', ['conference_id', 'position'], unique=False)
    op.create_table('agenda_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['section_id'], ['agenda_section.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_agenda_item_conference_id'), 'agenda_item', ['conference_id'], unique=False)
    op.create_index('ix_agenda_item_section', 'agenda_item', ['section_id', 'position'], unique=False)
    op.create_table('motion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=True),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('emergency_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('ruling_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('recommendation', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('recommendation_note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('composited_into', sa.Integer(), nullable=True),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('debate_order', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['composited_into'], ['motion.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('conference_id', 'number', name='uq_motion_number')
    )
    op.create_index('ix_motion_agenda_item', 'motion', ['agenda_item_id'], unique=False)
    op.create_table('speaker_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('stance', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('requested_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('called_at', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['delegate_id'], ['delegate.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_speaker_request_item', 'speaker_request', ['agenda_item_id', 'state'], unique=False)
    op.create_table('amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=True),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('first_line', sa.Integer(), nullable=False),
    sa.Column('last_line', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('motion_version', sa.Integer(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('ruling_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('ballot_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('motion_id', 'number', name='uq_amendment_number')
    )
    op.create_table('motion_supporter',
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('motion_id', 'body_id')
    )
    op.create_table('motion_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('made_by', sa.Integer(), nullable=True),
    sa.Column('made_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['made_by'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('motion_id', 'version', name='uq_motion_version')
    )
    op.create_table('motions_settings',
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('motion_deadline', UTCDateTime(timezone=True), nullable=True),
    sa.Column('amendment_deadline', UTCDateTime(timezone=True), nullable=True),
    sa.Column('current_item_id', sa.Integer(), nullable=True),
    sa.Column('deciding_motion_id', sa.Integer(), nullable=True),
    sa.Column('deciding_amendment_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['current_item_id'], ['agenda_item.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['deciding_amendment_id'], ['amendment.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['deciding_motion_id'], ['motion.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('conference_id')
    )


def downgrade() -> None:
    op.drop_table('motions_settings')
    op.drop_table('motion_version')
    op.drop_table('motion_supporter')
    op.drop_table('amendment')
    op.drop_index('ix_speaker_request_item', table_name='speaker_request')
    op.drop_table('speaker_request')
    op.drop_index('ix_motion_agenda_item', table_name='motion')
    op.drop_table('motion')
    op.drop_index('ix_agenda_item_section', table_name='agenda_item')
    op.drop_index(op.f('ix_agenda_item_conference_id'), table_name='agenda_item')
    op.drop_table('agenda_item')
    op.drop_index('ix_agenda_section_conference', table_name='agenda_section')
    op.drop_table('agenda_section')
    op.drop_table('agenda_publication')

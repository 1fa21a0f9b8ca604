"""the chair's floor: outcomes recorded and corrected, speakers ordered and timed.

Revision ID: 5d1e8c3a7b20
Revises: d5e8a1c7f304
Create Date: 2026-12-04 16:20:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import unionvote.db

# revision identifiers, used by Alembic.
revision: str = '5d1e8c3a7b20'
down_revision: str | Sequence[str] | None = 'd5e8a1c7f304'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('floor_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('amendment_id', sa.Integer(), nullable=True),
    sa.Column('from_state', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('to_state', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=True),
    sa.Column('fell', sa.Text(), nullable=False),
    sa.Column('business_session_id', sa.Integer(), nullable=True),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendment.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['corrects_id'], ['floor_decision.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_floor_decision_motion', 'floor_decision', ['motion_id', 'id'], unique=False)
    with op.batch_alter_table('motions_settings') as batch:
        batch.add_column(sa.Column('speech_seconds', sa.Integer(), nullable=True))
    with op.batch_alter_table('agenda_item') as batch:
        batch.add_column(sa.Column('speaking_seconds', sa.Integer(), nullable=True))
    with op.batch_alter_table('speaker_request') as batch:
        batch.add_column(sa.Column('finished_at', unionvote.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('position', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('speaker_request') as batch:
        batch.drop_column('position')
        batch.drop_column('finished_at')
    with op.batch_alter_table('agenda_item') as batch:
        batch.drop_column('speaking_seconds')
    with op.batch_alter_table('motions_settings') as batch:
        batch.drop_column('speech_seconds')
    op.drop_index('ix_floor_decision_motion', table_name='floor_decision')
    op.drop_table('floor_decision')

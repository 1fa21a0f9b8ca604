"""getting the vote out: reps' chase lists and outcomes, outreach settings, portal links used, texts sent.

Revision ID: 3e7b9c1d5a24
Revises: 7a3c5e9b1d42
Create Date: 2026-12-04 17:00:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import unionvote.db

# revision identifiers, used by Alembic.
revision: str = '3e7b9c1d5a24'
down_revision: str | Sequence[str] | None = '7a3c5e9b1d42'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('text_opt_out',
    sa.Column('mobile', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('mobile')
    )
    op.create_table('member_ballot_outreach',
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('chase_message', sa.Text(), nullable=True),
    sa.Column('portal_secret', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.ForeignKeyConstraint(['ballot_id'], ['member_ballot.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ballot_id')
    )
    op.create_table('member_ballot_rep',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('granted_by', sa.Integer(), nullable=True),
    sa.Column('granted_at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['member_ballot.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ballot_id', 'user_id', name='uq_member_ballot_rep')
    )
    op.create_index('ix_member_ballot_rep_user', 'member_ballot_rep', ['user_id'], unique=False)
    op.create_table('member_portal_use',
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('signature', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('used_at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['member_ballot.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ballot_id', 'signature')
    )
    op.create_table('member_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('rep_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('recorded_at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['member_ballot.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rep_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_member_contact_ballot_member', 'member_contact', ['ballot_id', 'member_id'], unique=False)
    op.create_table('member_text',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('run', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('provider_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('sent_at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', unionvote.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ballot_id'], ['member_ballot.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ballot_id', 'run', 'member_id', name='uq_member_text_run')
    )
    op.create_index('ix_member_text_provider_id', 'member_text', ['provider_id'], unique=False)



def downgrade() -> None:
    op.drop_index('ix_member_text_provider_id', table_name='member_text')
    op.drop_table('member_text')
    op.drop_index('ix_member_contact_ballot_member', table_name='member_contact')
    op.drop_table('member_contact')
    op.drop_table('member_portal_use')
    op.drop_index('ix_member_ballot_rep_user', table_name='member_ballot_rep')
    op.drop_table('member_ballot_rep')
    op.drop_table('member_ballot_outreach')
    op.drop_table('text_opt_out')


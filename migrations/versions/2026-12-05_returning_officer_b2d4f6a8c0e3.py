"""The returning officer's record: complaint window, attempts to vote twice, member-ballot certification (issue 17).

Revision ID: b2d4f6a8c0e3
Revises: a1c3e5f7b9d2
Create Date: 2026-12-05 00:00:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import unionvote.db

# revision identifiers, used by Alembic.
revision: str = 'b2d4f6a8c0e3'
down_revision: str | Sequence[str] | None = 'a1c3e5f7b9d2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('member_ballot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('objection_hours', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('objections_closed_at', unionvote.db.UTCDateTime(timezone=True), nullable=True))
    op.create_table('member_complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('tracker', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('lodged_at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
    sa.Column('response', sa.Text(), nullable=True),
    sa.Column('decided_at', unionvote.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['ballot_id'], ['member_ballot.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    op.create_index('ix_member_complaint_ballot', 'member_complaint', ['ballot_id'], unique=False)
    op.create_table('member_ballot_certificate',
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('result_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('certified_by', sa.Integer(), nullable=True),
    sa.Column('certified_at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['member_ballot.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['certified_by'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('ballot_id')
    )


def downgrade() -> None:
    op.drop_table('member_ballot_certificate')
    op.drop_index('ix_member_complaint_ballot', table_name='member_complaint')
    op.drop_table('member_complaint')
    with op.batch_alter_table('member_ballot', schema=None) as batch_op:
        batch_op.drop_column('objections_closed_at')
        batch_op.drop_column('objection_hours')

"""member ballots: organisers, and credential sending.

Revision ID: c9f3a6b2d417
Revises: b8e2f5a1c306
Create Date: 2026-11-22 20:10:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

import unionvote.db  # noqa: F401

# revision identifiers, used by Alembic.
revision: str = 'c9f3a6b2d417'
down_revision: str | Sequence[str] | None = 'b8e2f5a1c306'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('member_ballot_organiser',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('granted_by', sa.Integer(), nullable=True),
    sa.Column('granted_at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['member_ballot.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ballot_id', 'user_id', name='uq_member_ballot_organiser')
    )
    op.create_index('ix_member_ballot_organiser_user', 'member_ballot_organiser', ['user_id'], unique=False)
    with op.batch_alter_table('member_ballot') as batch:
        batch.add_column(sa.Column('emailing_since', unionvote.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('member') as batch:
        batch.add_column(sa.Column('credential_emailed_at', unionvote.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('credential_email_error', sqlmodel.sql.sqltypes.AutoString(length=200),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('member') as batch:
        batch.drop_column('credential_email_error')
        batch.drop_column('credential_emailed_at')
    with op.batch_alter_table('member_ballot') as batch:
        batch.drop_column('emailing_since')
    op.drop_index('ix_member_ballot_organiser_user', table_name='member_ballot_organiser')
    op.drop_table('member_ballot_organiser')

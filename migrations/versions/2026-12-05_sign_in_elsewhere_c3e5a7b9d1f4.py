"""Sign-in from elsewhere: OpenID Connect identities, import column mappings (issue 22).

Revision ID: c3e5a7b9d1f4
Revises: b2d4f6a8c0e3
Create Date: 2026-12-05 00:00:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import unionvote.db

# revision identifiers, used by Alembic.
revision: str = 'c3e5a7b9d1f4'
down_revision: str | Sequence[str] | None = 'b2d4f6a8c0e3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # OpenID Connect: an identity at the union's provider, linked to one account on purpose.
    op.create_table('oidc_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('linked_at', unionvote.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', unionvote.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('issuer', 'subject', name='uq_oidc_identity_subject'),
    sa.UniqueConstraint('user_id', 'issuer', name='uq_oidc_identity_user_issuer')
    )


def downgrade() -> None:
    op.drop_table('oidc_identity')

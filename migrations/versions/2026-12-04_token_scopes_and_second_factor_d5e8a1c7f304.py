"""API token scopes and expiry; second-factor replay guard, lockout, and room for sealed secrets.

Tokens issued before this revision keep every scope they had in practice (read vote manage) and no
expiry; their owners see that on /account and can replace them. Second-factor secrets already stored
stay readable as they are and are sealed the next time they are used (or by `unionvote totp-rekey`).

Revision ID: d5e8a1c7f304
Revises: c9f3a6b2d417
Create Date: 2026-12-04 15:45:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import unionvote.db

# revision identifiers, used by Alembic.
revision: str = 'd5e8a1c7f304'
down_revision: str | Sequence[str] | None = 'c9f3a6b2d417'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('api_token') as batch:
        batch.add_column(sa.Column('scopes', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                   server_default='read vote manage'))
        batch.add_column(sa.Column('expires_at', unionvote.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('user_account') as batch:
        batch.alter_column('totp_secret', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
                           type_=sqlmodel.sql.sqltypes.AutoString(length=200), existing_nullable=True)
        batch.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('totp_failures', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('totp_locked_until', unionvote.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('totp_locked_until')
        batch.drop_column('totp_failures')
        batch.drop_column('totp_last_step')
        batch.alter_column('totp_secret', existing_type=sqlmodel.sql.sqltypes.AutoString(length=200),
                           type_=sqlmodel.sql.sqltypes.AutoString(length=64), existing_nullable=True)
    with op.batch_alter_table('api_token') as batch:
        batch.drop_column('expires_at')
        batch.drop_column('scopes')

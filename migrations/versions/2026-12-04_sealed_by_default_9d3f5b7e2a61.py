"""Sealed by default: each secret ballot's sealing mode, and a sealed vote's retry check.

Revision ID: 9d3f5b7e2a61
Revises: 8b4d2f6a9c13
Create Date: 2026-12-04 19:20:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '9d3f5b7e2a61'
down_revision: str | Sequence[str] | None = '8b4d2f6a9c13'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ballot') as batch:
        batch.add_column(sa.Column('sealing', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True))
    with op.batch_alter_table('ballot_sealed_vote') as batch:
        batch.add_column(sa.Column('retry_check', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    # Ballots sealed before this revision say so; a secret draft is sealed by the server unless set otherwise.
    op.execute("UPDATE ballot SET sealing = (SELECT mode FROM ballot_sealing WHERE ballot_sealing.ballot_id = "
               "ballot.id) WHERE EXISTS (SELECT 1 FROM ballot_sealing WHERE ballot_sealing.ballot_id = ballot.id)")
    op.execute("UPDATE ballot SET sealing = 'server' WHERE sealing IS NULL AND secrecy = 'secret' "
               "AND state = 'draft' AND method <> 'ranked'")


def downgrade() -> None:
    with op.batch_alter_table('ballot_sealed_vote') as batch:
        batch.drop_column('retry_check')
    with op.batch_alter_table('ballot') as batch:
        batch.drop_column('sealing')

"""Cast-or-audit: the handles of sealed votes a voter checked, spent once cast or revealed.

Revision ID: 4c2e8a6f1b93
Revises: 9d3f5b7e2a61
Create Date: 2026-12-04 19:10:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '4c2e8a6f1b93'
down_revision: str | Sequence[str] | None = '9d3f5b7e2a61'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ballot_spent_sealing',
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('handle', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballot.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ballot_id', 'handle')
    )


def downgrade() -> None:
    op.drop_table('ballot_spent_sealing')

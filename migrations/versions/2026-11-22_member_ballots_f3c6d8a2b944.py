"""member ballots: indicative ballots of the membership, members, credentials.

Revision ID: f3c6d8a2b944
Revises: e7f1a3b9c520
Create Date: 2026-11-22 17:00:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision: str = 'f3c6d8a2b944'
down_revision: str | Sequence[str] | None = 'e7f1a3b9c520'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

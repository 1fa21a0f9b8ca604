"""ballots and votes: ballots, electorate snapshots, participation and secret contents, hall counts.

Revision ID: c5a8f3e1d702
Revises: b41d6e2a9c10
Create Date: 2026-11-22 17:00:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision: str = 'c5a8f3e1d702'
down_revision: str | Sequence[str] | None = 'b41d6e2a9c10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

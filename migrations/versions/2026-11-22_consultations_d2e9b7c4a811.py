"""consultations: share, star, discover.

Revision ID: d2e9b7c4a811
Revises: c5a8f3e1d702
Create Date: 2026-11-22 17:00:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision: str = 'd2e9b7c4a811'
down_revision: str | Sequence[str] | None = 'c5a8f3e1d702'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

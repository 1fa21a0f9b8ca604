"""motions and agenda: motions, versions, amendments, rulings, composites, agenda, speakers.

Revision ID: b41d6e2a9c10
Revises: f70fb46ba4c9
Create Date: 2026-11-22 17:00:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision: str = 'b41d6e2a9c10'
down_revision: str | Sequence[str] | None = 'f70fb46ba4c9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""Consultations that deserve trust: join-order rank, reserved picks (issue 20).

Revision ID: d4f6b8c0e2a5
Revises: c3e5a7b9d1f4
Create Date: 2026-12-05 00:00:00+00:00

"""

from collections.abc import Sequence

# revision identifiers, used by Alembic.
revision: str = 'd4f6b8c0e2a5'
down_revision: str | Sequence[str] | None = 'c3e5a7b9d1f4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""Languages: a person's preferred language and each event's default language (issue 21).

Revision ID: a1c3e5f7b9d2
Revises: 6f2a9d4c8e17
Create Date: 2026-12-05 00:00:00+00:00

"""

from collections.abc import Sequence

# revision identifiers, used by Alembic.
revision: str = 'a1c3e5f7b9d2'
down_revision: str | Sequence[str] | None = '6f2a9d4c8e17'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

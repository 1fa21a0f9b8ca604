"""Sign-in from elsewhere: OpenID Connect identities, import column mappings (issue 22).

Revision ID: c3e5a7b9d1f4
Revises: b2d4f6a8c0e3
Create Date: 2026-12-05 00:00:00+00:00

"""

from collections.abc import Sequence

# revision identifiers, used by Alembic.
revision: str = 'c3e5a7b9d1f4'
down_revision: str | Sequence[str] | None = 'b2d4f6a8c0e3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

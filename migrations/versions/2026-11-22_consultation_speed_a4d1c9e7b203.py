"""consultations: what the sampler needs to choose fast.

Each thought row already keeps its running totals (ratings, star_sum, star_squares, skips),
moved in the same transaction as each rating, so the sampler never aggregates the ratings.
This revision:
- replaces the index on consult_rating(participant_id) by a covering one on
  (participant_id, thought_id, stars): "what has this participant rated or skipped, and how"
  is then read from the index alone (SQLite: the table is WITHOUT ROWID, so the old index
  sent each of those lookups back into the 500,000-row table);
- recomputes every thought's totals from its ratings, so the totals the sampler trusts
  agree with the ratings from this revision on, whatever wrote the rows before.

Revision ID: a4d1c9e7b203
Revises: f3c6d8a2b944
Create Date: 2026-11-22 20:10:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

import unionvote.db  # noqa: F401

# revision identifiers, used by Alembic.
revision: str = 'a4d1c9e7b203'
down_revision: str | Sequence[str] | None = 'f3c6d8a2b944'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _recompute_totals() -> None:
    """Every thought's totals, recomputed from its ratings (a skip is a rating row without stars)."""
    op.execute("""
        UPDATE consult_thought SET
          ratings = (SELECT count(r.stars) FROM consult_rating r WHERE r.thought_id = consult_thought.id),
          star_sum = (SELECT coalesce(sum(r.stars), 0) FROM consult_rating r
                      WHERE r.thought_id = consult_thought.id),
          star_squares = (SELECT coalesce(sum(r.stars * r.stars), 0) FROM consult_rating r
                          WHERE r.thought_id = consult_thought.id),
          skips = (SELECT count(*) - count(r.stars) FROM consult_rating r WHERE r.thought_id = consult_thought.id)
    """)


def upgrade() -> None:
    op.create_index('ix_consult_rating_participant_thought', 'consult_rating',
                    ['participant_id', 'thought_id', 'stars'], unique=False)
    op.drop_index('ix_consult_rating_participant', table_name='consult_rating')
    _recompute_totals()


def downgrade() -> None:
    op.create_index('ix_consult_rating_participant', 'consult_rating', ['participant_id'], unique=False)
    op.drop_index('ix_consult_rating_participant_thought', table_name='consult_rating')

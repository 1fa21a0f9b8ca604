"""Languages: a person's preferred language and each event's default language (issue 21).

Adds the language a person chose on their account page; each conference's, member ballot's
and consultation's default language and the second language shown beside it (bilingual);
and the translations of the texts staff write (a JSON object per row, see unionvote.bilingual).

Revision ID: a1c3e5f7b9d2
Revises: 6f2a9d4c8e17
Create Date: 2026-12-05 00:00:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = 'a1c3e5f7b9d2'
down_revision: str | Sequence[str] | None = '6f2a9d4c8e17'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = ('conference', 'member_ballot', 'consult_consultation')
TRANSLATED = ('member_ballot', 'member_question', 'motion', 'consult_consultation')


def _language() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)


def upgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(_language())
    for table in EVENTS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(_language())
            batch.add_column(sa.Column('bilingual_language', sqlmodel.sql.sqltypes.AutoString(length=8),
                                       nullable=True))
    for table in TRANSLATED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('translations', sa.Text(), nullable=True))


def downgrade() -> None:
    for table in TRANSLATED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('translations')
    for table in EVENTS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('bilingual_language')
            batch.drop_column('language')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('language')

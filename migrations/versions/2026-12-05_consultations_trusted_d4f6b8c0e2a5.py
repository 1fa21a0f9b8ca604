"""Consultations that deserve trust: joining writes a claim that names nobody (issue 20).

consult_claim replaces consult_joined and consult_invitation.used: a delegate's join was a row
naming their account, and using a link flipped a flag on the row naming the member, in the moment
they joined. A claim's mark is an HMAC under the server's secret key, which migrations do not have,
so joins made before this revision move across with plain marks (legacy-user:<consultation>:<user>,
legacy-invitation:<id>); they named the person before, and still do. Downgrading brings those back;
claims made since cannot be turned back into people, so they are lost on the way down.

Revision ID: d4f6b8c0e2a5
Revises: c3e5a7b9d1f4
Create Date: 2026-12-05 00:00:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = 'd4f6b8c0e2a5'
down_revision: str | Sequence[str] | None = 'c3e5a7b9d1f4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('consult_claim',
    sa.Column('mark', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consult_consultation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('mark'),
    sqlite_with_rowid=False,
    )
    op.create_index(op.f('ix_consult_claim_consultation_id'), 'consult_claim', ['consultation_id'], unique=False)
    op.execute("INSERT INTO consult_claim (mark, consultation_id) SELECT 'legacy-user:' || consultation_id || ':' "
               "|| user_id, consultation_id FROM consult_joined")
    op.execute("INSERT INTO consult_claim (mark, consultation_id) SELECT 'legacy-invitation:' || id, consultation_id "
               "FROM consult_invitation WHERE used")
    op.drop_index(op.f('ix_consult_joined_user_id'), table_name='consult_joined')
    op.drop_table('consult_joined')
    with op.batch_alter_table('consult_invitation') as batch:
        batch.drop_column('used')


def downgrade() -> None:
    with op.batch_alter_table('consult_invitation') as batch:
        batch.add_column(sa.Column('used', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table('consult_joined',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consult_consultation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('consultation_id', 'user_id', name='uq_consult_joined')
    )
    op.create_index(op.f('ix_consult_joined_user_id'), 'consult_joined', ['user_id'], unique=False)
    op.execute("UPDATE consult_invitation SET used = true WHERE 'legacy-invitation:' || id IN "
               "(SELECT mark FROM consult_claim)")
    # The user id is what follows the second colon of a legacy-user mark.
    op.execute("INSERT INTO consult_joined (consultation_id, user_id) SELECT consultation_id, "
               "CAST(substr(mark, length('legacy-user:' || consultation_id || ':') + 1) AS INTEGER) "
               "FROM consult_claim WHERE mark LIKE 'legacy-user:%'")
    op.drop_index(op.f('ix_consult_claim_consultation_id'), table_name='consult_claim')
    op.drop_table('consult_claim')

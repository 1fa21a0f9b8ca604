"""member ballots: indexes and summaries for 500,000 members.

Turnout by segment is read from `member_turnout`: how many members are entitled and how
many have voted per (ballot, segment kind, segment value, shard). The code that adds
members (ballots.members: the import and a later joiner) counts them in shard 0 in its
own transaction; a trigger on `member` counts every later change of `voted_at`,
`removed_at` or a segment (a vote, a removal) in the transaction that makes it. A vote
adds 1 in its member's shard (member id mod 16 on PostgreSQL), so the votes of one large
employer do not queue behind a single counter row. On SQLite (one writer) every count is
in shard 0. (A statement trigger counting a 500,000-row COPY from its transition table
cost the import 8 to 20 s more than counting in Python as the file is read.)

The member indexes that only a full import paid for go: (ballot, employer) is no
longer read, and those on voted_at and link_hash become partial (NULL until a vote
or a credential).

Revision ID: b8e2f5a1c306
Revises: a4d1c9e7b203
Create Date: 2026-11-22 20:10:00+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import unionvote.db  # noqa: F401

# revision identifiers, used by Alembic.
revision: str = 'b8e2f5a1c306'
down_revision: str | Sequence[str] | None = 'a4d1c9e7b203'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARDS = 16  # also written into the PostgreSQL functions below
KINDS = ("employer", "workplace", "region", "branch")

# PostgreSQL: each update of a member (a vote, a removal) is counted by row, kinds in a fixed
# order so two votes never wait on each other's rows in opposite orders.
PG_FUNCTIONS = ["""
CREATE FUNCTION member_turnout_bump(b integer, s integer, e text, w text, r text, br text,
                                    d_entitled integer, d_voted integer) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO member_turnout AS t (ballot_id, kind, value, shard, entitled, voted)
  VALUES (b, 'employer', e, s, d_entitled, d_voted), (b, 'workplace', w, s, d_entitled, d_voted),
         (b, 'region', r, s, d_entitled, d_voted), (b, 'branch', br, s, d_entitled, d_voted)
  ON CONFLICT (ballot_id, kind, value, shard)
  DO UPDATE SET entitled = t.entitled + excluded.entitled, voted = t.voted + excluded.voted
$$""", """
CREATE FUNCTION member_turnout_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was_in integer := (OLD.removed_at IS NULL)::integer;
  is_in integer := (NEW.removed_at IS NULL)::integer;
  was_voted integer := (OLD.removed_at IS NULL AND OLD.voted_at IS NOT NULL)::integer;
  is_voted integer := (NEW.removed_at IS NULL AND NEW.voted_at IS NOT NULL)::integer;
BEGIN
  IF (OLD.employer, OLD.workplace, OLD.region, OLD.branch) = (NEW.employer, NEW.workplace, NEW.region, NEW.branch)
  THEN
    PERFORM member_turnout_bump(NEW.ballot_id, NEW.id % 16, NEW.employer, NEW.workplace, NEW.region,
                                NEW.branch, is_in - was_in, is_voted - was_voted);
  ELSE
    PERFORM member_turnout_bump(OLD.ballot_id, OLD.id % 16, OLD.employer, OLD.workplace, OLD.region,
                                OLD.branch, -was_in, -was_voted);
    PERFORM member_turnout_bump(NEW.ballot_id, NEW.id % 16, NEW.employer, NEW.workplace, NEW.region,
                                NEW.branch, is_in, is_voted);
  END IF;
  RETURN NULL;
END $$""", """
CREATE TRIGGER member_turnout_changed AFTER UPDATE OF voted_at, removed_at, employer, workplace, region, branch
ON member FOR EACH ROW
WHEN ((OLD.voted_at IS NULL) IS DISTINCT FROM (NEW.voted_at IS NULL)
      OR (OLD.removed_at IS NULL) IS DISTINCT FROM (NEW.removed_at IS NULL)
      OR (OLD.employer, OLD.workplace, OLD.region, OLD.branch)
         IS DISTINCT FROM (NEW.employer, NEW.workplace, NEW.region, NEW.branch))
EXECUTE FUNCTION member_turnout_changed()"""]

PG_DROP = ["DROP TRIGGER IF EXISTS member_turnout_changed ON member",
           "DROP FUNCTION IF EXISTS member_turnout_changed()",
           "DROP FUNCTION IF EXISTS member_turnout_bump(integer, integer, text, text, text, text, integer, integer)"]


def _sqlite_counts(row: str, sign: str) -> list[str]:
    """Statements adding (sign '+') or taking away ('-') one member row's counts, in SQLite trigger SQL."""
    entitled = f"({row}.removed_at IS NULL)"
    voted = f"({row}.removed_at IS NULL AND {row}.voted_at IS NOT NULL)"
    statements = []
    if sign == "+":
        values = ", ".join(f"({row}.ballot_id, '{kind}', {row}.{kind}, 0, 0, 0)" for kind in KINDS)
        statements.append("INSERT OR IGNORE INTO member_turnout (ballot_id, kind, value, shard, entitled, voted) "  # noqa: S608
                          f"VALUES {values};")
    statements += [f"UPDATE member_turnout SET entitled = entitled {sign} {entitled}, voted = voted {sign} {voted} "  # noqa: S608
                   f"WHERE ballot_id = {row}.ballot_id AND kind = '{kind}' AND value = {row}.{kind} AND shard = 0;"
                   for kind in KINDS]
    return statements


def _sqlite_triggers() -> list[str]:
    changed = "\n".join([*_sqlite_counts("OLD", "-"), *_sqlite_counts("NEW", "+")])
    return [
        "CREATE TRIGGER member_turnout_changed AFTER UPDATE OF voted_at, removed_at, employer, workplace, region, "
        "branch ON member WHEN (OLD.voted_at IS NULL) IS NOT (NEW.voted_at IS NULL) "
        "OR (OLD.removed_at IS NULL) IS NOT (NEW.removed_at IS NULL) OR OLD.employer IS NOT NEW.employer "
        "OR OLD.workplace IS NOT NEW.workplace OR OLD.region IS NOT NEW.region OR OLD.branch IS NOT NEW.branch "
        f"BEGIN\n{changed}\nEND",
    ]


def _is_postgresql() -> bool:
    return op.get_context().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table('member_turnout',
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('shard', sa.Integer(), nullable=False),
    sa.Column('entitled', sa.Integer(), nullable=False),
    sa.Column('voted', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['member_ballot.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ballot_id', 'kind', 'value', 'shard')
    )
    op.drop_index('ix_member_ballot_employer', table_name='member')
    op.drop_index('ix_member_ballot_voted', table_name='member')
    op.drop_index('ix_member_link_hash', table_name='member')
    op.create_index('ix_member_ballot_voted', 'member', ['ballot_id', 'voted_at'], unique=False,
                    postgresql_where=sa.text('voted_at IS NOT NULL'), sqlite_where=sa.text('voted_at IS NOT NULL'))
    op.create_index('ix_member_link_hash', 'member', ['link_hash'], unique=False,
                    postgresql_where=sa.text('link_hash IS NOT NULL'), sqlite_where=sa.text('link_hash IS NOT NULL'))
    shard, by_shard = (f"id % {SHARDS}", f", id % {SHARDS}") if _is_postgresql() else ("0", "")
    for kind in KINDS:  # the members already imported
        op.execute(f"INSERT INTO member_turnout (ballot_id, kind, value, shard, entitled, voted) "  # noqa: S608
                   f"SELECT ballot_id, '{kind}', {kind}, {shard}, count(*), count(voted_at) FROM member "
                   f"WHERE removed_at IS NULL GROUP BY ballot_id, {kind}{by_shard}")
    if _is_postgresql():
        for statement in PG_FUNCTIONS:
            op.execute(statement)
    else:
        for statement in _sqlite_triggers():
            op.execute(statement)


def downgrade() -> None:
    if _is_postgresql():
        for statement in PG_DROP:
            op.execute(statement)
    else:
        op.execute("DROP TRIGGER IF EXISTS member_turnout_changed")
    op.drop_index('ix_member_link_hash', table_name='member')
    op.drop_index('ix_member_ballot_voted', table_name='member')
    op.create_index('ix_member_link_hash', 'member', ['link_hash'], unique=False)
    op.create_index('ix_member_ballot_voted', 'member', ['ballot_id', 'voted_at'], unique=False)
    op.create_index('ix_member_ballot_employer', 'member', ['ballot_id', 'employer'], unique=False)
    op.drop_table('member_turnout')

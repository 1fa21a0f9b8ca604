"""What a worker remembers of an open member ballot: its row, its questions and its election key, for a moment.

The voting form and the vote then read only the member's row. A copy is trusted for
REMEMBERED_SECONDS and forgotten at once in this process when the ballot opens, closes or is
declared; the vote's one statement (ballots.cast_statement) checks every fact taken from here
against the database, so a copy gone stale can only show a form a moment too long, never let a
vote in.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.ballots.models import MemberBallot, MemberBallotSealing, MemberBallotState, MemberQuestion
from unionvote.db import is_postgres

REMEMBERED_SECONDS = 2.0  # how long a worker trusts its copy of an open ballot for showing the form
MAX_BALLOTS = 32


@dataclass(frozen=True)
class OpenMemberBallot:
    ballot: MemberBallot  # belongs to no session; read, never changed
    questions: list[MemberQuestion]  # in position order, belonging to no session
    election_key: str | None
    read_at: float


class OpenMemberBallots:
    """Open ballots as read a moment ago. The cast's statement checks every fact taken from here, so a copy
    gone stale can only show a form a moment too long; it never lets a vote in."""

    def __init__(self) -> None:
        self._known: dict[int, OpenMemberBallot] = {}

    def peek(self, ballot_id: int) -> OpenMemberBallot | None:
        """The copy if one was read a moment ago, without reading it."""
        known = self._known.get(ballot_id)
        return known if known is not None and time.monotonic() - known.read_at < REMEMBERED_SECONDS else None

    async def get(self, db: AsyncSession, ballot_id: int) -> OpenMemberBallot | None:
        known = self.peek(ballot_id)
        if known is not None:
            return known
        found = await _read_ballot(db, ballot_id)
        if found is None or found.ballot.state != MemberBallotState.OPEN:
            self._known.pop(ballot_id, None)
        else:
            if ballot_id not in self._known and len(self._known) >= MAX_BALLOTS:
                del self._known[next(iter(self._known))]
            self._known[ballot_id] = found
        return found

    def forget(self, ballot_id: int) -> None:
        self._known.pop(ballot_id, None)


# One memory per database engine: tests run several apps (and databases) in one process.
_memories: WeakKeyDictionary[Engine, OpenMemberBallots] = WeakKeyDictionary()


def open_member_ballots(db: AsyncSession) -> OpenMemberBallots:
    engine: Any = db.get_bind()
    return _memories.get(engine) or _memories.setdefault(engine, OpenMemberBallots())


def member_ballot_changed_here(ballot_id: int) -> None:
    """A member ballot is about to change (the change takes its gate alone): every memory in this process
    forgets it."""
    for memory in list(_memories.values()):
        memory.forget(ballot_id)


async def read_alone(db: AsyncSession, statement: Any, params: Mapping[str, Any] | None = None) -> list[Any]:
    """Rows of a read, alone in autocommit on PostgreSQL when the request has not begun a transaction (one round
    trip, no BEGIN or COMMIT); in the request's unit of work otherwise."""
    if is_postgres(db) and not db.in_transaction():
        engine: Any = db.bind
        async with engine.connect() as connection:
            alone = await connection.execution_options(isolation_level="AUTOCOMMIT")
            return list(await alone.execute(statement, params or {}))
    return list(await db.execute(statement, params or {}))


async def _read_ballot(db: AsyncSession, ballot_id: int) -> OpenMemberBallot | None:
    ballot_table, questions = MemberBallot.__table__, MemberQuestion.__table__  # type: ignore[attr-defined]
    sealing = MemberBallotSealing.__table__  # type: ignore[attr-defined]
    rows = await read_alone(db, select(ballot_table, sealing.c.election_key.label("sealing_key"),
                                  questions.c.id.label("question_id"))
                       .outerjoin(sealing, sealing.c.ballot_id == ballot_table.c.id)
                       .outerjoin(questions, questions.c.ballot_id == ballot_table.c.id)
                       .where(ballot_table.c.id == ballot_id))
    if not rows:
        return None
    ballot = MemberBallot(**{column.key: rows[0]._mapping[column] for column in ballot_table.columns})
    ids = [row.question_id for row in rows if row.question_id is not None]
    listed = await read_alone(db, select(questions).where(questions.c.id.in_(ids))) if ids else []
    found = sorted((MemberQuestion(**dict(row._mapping)) for row in listed), key=lambda q: q.position)
    return OpenMemberBallot(ballot, found, rows[0].sealing_key, time.monotonic())



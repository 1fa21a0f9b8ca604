"""What a cast needs of an open ballot, remembered by each worker while the ballot is open.

A ballot's facts (options, method, secrecy, its sealing key) and its frozen electorate (who may vote, with
what weight) do not change once it opens. A worker reads them at the first cast it takes for the ballot and
keeps them until the ballot changes (the news comes over the live hub) or a cast finds it no longer open.
The database stays the authority: the cast's one statement (voting.cast_statement) checks every fact taken
from here, so an entry gone stale sends a cast down the longer road; it never lets a vote in.
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.voting.models import Ballot, BallotSealing, BallotState, ElectorateEntry
from unionvote.voting.sealed import CastSealing

MAX_BALLOTS = 32  # per worker and database: a conference has one or two ballots open at a time


@dataclass(frozen=True)
class Voter:
    delegate_id: int
    weight: str  # as frozen in the electorate (exact fraction as text)


@dataclass(frozen=True)
class OpenBallot:
    ballot: Ballot  # belongs to no session; every cast reads it, none changes it
    sealing: CastSealing | None
    voters: dict[int, Voter]  # by user id; one who holds two places in the electorate is left to the longer road

    @property
    def id(self) -> int:
        return self.ballot.id  # type: ignore[return-value]


class OpenBallots:
    def __init__(self, max_ballots: int = MAX_BALLOTS) -> None:
        self.max_ballots = max_ballots
        self._known: dict[int, OpenBallot] = {}
        self._reading: set[int] = set()

    async def get(self, db: AsyncSession, ballot_id: int) -> OpenBallot | None:
        """The ballot's facts if it is open, read in `db` the first time. While one cast reads them the others
        take the longer road rather than wait: a waiter holds its pooled connection, and with the pool full of
        waiters the reader could not get one."""
        known = self._known.get(ballot_id)
        if known is not None or ballot_id in self._reading:
            return known
        self._reading.add(ballot_id)
        try:
            found = await _read(db, ballot_id)
        finally:
            self._reading.discard(ballot_id)
        if found is not None:
            if len(self._known) >= self.max_ballots:
                del self._known[next(iter(self._known))]
            self._known[ballot_id] = found
        return found

    def forget(self, ballot_id: int) -> None:
        self._known.pop(ballot_id, None)

    def __contains__(self, ballot_id: int) -> bool:
        return ballot_id in self._known

    def __len__(self) -> int:
        return len(self._known)


async def _read(db: AsyncSession, ballot_id: int) -> OpenBallot | None:
    connection = await db.connection()
    ballot_table, sealing = Ballot.__table__, BallotSealing.__table__  # type: ignore[attr-defined]
    row = (await connection.execute(
        select(ballot_table, sealing.c.election_key.label("sealing_key"), sealing.c.rule.label("sealing_rule"))
        .outerjoin(sealing, sealing.c.ballot_id == ballot_table.c.id).where(ballot_table.c.id == ballot_id))).first()
    if row is None or row.state != BallotState.OPEN:
        return None
    ballot = Ballot(**{column.key: row._mapping[column] for column in ballot_table.columns})
    entries = ElectorateEntry.__table__  # type: ignore[attr-defined]
    voters: dict[int, Voter] = {}
    twice: set[int] = set()
    for user_id, delegate_id, weight in await connection.execute(
            select(entries.c.user_id, entries.c.delegate_id, entries.c.weight).where(entries.c.ballot_id == ballot_id)):
        if user_id is None:
            continue
        if user_id in voters:
            twice.add(user_id)
        voters[user_id] = Voter(delegate_id, weight)
    for user_id in twice:
        del voters[user_id]
    sealing_facts = None if row.sealing_key is None else CastSealing(row.sealing_key, row.sealing_rule)
    return OpenBallot(ballot, sealing_facts, voters)


# One memory per database engine: tests run several apps (and databases) in one process.
_memories: WeakKeyDictionary[Engine, OpenBallots] = WeakKeyDictionary()


def open_ballots_of(db: AsyncSession) -> OpenBallots:
    return open_ballots_for(db.get_bind())  # type: ignore[arg-type]


def open_ballots_for(engine: Engine) -> OpenBallots:
    memory = _memories.get(engine)
    if memory is None:
        memory = _memories[engine] = OpenBallots()
    return memory


def ballot_changed_here(ballot_id: int) -> None:
    """A ballot opened, closed, was declared or voided: every memory in this process forgets it."""
    for memory in list(_memories.values()):
        memory.forget(ballot_id)

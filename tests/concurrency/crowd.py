"""A crowd of delegates casting at once, each on its own connection, and what the database kept afterwards."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from unionvote.audit.models import AuditEntry
from unionvote.db import session_scope
from unionvote.errors import RuleViolation
from unionvote.voting.casting import Receipt, cast_vote
from unionvote.voting.models import BallotContent, Participation, SealedVote

Factory = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Attempt:
    """One press of the vote button: who, with which ballot token, for what."""

    user_id: int
    token: str
    choice: tuple[str, ...]
    delay: float = 0.0  # seconds after the storm starts before the button is pressed


@dataclass(frozen=True)
class Outcome:
    attempt: Attempt
    receipt: Receipt | None  # set once the transaction committed: the voter was told "your vote is in"
    refusal: str | None = None
    status: int | None = None


async def attempt_cast(factory: Factory, ballot_id: int, attempt: Attempt,
                       acknowledged: Callable[[], None] | None = None) -> Outcome:
    """Cast in a transaction of its own; a receipt counts only once the commit has returned."""
    if attempt.delay:
        await asyncio.sleep(attempt.delay)
    try:
        async with session_scope(factory) as db:
            receipt = await cast_vote(db, ballot_id, user_id=attempt.user_id, choice=list(attempt.choice),
                                      token=attempt.token)
    except RuleViolation as refused:  # anything else (a database error) fails the test
        return Outcome(attempt, None, str(refused), refused.status_code)
    if acknowledged is not None:
        acknowledged()
    return Outcome(attempt, receipt)


async def storm(factory: Factory, ballot_id: int, attempts: list[Attempt],
                acknowledged: Callable[[], None] | None = None,
                alongside: list[Awaitable[object]] | None = None) -> list[Outcome]:
    """Every attempt at once (plus any other work `alongside`); outcomes in the order of `attempts`."""
    casts = [attempt_cast(factory, ballot_id, a, acknowledged) for a in attempts]
    results = await asyncio.gather(*casts, *(alongside or []))
    return list(results[:len(casts)])


@dataclass(frozen=True)
class Stored:
    voters: list[int]  # delegate ids with a participation row (one per row, so duplicates would show)
    trackers: list[str]  # the tracker of every sealed vote (a secret ballot holds no readable content row)
    sealed: dict[str, str]  # sealed vote id -> its tracker


async def stored(factory: Factory, ballot_id: int) -> Stored:
    async with session_scope(factory) as db:
        voters = (await db.execute(select(Participation.delegate_id)
                                   .where(Participation.ballot_id == ballot_id))).scalars().all()
        sealed = dict((await db.execute(select(SealedVote.id, SealedVote.tracker)
                                        .where(SealedVote.ballot_id == ballot_id))).all())
        assert not (await db.execute(select(BallotContent).where(BallotContent.ballot_id == ballot_id))).all()
        return Stored(sorted(voters), sorted(sealed.values()), sealed)


async def closing_entry(factory: Factory, ballot_id: int) -> dict[str, object]:
    """The payload of the ballot's 'closed' entry in its audit chain."""
    async with session_scope(factory) as db:
        payload = (await db.execute(select(AuditEntry.payload).where(
            AuditEntry.scope == f"ballot:{ballot_id}", AuditEntry.action == "ballot.closed"))).scalar_one()
        return json.loads(payload)  # type: ignore[no-any-return]



class PeakConnections:
    """Samples how many pool connections are checked out at once while a storm runs."""

    def __init__(self, factory: Factory) -> None:
        self.pool = factory.kw["bind"].pool
        self.peak = 0
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, self.pool.checkedout())
            await asyncio.sleep(0.001)

    async def __aenter__(self) -> PeakConnections:
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()

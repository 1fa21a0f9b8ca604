"""Casting a vote: one voter, one vote, decided by the database's unique key; retries return the same receipt.

Both halves of a vote (participation and content) are written in the caller's one
transaction. Nothing here logs, and nothing links the two halves of a secret vote.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences.eligibility import still_accredited
from unionvote.db import gate, is_postgres, utcnow
from unionvote.voting.counting import choices_of
from unionvote.voting.models import Ballot, BallotContent, BallotState, ElectorateEntry, Participation, Secrecy
from unionvote.voting.receipts import check_token, choice_text, content_id, token_hash, tracker_of
from unionvote.voting.services import BallotError


@dataclass(frozen=True)
class Receipt:
    ballot_id: int
    tracker: str
    choice: tuple[str, ...]
    repeated: bool  # True when this was a retry of a vote already stored


async def voter_entry(db: AsyncSession, ballot_id: int, user_id: int) -> ElectorateEntry | None:
    """The user's place in the ballot's frozen electorate, if they have one."""
    return (await db.execute(select(ElectorateEntry).where(
        ElectorateEntry.ballot_id == ballot_id, ElectorateEntry.user_id == user_id))).scalars().first()


async def has_voted(db: AsyncSession, ballot_id: int, delegate_id: int) -> bool:
    return (await db.execute(select(Participation.id).where(
        Participation.ballot_id == ballot_id, Participation.delegate_id == delegate_id))).first() is not None


async def cast_vote(db: AsyncSession, ballot_id: int, *, user_id: int, choice: Sequence[str], token: str,
                    conference_id: int | None = None) -> Receipt:
    """Record `user_id`'s vote. The same token and choice again returns the same receipt."""
    token = check_token(token)
    # Casts pass the ballot's gate side by side; a close waits for those in flight and holds back the rest.
    await gate(db, "ballot", ballot_id, shared=True)
    ballot = (await db.execute(select(Ballot).where(Ballot.id == ballot_id)
                               .execution_options(populate_existing=True))).scalar_one_or_none()
    if ballot is None or (conference_id is not None and ballot.conference_id != conference_id):
        raise BallotError("No such ballot.", 404)
    _check_open(ballot)
    entry = await voter_entry(db, ballot_id, user_id)
    if entry is None:
        raise BallotError("You are not in this ballot's electorate: only delegates accredited and checked in "
                          "when it opened can vote in it.", 403)
    if not await still_accredited(db, entry.delegate_id):
        raise BallotError("Your accreditation has been withdrawn, so you cannot vote. Please see the "
                          "accreditation desk.", 403)
    chosen = choices_of(ballot).check(list(choice))
    weight = Fraction(entry.weight)
    content = content_id(ballot_id, token)
    tracker = tracker_of(ballot_id, content, chosen, weight)
    upsert = pg_insert if is_postgres(db) else sqlite_insert
    inserted = await db.execute(
        upsert(Participation).values(
            ballot_id=ballot_id, delegate_id=entry.delegate_id, token_hash=token_hash(ballot_id, token),
            voted_at=utcnow(), content_id=content if ballot.secrecy == Secrecy.OPEN else None,
        ).on_conflict_do_nothing(index_elements=["ballot_id", "delegate_id"])
    )
    if inserted.rowcount == 1:
        await db.execute(insert(BallotContent).values(ballot_id=ballot_id, id=content, choice=choice_text(chosen),
                                                      weight=str(weight), tracker=tracker))
        return Receipt(ballot_id, tracker, chosen, repeated=False)
    return await _retry(db, ballot_id, entry.delegate_id, token, chosen)


def _check_open(ballot: Ballot) -> None:
    if ballot.state == BallotState.DRAFT:
        raise BallotError("This ballot has not opened yet.", 409)
    if ballot.state != BallotState.OPEN:
        raise BallotError("Voting in this ballot has closed; your vote was not recorded.", 409)
    if ballot.closes_at is not None and utcnow() >= ballot.closes_at:
        raise BallotError("Voting in this ballot has closed (the countdown ran out); your vote was not recorded.",
                          409)


async def _retry(db: AsyncSession, ballot_id: int, delegate_id: int, token: str, chosen: tuple[str, ...]
                 ) -> Receipt:
    """The voter already voted: the same token and choice is a retry; anything else is refused."""
    stored_hash = (await db.execute(select(Participation.token_hash).where(
        Participation.ballot_id == ballot_id, Participation.delegate_id == delegate_id))).scalar_one()
    if stored_hash != token_hash(ballot_id, token):
        raise BallotError("You have already voted in this ballot. A vote cannot be changed once cast.", 409)
    stored = await db.get(BallotContent, (ballot_id, content_id(ballot_id, token)))
    assert stored is not None  # written in the same transaction as the participation row
    if tuple(json.loads(stored.choice)) != chosen:
        raise BallotError("This vote was already recorded with a different choice; a vote cannot be changed "
                          "once cast.", 409)
    return Receipt(ballot_id, stored.tracker, chosen, repeated=True)


async def trackers(db: AsyncSession, ballot: Ballot) -> list[str]:
    """Every tracker, sorted, published once voting has closed so each voter can find theirs."""
    if ballot.state in (BallotState.DRAFT, BallotState.OPEN):
        raise BallotError("Trackers are published when voting closes.", 409)
    return sorted((await db.execute(select(BallotContent.tracker).where(
        BallotContent.ballot_id == ballot.id))).scalars())

"""Casting a vote: one voter, one vote, decided by the database's unique key; retries return the same receipt.

Both halves of a vote (participation and content) are written in the caller's one
transaction. Nothing here logs, and nothing links the two halves of a secret vote.
On PostgreSQL a vote is first tried in one statement (voting.cast_statement); what that does
not store (a refusal, a retry) comes here, to the longer road that says why.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.chain import canonical_json
from unionvote.conferences.eligibility import still_accredited
from unionvote.db import gate, is_postgres, utcnow
from unionvote.i18n import _
from unionvote.sealing.group import SealingError
from unionvote.voting.cast_statement import cast_in_one_statement
from unionvote.voting.counting import choices_of
from unionvote.voting.models import (
    Ballot,
    BallotContent,
    BallotSealing,
    BallotState,
    ElectorateEntry,
    Participation,
    SealedVote,
    Secrecy,
)
from unionvote.voting.receipts import check_token, choice_text, content_id, token_hash, tracker_of
from unionvote.voting.rules import Method, fraction_text
from unionvote.voting.sealed import CastSealing, retry_check, seal_choice, sealed_content_id, sealed_tracker
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
                    conference_id: int | None = None, prepared: Any = None) -> Receipt:
    """Record `user_id`'s vote. The same token and choice again returns the same receipt. `prepared` casts a
    sealed vote the voter had the server seal beforehand to check it (voting.audit_challenge.prepared_vote)."""
    token = check_token(token)
    if prepared is None and is_postgres(db):  # the usual cast: one statement (voting.cast_statement)
        stored = await cast_in_one_statement(db, ballot_id, user_id, list(choice), token, conference_id)
        if stored is not None:
            return Receipt(ballot_id, stored.tracker, stored.choice, repeated=False)
    # Casts pass the ballot's gate side by side; a close waits for those in flight and holds back the rest.
    await gate(db, "ballot", ballot_id, shared=True)
    found = (await db.execute(
        select(Ballot, BallotSealing.election_key, BallotSealing.rule)
        .outerjoin(BallotSealing, BallotSealing.ballot_id == Ballot.id).where(Ballot.id == ballot_id)
        .execution_options(populate_existing=True))).first()
    ballot = None if found is None else found[0]
    if ballot is None or (conference_id is not None and ballot.conference_id != conference_id):
        raise BallotError(_("No such ballot."), 404)
    _check_open(ballot)
    entry = await voter_entry(db, ballot_id, user_id)
    if entry is None:
        raise BallotError(_("You are not in this ballot's electorate: only delegates accredited and checked in "
                          "when it opened can vote in it."), 403)
    if not await still_accredited(db, entry.delegate_id):
        raise BallotError(_("Your accreditation has been withdrawn, so you cannot vote. Please see the "
                          "accreditation desk."), 403)
    chosen = choices_of(ballot).check(list(choice))
    weight = Fraction(entry.weight)
    if found[1] is not None:
        return await _cast_sealed(db, ballot, entry, token, chosen, CastSealing(found[1], found[2]), prepared)
    if ballot.secrecy == Secrecy.SECRET and ballot.method != Method.RANKED:
        raise BallotError(_("This secret ballot was opened without being sealed, so it takes no votes: close it and "
                          "take a re-vote, which is sealed."), 409)
    content = content_id(ballot_id, token)
    tracker = tracker_of(ballot_id, content, chosen, weight)
    if await _participate(db, ballot, entry.delegate_id, token, content):
        await db.execute(insert(BallotContent).values(ballot_id=ballot_id, id=content, choice=choice_text(chosen),
                                                      weight=str(weight), tracker=tracker))
        return Receipt(ballot_id, tracker, chosen, repeated=False)
    return await _retry(db, ballot_id, entry.delegate_id, token, chosen)


async def _cast_sealed(db: AsyncSession, ballot: Ballot, entry: ElectorateEntry, token: str,
                       chosen: tuple[str, ...], sealing: CastSealing, prepared: Any = None) -> Receipt:
    """Seal the choice, store only the sealed vote; a retry with the same token and choice finds the same row."""
    assert ballot.id is not None
    content = sealed_content_id(ballot.id, token)
    try:
        check = retry_check(ballot.id, token, chosen)
    except SealingError as exc:
        raise BallotError(_("Votes cannot be sealed on this server: %(why)s") % {"why": exc}, 500) from None
    sealed = seal_choice(ballot, sealing, chosen) if prepared is None else await prepared(db, ballot, sealing, chosen)
    weight = fraction_text(Fraction(entry.weight))
    tracker = sealed_tracker(ballot.id, content, sealed, weight)
    if await _participate(db, ballot, entry.delegate_id, token, None):
        await db.execute(insert(SealedVote).values(ballot_id=ballot.id, id=content, sealed=canonical_json(
            sealed).decode(), weight=weight, tracker=tracker, retry_check=check))
        return Receipt(ballot.id, tracker, chosen, repeated=False)
    await _check_retry_token(db, ballot.id, entry.delegate_id, token)
    stored = await db.get(SealedVote, (ballot.id, content))
    if stored is None or stored.retry_check is None or not hmac.compare_digest(stored.retry_check, check):
        raise BallotError(_("This vote was already recorded with a different choice; a vote cannot be changed "
                          "once cast."), 409)
    return Receipt(ballot.id, stored.tracker, chosen, repeated=True)


async def _participate(db: AsyncSession, ballot: Ballot, delegate_id: int, token: str, content: str | None
                       ) -> bool:
    """Record that the delegate voted; False when they already had (the unique key decides)."""
    assert ballot.id is not None
    upsert = pg_insert if is_postgres(db) else sqlite_insert
    inserted = await db.execute(
        upsert(Participation).values(
            ballot_id=ballot.id, delegate_id=delegate_id, token_hash=token_hash(ballot.id, token),
            voted_at=utcnow(), content_id=content if ballot.secrecy == Secrecy.OPEN else None,
        ).on_conflict_do_nothing(index_elements=["ballot_id", "delegate_id"])
    )
    return inserted.rowcount == 1


async def _check_retry_token(db: AsyncSession, ballot_id: int, delegate_id: int, token: str) -> None:
    stored_hash = (await db.execute(select(Participation.token_hash).where(
        Participation.ballot_id == ballot_id, Participation.delegate_id == delegate_id))).scalar_one()
    if stored_hash != token_hash(ballot_id, token):
        raise BallotError(_("You have already voted in this ballot. A vote cannot be changed once cast."), 409)


def _check_open(ballot: Ballot) -> None:
    if ballot.state == BallotState.DRAFT:
        raise BallotError(_("This ballot has not opened yet."), 409)
    if ballot.state != BallotState.OPEN:
        raise BallotError(_("Voting in this ballot has closed; your vote was not recorded."), 409)
    if ballot.closes_at is not None and utcnow() >= ballot.closes_at:
        raise BallotError(_("Voting in this ballot has closed (the countdown ran out); your vote was not recorded."),
                          409)


async def _retry(db: AsyncSession, ballot_id: int, delegate_id: int, token: str, chosen: tuple[str, ...]
                 ) -> Receipt:
    """The voter already voted: the same token and choice is a retry; anything else is refused."""
    await _check_retry_token(db, ballot_id, delegate_id, token)
    stored = await db.get(BallotContent, (ballot_id, content_id(ballot_id, token)))
    assert stored is not None  # written in the same transaction as the participation row
    if tuple(json.loads(stored.choice)) != chosen:
        raise BallotError(_("This vote was already recorded with a different choice; a vote cannot be changed "
                          "once cast."), 409)
    return Receipt(ballot_id, stored.tracker, chosen, repeated=True)


async def trackers(db: AsyncSession, ballot: Ballot) -> list[str]:
    """Every tracker, sorted, published once voting has closed so each voter can find theirs."""
    if ballot.state in (BallotState.DRAFT, BallotState.OPEN):
        raise BallotError(_("Trackers are published when voting closes."), 409)
    plain = (await db.execute(select(BallotContent.tracker).where(BallotContent.ballot_id == ballot.id))).scalars()
    sealed = (await db.execute(select(SealedVote.tracker).where(SealedVote.ballot_id == ballot.id))).scalars()
    return sorted([*plain, *sealed])

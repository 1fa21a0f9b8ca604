"""Casting on the conference floor: one vote each, idempotent retries, eligibility frozen at opening."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.integration.conferences.builders import STAFF, arrive
from tests.integration.voting.world import Factory, Floor, floor, open_new, token
from unionvote.audit.models import AuditEntry
from unionvote.conferences import accreditation, presence
from unionvote.db import session_scope
from unionvote.errors import RuleViolation
from unionvote.voting.casting import cast_vote, trackers
from unionvote.voting.counting import turnout
from unionvote.voting.models import BallotContent, ElectorateEntry, Participation, SealedVote
from unionvote.voting.sealed import sealed_tracker
from unionvote.voting.services import close_ballot, declare_result, get_ballot


@pytest.fixture
async def hall(factory: Factory, conference_id: int) -> Floor:
    return await floor(factory, conference_id)


async def cast(factory: Factory, ballot_id: int, user_id: int, choice: list[str], tok: str | None = None):  # noqa: ANN201
    async with session_scope(factory) as db:
        return await cast_vote(db, ballot_id, user_id=user_id, choice=choice, token=tok or token())


async def refused(factory: Factory, ballot_id: int, user_id: int, choice: list[str], tok: str | None = None) -> str:
    with pytest.raises(RuleViolation) as caught:
        await cast(factory, ballot_id, user_id, choice, tok)
    return str(caught.value)


async def rows(factory: Factory, ballot_id: int) -> tuple[int, int]:
    """Voters and sealed votes; a secret ballot never writes a readable content row."""
    async with session_scope(factory) as db:
        voters = len((await db.execute(select(Participation).where(Participation.ballot_id == ballot_id))).all())
        votes = len((await db.execute(select(SealedVote).where(SealedVote.ballot_id == ballot_id))).all())
        assert not (await db.execute(select(BallotContent).where(BallotContent.ballot_id == ballot_id))).all()
        return voters, votes


async def test_a_delegate_votes_once_and_a_retry_returns_the_same_receipt(factory: Factory, hall: Floor) -> None:
    ballot_id = await open_new(factory, hall.conference_id)
    tok = token()
    first = await cast(factory, ballot_id, hall.users["D1"], ["for"], tok)
    again = await cast(factory, ballot_id, hall.users["D1"], ["for"], tok)
    assert again.tracker == first.tracker and again.repeated and not first.repeated
    assert "already voted" in await refused(factory, ballot_id, hall.users["D1"], ["for"])  # a second, new token
    assert "different choice" in await refused(factory, ballot_id, hall.users["D1"], ["against"], tok)
    assert await rows(factory, ballot_id) == (1, 1)


async def test_the_tracker_is_recomputable_from_the_sealed_row(factory: Factory, hall: Floor) -> None:
    ballot_id = await open_new(factory, hall.conference_id)
    receipt = await cast(factory, ballot_id, hall.users["D2"], ["against"])
    async with session_scope(factory) as db:
        row = (await db.execute(select(SealedVote))).scalar_one()
        assert sealed_tracker(ballot_id, row.id, json.loads(row.sealed), row.weight) == receipt.tracker
        await close_ballot(db, ballot_id, by=STAFF)
        assert await trackers(db, await get_ballot(db, ballot_id)) == [receipt.tracker]


async def test_bad_choices_are_refused_and_change_nothing(factory: Factory, hall: Floor) -> None:
    ballot_id = await open_new(factory, hall.conference_id)
    assert "not an option" in await refused(factory, ballot_id, hall.users["D1"], ["maybe"])
    assert "for, against or abstain" in await refused(factory, ballot_id, hall.users["D1"], ["for", "against"])
    assert "for, against or abstain" in await refused(factory, ballot_id, hall.users["D1"], [])
    assert "token" in await refused(factory, ballot_id, hall.users["D1"], ["for"], "short")
    assert "No such ballot" in await refused(factory, ballot_id + 99, hall.users["D1"], ["for"])
    assert await rows(factory, ballot_id) == (0, 0)


async def test_a_vote_after_close_is_refused(factory: Factory, hall: Floor) -> None:
    ballot_id = await open_new(factory, hall.conference_id)
    await cast(factory, ballot_id, hall.users["D1"], ["for"])
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=STAFF)
    assert "closed" in await refused(factory, ballot_id, hall.users["D2"], ["for"])
    assert await rows(factory, ballot_id) == (1, 1)


async def test_the_electorate_is_frozen_when_the_ballot_opens_and_hashed_into_the_chain(
        factory: Factory, conference_id: int) -> None:
    hall = await floor(factory, conference_id, present=("D1", "D2", "D3"))
    ballot_id = await open_new(factory, hall.conference_id)
    await arrive(factory, hall.session_id, hall.delegates["D4"])  # accredited and checked in after opening
    assert "not in this ballot's electorate" in await refused(factory, ballot_id, hall.users["D4"], ["for"])
    assert "not in this ballot's electorate" in await refused(factory, ballot_id, hall.users["D5"], ["for"])
    async with session_scope(factory) as db:
        frozen = set((await db.execute(select(ElectorateEntry.delegate_id)
                                       .where(ElectorateEntry.ballot_id == ballot_id))).scalars())
        opened = (await db.execute(select(AuditEntry).where(AuditEntry.scope == f"ballot:{ballot_id}",
                                                            AuditEntry.action == "ballot.opened"))).scalar_one()
        ballot = await get_ballot(db, ballot_id)
    assert frozen == {hall.delegates[n] for n in ("D1", "D2", "D3")}
    payload = json.loads(opened.payload)
    assert payload["electorate_hash"] == ballot.electorate_hash and payload["electorate_size"] == 3


async def test_revoked_and_checked_out_delegates_cannot_vote(factory: Factory, hall: Floor) -> None:
    async with session_scope(factory) as db:
        await presence.check_out(db, hall.delegates["D3"], hall.session_id, by=STAFF)
    ballot_id = await open_new(factory, hall.conference_id)
    async with session_scope(factory) as db:
        await accreditation.revoke(db, hall.delegates["D2"], reason="credential passed to someone else", by=STAFF)
    assert "withdrawn" in await refused(factory, ballot_id, hall.users["D2"], ["for"])
    assert "not in this ballot's electorate" in await refused(factory, ballot_id, hall.users["D3"], ["for"])
    assert await rows(factory, ballot_id) == (0, 0)


async def test_a_worker_that_remembers_the_ballot_open_still_refuses_the_revoked_and_the_late(
        factory: Factory, hall: Floor) -> None:
    ballot_id = await open_new(factory, hall.conference_id)
    await cast(factory, ballot_id, hall.users["D1"], ["for"])  # on PostgreSQL this worker now remembers the ballot
    async with session_scope(factory) as db:
        await accreditation.revoke(db, hall.delegates["D2"], reason="credential passed to someone else", by=STAFF)
    assert "withdrawn" in await refused(factory, ballot_id, hall.users["D2"], ["for"])
    async with session_scope(factory) as db:  # closed with no news to this worker: the database refuses
        await close_ballot(db, ballot_id, by=STAFF)
    assert "closed" in await refused(factory, ballot_id, hall.users["D3"], ["for"])
    assert await rows(factory, ballot_id) == (1, 1)


async def test_turnout_counts_voters_and_a_declared_result_follows_the_rule(factory: Factory, hall: Floor) -> None:
    ballot_id = await open_new(factory, hall.conference_id)
    for number, choice in (("D1", "for"), ("D2", "for"), ("D3", "against"), ("D4", "abstain")):
        await cast(factory, ballot_id, hall.users[number], [choice])
    async with session_scope(factory) as db:
        ballot = await get_ballot(db, ballot_id)
        now = await turnout(db, ballot)
        assert (now.voters, now.electorate) == (4, 5)
        await close_ballot(db, ballot_id, by=STAFF)
        declared = await declare_result(db, ballot_id, by=STAFF)
        result = json.loads(declared.result or "{}")
    assert result["combined"]["choices"] == {"for": "2", "against": "1", "abstain": "1"}
    assert result["decision"]["outcome"] == "carried"  # 2 of 3 valid votes, abstentions not counted
    assert "abstentions not counted" in result["rule_text"]

"""Members vote: one vote each, idempotent retries, secrecy in the schema, nothing after close."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.ballots.world import make_ballot
from unionvote.ballots.casting import cast_member_vote, trackers
from unionvote.ballots.credentials import issue_credentials, member_for_code, member_for_link, reissue_credential
from unionvote.ballots.models import Member, MemberBallot, MemberContent, MemberParticipation, MemberSealedVote
from unionvote.ballots.services import MemberBallotError, close_ballot, questions_of
from unionvote.db import session_scope, utcnow
from unionvote.voting.receipts import new_token


async def _member(db: AsyncSession, number: str) -> Member:
    return (await db.execute(select(Member).where(Member.membership_number == number))).scalar_one()


async def _vote(factory: async_sessionmaker[AsyncSession], ballot_id: int, number: str, answer: str,
                token: str | None = None):  # noqa: ANN202
    async with session_scope(factory) as db:
        member = await _member(db, number)
        [question] = await questions_of(db, ballot_id)
        return await cast_member_vote(db, ballot_id, member.id, {question.id: [answer]}, token or new_token())  # type: ignore[arg-type,dict-item]


async def test_a_member_votes_once_and_a_retry_returns_the_same_receipt(
        factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 3})
    token = new_token()
    first = await _vote(factory, ballot_id, "M1", "yes", token)
    again = await _vote(factory, ballot_id, "M1", "yes", token)
    assert not first.repeated and again.repeated
    assert again.receipts == first.receipts
    with pytest.raises(MemberBallotError, match="already voted"):
        await _vote(factory, ballot_id, "M1", "no")
    with pytest.raises(MemberBallotError, match="different answers"):
        await _vote(factory, ballot_id, "M1", "no", token)


async def test_the_sealed_answer_holds_no_member_no_time_and_no_readable_choice(
        factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 2})
    receipt = await _vote(factory, ballot_id, "M2", "no")
    columns = {c.key for c in inspect(MemberSealedVote).columns}
    assert columns == {"question_id", "id", "slots", "proofs", "tracker", "employer", "workplace", "region", "branch",
                       "retry_check"}
    async with session_scope(factory) as db:
        participation = (await db.execute(select(MemberParticipation))).scalar_one()
        sealed = (await db.execute(select(MemberSealedVote))).scalar_one()
        assert not (await db.execute(select(MemberContent))).scalars().all()
    assert sealed.id not in participation.token_hash and sealed.tracker == receipt.receipts[0].tracker
    assert not any(word in sealed.slots + sealed.proofs for word in ('"no"', '"yes"', "choice"))
    assert not {c.key for c in inspect(MemberParticipation).columns} & {"choice", "content_id"}


async def test_a_vote_after_close_is_refused_and_trackers_appear(factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 2})
    receipt = await _vote(factory, ballot_id, "M1", "yes")
    async with session_scope(factory) as db:
        with pytest.raises(MemberBallotError, match="Trackers are published when voting closes"):
            await trackers(db, await db.get(MemberBallot, ballot_id))  # type: ignore[arg-type]
        await close_ballot(db, ballot_id, by=None)
    with pytest.raises(MemberBallotError, match="closed"):
        await _vote(factory, ballot_id, "M2", "yes")
    async with session_scope(factory) as db:
        assert await trackers(db, await db.get(MemberBallot, ballot_id)) == [receipt.receipts[0].tracker]  # type: ignore[arg-type]


async def test_a_vote_past_the_closing_time_is_refused_even_before_anyone_closes_it(
        factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 1})
    async with session_scope(factory) as db:
        (await db.get(MemberBallot, ballot_id)).closes_at = utcnow() - timedelta(seconds=1)  # type: ignore[union-attr]
    with pytest.raises(MemberBallotError, match="has closed"):
        await _vote(factory, ballot_id, "M1", "yes")


async def test_a_reissued_credential_replaces_the_old_link_and_code(factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 2})
    async with session_scope(factory) as db:
        issued = {c.membership_number: c for c in await issue_credentials(db, ballot_id, by=None)}
        ballot = await db.get(MemberBallot, ballot_id)
        assert (await member_for_link(db, issued["M1"].link_token)).membership_number == "M1"  # type: ignore[union-attr]
        assert await member_for_code(db, ballot, "m1", issued["M1"].code.lower()) is not None  # type: ignore[arg-type]
        assert await member_for_code(db, ballot, "M2", issued["M1"].code) is None  # type: ignore[arg-type]
        again = await issue_credentials(db, ballot_id, by=None)
        assert again == []  # members who have credentials keep them
        fresh = await reissue_credential(db, ballot_id, "M1", by=None)
        assert await member_for_link(db, issued["M1"].link_token) is None
        assert await member_for_code(db, ballot, "M1", issued["M1"].code) is None  # type: ignore[arg-type]
        assert await member_for_link(db, fresh.link_token) is not None
        stored = (await db.execute(select(Member.link_hash, Member.code_hash))).all()
    assert all(fresh.link_token not in row[0] and fresh.code not in row[1] for row in stored)

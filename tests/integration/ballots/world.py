"""A member ballot to test with: created, its membership imported from generated CSV."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from unionvote.ballots.casting import cast_member_vote
from unionvote.ballots.members import import_members
from unionvote.ballots.models import Member
from unionvote.ballots.services import MemberBallotSpec, QuestionSpec, create_member_ballot, open_ballot, questions_of
from unionvote.db import session_scope, utcnow
from unionvote.voting.receipts import new_token

HEADER = "membership number,name,email,mobile,employer,workplace,region,branch\n"


def members_csv(by_employer: dict[str, int], start: int = 1) -> bytes:
    lines, number = [HEADER], start
    for employer, count in by_employer.items():
        for _ in range(count):
            lines.append(f"M{number},Member {number},m{number}@example.org,07700900{number % 1000:03d},{employer},"
                         f"{employer} depot,North,{employer[:3]} branch\n")
            number += 1
    return "".join(lines).encode()


async def make_ballot(factory: async_sessionmaker[AsyncSession], by_employer: dict[str, int], *, slug: str = "pay-2027",
                      open_now: bool = True, yes_percent: int | None = None, min_segment: int = 10) -> int:
    now = utcnow()
    async with session_scope(factory) as db:
        ballot = await create_member_ballot(db, MemberBallotSpec(
            slug=slug, title="Pay offer 2027", description="Do you accept the pay offer?",
            opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=14),
            questions=[QuestionSpec("Do you accept the employers' pay offer?")], yes_percent=yes_percent,
            min_segment=min_segment), by=None)
        await import_members(db, ballot.id, io.BytesIO(members_csv(by_employer)), by=None)  # type: ignore[arg-type]
        if open_now:
            await open_ballot(db, ballot.id, by=None)  # type: ignore[arg-type]
        return ballot.id  # type: ignore[return-value]


async def votes_from(factory: async_sessionmaker[AsyncSession], ballot_id: int, employer: str,
                     answers: list[str]) -> None:
    """The first members of `employer` who have not voted answer the (one) question, in turn."""
    async with session_scope(factory) as db:
        [question] = await questions_of(db, ballot_id)
        members = (await db.execute(select(Member.id).where(Member.employer == employer, Member.voted_at.is_(None))
                                    .order_by(Member.id).limit(len(answers)))).scalars().all()
        for member_id, answer in zip(members, answers, strict=True):
            await cast_member_vote(db, ballot_id, member_id, {question.id: [answer]}, new_token())  # type: ignore[dict-item]

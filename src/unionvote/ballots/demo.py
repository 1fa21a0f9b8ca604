"""Demo data: an indicative pay ballot of 3,000 members across five employers, part-way through."""

from __future__ import annotations

import io
import random
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.ballots.credentials import issue_credentials
from unionvote.ballots.members import import_members
from unionvote.ballots.models import Member, MemberBallotSealing, MemberParticipation, MemberSealedVote
from unionvote.ballots.sealed import seal_answer, segments_of
from unionvote.ballots.services import MemberBallotSpec, QuestionSpec, create_member_ballot, open_ballot, questions_of
from unionvote.db import utcnow
from unionvote.voting.receipts import new_token, token_hash

# (employer, members, share who have voted so far, share of voters rejecting the offer)
EMPLOYERS = (("Northgate Council", 1100, 0.58, 0.7), ("Riverside NHS Trust", 900, 0.47, 0.8),
             ("Eastfield Academies", 500, 0.51, 0.6), ("Harbour Logistics", 350, 0.36, 0.55),
             ("Vale Care Homes", 150, 0.62, 0.9))
REGIONS = ("North", "South", "East", "West")


def _members_csv(rng: random.Random) -> bytes:
    lines = ["membership number,name,email,employer,workplace,region,branch"]
    number = 100_000
    for employer, count, _, _ in EMPLOYERS:
        for i in range(count):
            number += 1
            site = f"{employer.split()[0]} site {1 + i % 4}"
            lines.append(f"D{number},Demo Member {number},member{number}@demo.unionvote.test,{employer},{site},"
                         f"{rng.choice(REGIONS)},{employer.split()[0]} branch")
    return ("\n".join(lines) + "\n").encode()


async def seed_member_ballot(db: AsyncSession, ctx: Any) -> None:
    rng = random.Random(2027)  # noqa: S311 - demo data, not security
    now = utcnow()
    ballot = await create_member_ballot(db, MemberBallotSpec(
        slug="pay-2027", title="Indicative ballot: the 2027 pay offer",
        description="The employers have offered 3% from April. The executive recommends rejecting it. This "
                    "indicative ballot tests support for further action and, above all, turnout.",
        opens_at=now - timedelta(days=2), closes_at=now + timedelta(days=12),
        questions=[QuestionSpec("Do you accept the employers' pay offer?")], yes_percent=40,
        join_cutoff=now + timedelta(days=5)), by=None)
    await import_members(db, ballot.id, io.BytesIO(_members_csv(rng)), by=None)  # type: ignore[arg-type]
    await issue_credentials(db, ballot.id, by=None)  # type: ignore[arg-type]
    await open_ballot(db, ballot.id, by=None)  # type: ignore[arg-type]
    [question] = await questions_of(db, ballot.id)  # type: ignore[arg-type]
    sealing = await db.get(MemberBallotSealing, ballot.id)
    participations, contents, marks = [], [], []
    for employer, _, turnout, rejecting in EMPLOYERS:
        members = (await db.execute(select(Member).where(Member.ballot_id == ballot.id, Member.employer == employer)
                                    .order_by(Member.id))).scalars().all()
        for member in members[: int(len(members) * turnout)]:
            # The rows cast_member_vote writes, sealed, in bulk (3,000 votes one by one make the demo slow to start);
            # spread over the two days the ballot has been open, so the chart has a shape.
            token, answer = new_token(), ("no" if rng.random() < rejecting else "yes",)
            voted_at = now - timedelta(minutes=int(2880 * rng.random() ** 2))
            sealed = seal_answer(sealing.election_key, ballot.id, question, answer, token, segments_of(member))  # type: ignore[arg-type,union-attr]
            participations.append({"ballot_id": ballot.id, "question_id": question.id, "member_id": member.id,
                                   "token_hash": token_hash(question.id, token), "voted_at": voted_at})  # type: ignore[arg-type]
            contents.append({"question_id": question.id, "id": sealed.id, "slots": sealed.slots,
                             "proofs": sealed.proofs, "tracker": sealed.tracker, "retry_check": sealed.retry_check,
                             **segments_of(member)})
            marks.append({"id": member.id, "voted_at": voted_at, "credential_used_at": voted_at})
    rng.shuffle(contents)
    await db.execute(insert(MemberParticipation), participations)
    await db.execute(insert(MemberSealedVote), contents)
    await db.execute(update(Member), marks)
    ctx.ids["member_ballot"] = ballot.id

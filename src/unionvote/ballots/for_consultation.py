"""What the consultations domain may ask of a member ballot: which ballots there are, and who is in one.

Only what a consultation needs to invite the electorate: the membership number (the mail-merge
reference), the name and email to write to, and the segment attributes. Removed members are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.ballots.models import Member, MemberBallot
from unionvote.ballots.services import MemberBallotError


@dataclass(frozen=True)
class ElectorateMember:
    member_id: int
    membership_number: str
    name: str | None
    email: str | None
    employer: str
    workplace: str
    region: str


async def ballots_for_consultation(db: AsyncSession) -> list[tuple[int, str]]:
    """(id, title) of every ballot whose electorate can still be consulted: not erased."""
    rows = await db.execute(select(MemberBallot.id, MemberBallot.title)
                            .where(MemberBallot.erased_at.is_(None)).order_by(MemberBallot.opens_at.desc()))
    return [(ballot_id, title) for ballot_id, title in rows]


async def ballot_title(db: AsyncSession, ballot_id: int) -> str | None:
    return (await db.execute(select(MemberBallot.title).where(MemberBallot.id == ballot_id))).scalar_one_or_none()


async def members_for_consultation(db: AsyncSession, ballot_id: int) -> list[ElectorateMember]:
    """The ballot's current electorate, in import order. Refused once the ballot's records are erased."""
    erased = (await db.execute(select(MemberBallot.erased_at).where(MemberBallot.id == ballot_id))).one_or_none()
    if erased is None:
        raise MemberBallotError("No such member ballot.", 404)
    if erased[0] is not None:
        raise MemberBallotError("This ballot's membership records have been erased; its electorate cannot be "
                                "consulted.", 409)
    rows = await db.execute(select(Member.id, Member.membership_number, Member.name, Member.email, Member.employer,
                                   Member.workplace, Member.region)
                            .where(Member.ballot_id == ballot_id, Member.removed_at.is_(None)).order_by(Member.id))
    return [ElectorateMember(*row) for row in rows]


async def in_electorate(db: AsyncSession, ballot_id: int, membership_number: str) -> bool:
    """Is this member still in the ballot's electorate: on its list, not removed, records not erased?"""
    row = (await db.execute(select(Member.id).join(MemberBallot, MemberBallot.id == Member.ballot_id).where(
        Member.ballot_id == ballot_id, Member.membership_number == membership_number,
        Member.removed_at.is_(None), MemberBallot.erased_at.is_(None)))).first()
    return row is not None

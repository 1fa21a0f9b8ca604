"""Erasing members' personal data after the retention date: names, emails, mobiles, extra columns and the words
of complaints go;
membership numbers, segments, votes, results and the audit chain stay, so every export still verifies."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.services import actor_of, record
from unionvote.ballots.complaints import erase_complaint_words
from unionvote.ballots.models import Member, MemberBallot, MemberBallotState
from unionvote.ballots.services import MemberBallotError, lock_ballot, scope_for
from unionvote.db import utcnow
from unionvote.i18n import _, format_when


async def erase_personal_data(db: AsyncSession, ballot_id: int, *, by: int | None, force: bool = False) -> int:
    """Returns how many members' details were erased. Refused while voting is open, and before the
    retention date unless `force` (a person asked for it explicitly)."""
    ballot = await lock_ballot(db, ballot_id)
    if ballot.state in (MemberBallotState.DRAFT, MemberBallotState.OPEN):
        raise MemberBallotError(_("Personal data is erased after the ballot has closed."), 409)
    if ballot.erased_at is not None:
        raise MemberBallotError(_("This ballot's personal data has been erased already."), 409)
    today = utcnow().date()
    if not force and (ballot.retention_until is None or today < ballot.retention_until):
        if ballot.retention_until is None:
            raise MemberBallotError(_("This ballot's personal data is kept with no date set; it is not due for "
                                      "erasure."), 409)
        raise MemberBallotError(_("This ballot's personal data is kept until %(day)s; it is not due for erasure.")
                                % {"day": format_when(ballot.retention_until, "d MMMM y")}, 409)
    count = (await db.execute(select(func.count()).select_from(Member).where(Member.ballot_id == ballot_id))
             ).scalar_one()
    await db.execute(update(Member).where(Member.ballot_id == ballot_id).values(
        name=None, email=None, mobile=None, extra=None, removed_reason=None, link_hash=None, code_hash=None))
    await erase_complaint_words(db, ballot_id)  # a complaint may name people; the chain keeps its hash
    ballot.erased_at = utcnow()
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="members.personal_data_erased",
                 payload={"members": count})
    return count


async def ballots_due(db: AsyncSession, today: date | None = None) -> list[MemberBallot]:
    """The scheduled check: closed ballots past their retention date whose data is still held."""
    today = today or utcnow().date()
    return list((await db.execute(select(MemberBallot).where(
        MemberBallot.state.in_([MemberBallotState.CLOSED, MemberBallotState.DECLARED]),
        MemberBallot.erased_at.is_(None), MemberBallot.retention_until.is_not(None),
        MemberBallot.retention_until <= today))).scalars())

"""Organisers of a member ballot: people who watch its turnout and chase members who have not voted.

An organiser of a ballot sees that ballot's turnout dashboard, its exports and its lists of
members who have not voted, and nothing else; administrators see every ballot. Staff roles
in a conference give no access to member ballots (members are not tied to a conference).
Granting and removing are recorded in the ballot's audit chain by user id.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import User
from unionvote.audit.services import actor_of, record
from unionvote.ballots.models import MemberBallot, MemberBallotOrganiser
from unionvote.ballots.services import MemberBallotError, get_ballot, scope_for
from unionvote.i18n import _


@dataclass(frozen=True)
class Organiser:
    user_id: int
    name: str
    email: str


async def organisers_of(db: AsyncSession, ballot_id: int) -> list[Organiser]:
    rows = (await db.execute(select(User.id, User.display_name, User.email).join(
        MemberBallotOrganiser, MemberBallotOrganiser.user_id == User.id).where(
        MemberBallotOrganiser.ballot_id == ballot_id).order_by(User.display_name, User.id))).all()
    return [Organiser(*row) for row in rows]


async def ballots_organised_by(db: AsyncSession, user_id: int) -> list[MemberBallot]:
    return list((await db.execute(select(MemberBallot).join(
        MemberBallotOrganiser, MemberBallotOrganiser.ballot_id == MemberBallot.id).where(
        MemberBallotOrganiser.user_id == user_id).order_by(MemberBallot.opens_at.desc()))).scalars())


async def active_user(db: AsyncSession, email: str, who: str) -> User:
    """The active account with this address (any case): organisers and reps are unionvote users."""
    address = email.strip().lower()
    if not address:
        raise MemberBallotError(_("Give the email address of the rep's unionvote account.") if who == "rep"
                                else _("Give the email address of the organiser's unionvote account."))
    user = (await db.execute(select(User).where(func.lower(User.email) == address))).scalar_one_or_none()
    if user is None or not user.is_active:
        raise MemberBallotError(_("No active account uses the address '%(address)s'. An administrator can "
                                  "create one under Users first.") % {"address": address}, 404)
    return user


async def grant_organiser(db: AsyncSession, ballot_id: int, email: str, *, by: int | None) -> User:
    await get_ballot(db, ballot_id)
    user = await active_user(db, email, "organiser")
    if (await db.execute(select(MemberBallotOrganiser.id).where(
            MemberBallotOrganiser.ballot_id == ballot_id, MemberBallotOrganiser.user_id == user.id))).first():
        raise MemberBallotError(_("%(name)s is an organiser of this ballot already.") % {"name": user.display_name},
                                409)
    db.add(MemberBallotOrganiser(ballot_id=ballot_id, user_id=user.id, granted_by=by))  # type: ignore[arg-type]
    await db.flush()
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="organiser.granted",
                 payload={"user_id": user.id})
    return user


async def remove_organiser(db: AsyncSession, ballot_id: int, user_id: int, *, by: int | None) -> None:
    removed = await db.execute(delete(MemberBallotOrganiser).where(
        MemberBallotOrganiser.ballot_id == ballot_id, MemberBallotOrganiser.user_id == user_id))
    if removed.rowcount == 0:  # type: ignore[attr-defined]
        raise MemberBallotError(_("That person is not an organiser of this ballot."), 404)
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="organiser.removed",
                 payload={"user_id": user_id})

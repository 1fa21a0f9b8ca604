"""Demo ballot: a free-standing question ready to open, and two delegates checked in to the session running now,
so a newcomer can vote from two browsers and watch the result arrive. The motion on the floor has no ballot:
the chair puts its amendments to the vote from the floor page, as at a real conference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import Role
from unionvote.accounts.services import create_user, grant_role
from unionvote.conferences import accreditation, lookup, presence
from unionvote.conferences.register import AccreditationStatus, Delegate, DelegateRole
from unionvote.voting.services import BallotSpec, create_ballot

if TYPE_CHECKING:
    from unionvote.demo import DemoContext

DEMO_DELEGATE_EMAIL = "delegate@demo.unionvote.test"
SECOND_DELEGATE_EMAIL = "delegate2@demo.unionvote.test"
FREE_STANDING = ("Greetings to the Northgate strikers",
                 "That conference sends its greetings and solidarity to the members on strike at Northgate.")


async def _second_delegate(db: AsyncSession, conference_id: int, password: str) -> int:
    """The first voting delegate on the register without an account gets the second demo login."""
    delegate = (await db.execute(select(Delegate)
                                 .where(Delegate.conference_id == conference_id, Delegate.user_id.is_(None),
                                        Delegate.role == DelegateRole.DELEGATE)
                                 .order_by(Delegate.id).limit(1))).scalar_one()
    user = await create_user(db, email=SECOND_DELEGATE_EMAIL, display_name="Sam Second", password=password)
    await grant_role(db, user_id=user.id, conference_id=conference_id, role=Role.DELEGATE, by=None)  # type: ignore[arg-type]
    await accreditation.link_account(db, delegate.id, user.id, by=None)  # type: ignore[arg-type]
    if delegate.status != AccreditationStatus.ACCREDITED:
        await accreditation.accredit(db, delegate.id, note="Demo: union card seen", by=None)  # type: ignore[arg-type]
    return delegate.id  # type: ignore[return-value]


async def seed_voting(db: AsyncSession, ctx: DemoContext) -> None:
    from unionvote.demo import DEMO_PASSWORD

    conference_id, session_id = ctx.ids["conference"], ctx.ids["business_session"]
    dana = await lookup.delegate_id_for_user(db, conference_id, ctx.ids[DEMO_DELEGATE_EMAIL])
    assert dana is not None
    second = await _second_delegate(db, conference_id, DEMO_PASSWORD)
    for delegate_id in (dana, second):
        await presence.check_in(db, delegate_id, session_id, by=None)
    ctx.ids[SECOND_DELEGATE_EMAIL] = second
    ctx.logins.append(("Second delegate", SECOND_DELEGATE_EMAIL, False))

    spec = BallotSpec(title=FREE_STANDING[0], question=FREE_STANDING[1])
    ballot = await create_ballot(db, conference_id, spec, by=ctx.ids["chair@demo.unionvote.test"])
    ctx.ids["ballot"] = ballot.id  # type: ignore[assignment]

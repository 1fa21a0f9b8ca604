"""What the agenda journey adds to the world: a committee member, two motions and a published agenda.

Motion 1 is in order and down for debate; motion 2 waits for a ruling. Version 1 of the agenda is
published. Seeded straight through the services, as `world.py` seeds the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.e2e.world import Person, World, _account, in_own_loop
from unionvote.accounts.models import Role
from unionvote.accounts.services import grant_role
from unionvote.conferences.models import Conference
from unionvote.conferences.register import Body
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope
from unionvote.motions import agenda, committee
from unionvote.motions.submission import file_motion
from unionvote.security import new_totp_secret

IN_ORDER = "Fair pay for all grades"
TO_RULE = "Name the new headquarters"


@dataclass
class Motions:
    committee_member: Person
    in_order_id: int = 0
    to_rule_id: int = 0


async def committee_member(db: AsyncSession, world: World) -> Person:
    """A member of the conference arrangements committee, with two-factor."""
    member = Person(f"cac.{world.tag}@union.example", totp_secret=new_totp_secret())
    user = await _account(db, member)
    user.totp_secret, user.totp_enabled = member.totp_secret, True
    member.user_id = user.id  # type: ignore[assignment]
    await grant_role(db, user_id=member.user_id, conference_id=world.conference_id, role=Role.CAC, by=None)
    return member


async def _seed(database_url: str, world: World) -> Motions:
    engine = make_engine(Settings(database_url=database_url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            cid = world.conference_id
            seeded = Motions(await committee_member(db, world))
            by = seeded.committee_member.user_id
            zone = (await db.get(Conference, cid)).time_zone  # type: ignore[union-attr]
            body_id = (await db.execute(select(Body.id).where(Body.conference_id == cid,
                                                              Body.code == "LONC"))).scalar_one()
            first = await file_motion(db, cid, body_id=body_id, title=IN_ORDER, kind="ordinary", by=None,
                                      time_zone=zone, text="Conference calls for a flat-rate rise.\nFor every grade.")
            second = await file_motion(db, cid, body_id=body_id, title=TO_RULE, kind="ordinary", by=None,
                                       time_zone=zone, text="Conference names the new building.")
            seeded.in_order_id, seeded.to_rule_id = first.id, second.id  # type: ignore[assignment]
            await committee.rule_motion(db, first, in_order=True, reason="", by=by)
            section = await agenda.add_section(db, cid, title="Pay and conditions", by=by)
            item = await agenda.add_item(db, cid, section_id=section.id, title="Debate: pay", minutes=30, by=by)  # type: ignore[arg-type]
            await agenda.schedule_motion(db, cid, first.id, item_id=item.id, by=by)  # type: ignore[arg-type]
            await agenda.publish(db, cid, stage="preliminary", by=by)
    finally:
        await engine.dispose()
    return seeded


def motions_and_agenda(database_url: str, world: World) -> Motions:
    return in_own_loop(_seed(database_url, world))

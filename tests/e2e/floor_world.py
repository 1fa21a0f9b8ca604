"""What the chair's floor journey adds to the world: a committee member and three motions (the first with
two amendments) submitted by delegates and waiting for the committee.

Sam and Ola are checked in to the session on now. The agenda has one empty item; the committee
rules and schedules the motions through its pages during the journey, and no ballot exists anywhere.
Seeded straight through the services, as `world.py` seeds the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from tests.e2e.motions_world import committee_member
from tests.e2e.voting_world import checked_in
from tests.e2e.world import Person, World, in_own_loop
from unionvote.conferences.models import Conference
from unionvote.conferences.register import Body
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope
from unionvote.motions import agenda
from unionvote.motions.amendments import submit_amendment
from unionvote.motions.submission import submit_motion

ITEM = "Debate: pay"
PAY = "Fair pay for every grade"
STAFFING = "Safe staffing levels"
HEADQUARTERS = "Sell the old headquarters"
PAY_TEXT = ("Conference notes that pay has fallen behind prices for ten years.\n"
            "Conference calls for a flat-rate rise for every grade.\n"
            "Conference instructs the executive to campaign for it.")
# 1.1 adds a line after line 3 (the mover accepts it); 1.2 replaces line 2 (contested, put to the vote).
ACCEPTED_TEXT = "and to report back to conference next year."
CONTESTED_TEXT = "Conference calls for a rise of at least ten per cent for every grade."


@dataclass
class Floor:
    committee_member: Person
    motion_ids: list[int] = field(default_factory=list)  # pay, staffing, headquarters: Motions 1, 2 and 3
    amendment_ids: list[int] = field(default_factory=list)  # 1.1 (accepted), 1.2 (contested)


async def _seed(database_url: str, world: World) -> Floor:
    engine = make_engine(Settings(database_url=database_url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            cid = world.conference_id
            seeded = Floor(await committee_member(db, world))
            zone = (await db.get(Conference, cid)).time_zone  # type: ignore[union-attr]
            bodies = dict((await db.execute(select(Body.code, Body.id).where(Body.conference_id == cid))).all())
            # Ola speaks for London Central, Sam for Manchester.
            motions = [await submit_motion(db, cid, body_id=bodies[code], title=title, text=text, kind="ordinary",
                                           by=by, time_zone=zone)
                       for code, by, title, text in (
                           ("LONC", world.ola.user_id, PAY, PAY_TEXT),
                           ("MANC", world.sam.user_id, STAFFING, "Conference calls for safe staffing levels."),
                           ("LONC", world.ola.user_id, HEADQUARTERS, "Conference sells the old headquarters."))]
            seeded.motion_ids = [m.id for m in motions]  # type: ignore[misc]
            for kind, first, last, text in (("insert", 3, None, ACCEPTED_TEXT), ("replace", 2, 2, CONTESTED_TEXT)):
                amendment = await submit_amendment(db, motions[0], body_id=bodies["MANC"], kind=kind, first_line=first,
                                                   last_line=last, text=text, by=world.sam.user_id, time_zone=zone)
                seeded.amendment_ids.append(amendment.id)  # type: ignore[arg-type]
            section = await agenda.add_section(db, cid, title="Pay and conditions", by=None)
            await agenda.add_item(db, cid, section_id=section.id, title=ITEM, minutes=45, by=None)  # type: ignore[arg-type]
    finally:
        await engine.dispose()
    return seeded


def floor_to_run(database_url: str, world: World) -> Floor:
    seeded = in_own_loop(_seed(database_url, world))
    checked_in(database_url, world, world.sam, world.ola)
    return seeded

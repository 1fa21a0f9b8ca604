"""A conference floor ready for debate: delegates checked in to a session running now, the chair and the
committee logged in, and a motion the committee has ruled in order, scheduled and amended twice."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from tests.helpers import Visitor, app_db
from tests.integration.conferences.web_world import logged_in
from tests.integration.motions.world import MOTION_TEXT, body_ids, plain
from tests.integration.voting.pages_world import Floor, floor
from unionvote.accounts.models import Role
from unionvote.conferences.register import Delegate
from unionvote.motions import agenda, committee, submission
from unionvote.motions.amendments import submit_amendment

__all__ = ["Debate", "debate", "plain"]


@dataclass
class Debate:
    floor: Floor
    committee: Visitor
    item_id: int
    motion_id: int
    amendment_ids: list[int]  # 1.1 inserts after line 2, 1.2 deletes line 1
    other_motion_id: int  # a second motion in the same item, not yet moved

    @property
    def base(self) -> str:
        return f"/conferences/{self.floor.conference_id}"

    @property
    def chair(self) -> Visitor:
        return self.floor.chair


async def debate(client: AsyncTestClient[Litestar], app: Litestar, *, kind: str = "ordinary",
                 present: tuple[str, ...] = ("A1", "M1")) -> Debate:
    f = await floor(client, app, present=present)
    conference_id = f.conference_id
    bodies = await body_ids(app, conference_id)
    async with app_db(app) as db:
        users = dict((await db.execute(select(Delegate.membership_number, Delegate.user_id).where(
            Delegate.conference_id == conference_id, Delegate.user_id.is_not(None)))).all())
        section = await agenda.add_section(db, conference_id, title="Pay and conditions", by=None)
        item = await agenda.add_item(db, conference_id, section_id=section.id, title="Debate: pay",  # type: ignore[arg-type]
                                     minutes=30, by=None)
        motions = []
        for title, body, number in (("Fair pay now", "LON", "A1"), ("Safe staffing", "MAN", "M1")):
            motion = await submission.submit_motion(db, conference_id, body_id=bodies[body], title=title,
                                                    text=MOTION_TEXT, kind=kind if body == "LON" else "ordinary",
                                                    by=users[number], time_zone="Europe/London")
            await committee.rule_motion(db, motion, in_order=True, reason="", by=None)
            await agenda.schedule_motion(db, conference_id, motion.id, item_id=item.id, by=None)  # type: ignore[arg-type]
            motions.append(motion)
        made = [await submit_amendment(db, motions[0], body_id=bodies["MAN"], kind=k, first_line=first,
                                       last_line=last, text=text, by=users["M1"], time_zone="Europe/London")
                for k, first, last, text in [("insert", 2, 2, "and report back to conference."),
                                             ("delete", 1, 1, "")]]
        for amendment in made:
            await committee.rule_amendment(db, motions[0], amendment, in_order=True, reason="", by=None)
    cac = await logged_in(client, app, "cac@union.example", conference_id, Role.CAC)
    return Debate(f, cac, item.id, motions[0].id, [a.id for a in made], motions[1].id)  # type: ignore[arg-type,misc]

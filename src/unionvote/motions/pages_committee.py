"""The committee's pages: motions to rule on, overlapping amendments, composites, the agenda and its publication."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.errors import RuleViolation
from unionvote.motions import agenda, committee
from unionvote.motions.access import committee as committee_guard
from unionvote.motions.amendments import amendments_of, overlapping_amendments
from unionvote.motions.common import amendment_in, body_names, motion_in, settings_of
from unionvote.motions.deadlines import set_deadlines
from unionvote.motions.exports import motions_of
from unionvote.motions.models import MotionState
from unionvote.motions.pages_common import conference_of, motions_page, number_or_none, text_of
from unionvote.web import see_other

TO_RULE = (MotionState.SUBMITTED,)


def _local_input(moment: datetime | None, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _read_moment(raw: str, zone: str, what: str) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        raise RuleViolation(f"'{raw}' is not a date and time for the {what}: write it as 2027-04-30T17:00.") from None


class CommitteePages(Controller):
    path = "/conferences/{conference_id:int}/committee"
    guards = [committee_guard]
    include_in_schema = False

    async def _page(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int,
                    error: str | None = None, status_code: int = 200) -> Template:
        conference = await conference_of(db, conference_id)
        motions = await motions_of(db, conference_id)
        clashes = []
        for motion in motions:
            for a, b in overlapping_amendments(await amendments_of(db, motion.id)):  # type: ignore[arg-type]
                clashes.append((motion, a, b))
        to_rule_amendments = []
        for motion in motions:
            to_rule_amendments += [(motion, a) for a in await amendments_of(db, motion.id)  # type: ignore[arg-type]
                                   if a.state == "submitted"]
        settings = await settings_of(db, conference_id)
        return motions_page(
            "motions/committee.html", request, conference, status_code=status_code, error=error,
            motions=motions, to_rule=[m for m in motions if m.state in TO_RULE], clashes=clashes,
            to_rule_amendments=to_rule_amendments, bodies=await body_names(db, conference_id),
            agenda=await agenda.agenda_of(db, conference_id),
            schedulable=[m for m in motions if m.state in agenda.SCHEDULABLE],
            compositable=[m for m in motions if m.state in (MotionState.SUBMITTED, MotionState.ADMITTED)],
            publications=await agenda.publications(db, conference_id),
            motion_deadline=_local_input(settings.motion_deadline, conference.time_zone),
            amendment_deadline=_local_input(settings.amendment_deadline, conference.time_zone))

    @get("/")
    async def overview(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                       ) -> Template:
        return await self._page(request, db_session, conference_id)

    async def _act(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int, action: Any,
                   done: str) -> Template | Redirect:
        form = await request.form()
        try:
            await action(form, request.scope["user"].id)
        except RuleViolation as exc:
            await db.rollback()
            return await self._page(request, db, conference_id, str(exc), exc.status_code)
        return see_other(f"/conferences/{conference_id}/committee?done={done}")

    @post("/deadlines")
    async def deadlines(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                        ) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            zone = (await conference_of(db_session, conference_id)).time_zone
            await set_deadlines(db_session, conference_id,
                                motion_deadline=_read_moment(text_of(form, "motion_deadline"), zone, "motions"),
                                amendment_deadline=_read_moment(text_of(form, "amendment_deadline"), zone,
                                                                "amendments"), by=by)
        return await self._act(request, db_session, conference_id, act, "deadlines-saved")

    @post("/motions/{motion_id:int}/ruling")
    async def rule_motion(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                          motion_id: int) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            motion = await motion_in(db_session, conference_id, motion_id, lock=True)
            ruling = text_of(form, "ruling")
            if ruling not in ("in_order", "out_of_order"):
                raise RuleViolation("Choose whether the motion is in order or out of order.")
            await committee.rule_motion(db_session, motion, in_order=ruling == "in_order",
                                        reason=text_of(form, "reason"), by=by)
        return await self._act(request, db_session, conference_id, act, "ruled")

    @post("/motions/{motion_id:int}/recommendation")
    async def recommend(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                        motion_id: int) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            motion = await motion_in(db_session, conference_id, motion_id, lock=True)
            await committee.recommend(db_session, motion, recommendation=text_of(form, "recommendation"),
                                      note=text_of(form, "note"), by=by)
        return await self._act(request, db_session, conference_id, act, "recommended")

    @post("/motions/{motion_id:int}/schedule")
    async def schedule(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                       motion_id: int) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            item_id = number_or_none(form, "item_id")
            if item_id is None and text_of(form, "item_id") != "none":
                raise RuleViolation("Choose the agenda item to debate the motion in.")
            await agenda.schedule_motion(db_session, conference_id, motion_id, item_id=item_id, by=by)
        return await self._act(request, db_session, conference_id, act, "scheduled")

    @post("/amendments/{amendment_id:int}/ruling")
    async def rule_amendment(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                             amendment_id: int) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            motion, amendment = await amendment_in(db_session, conference_id, amendment_id, lock=True)
            ruling = text_of(form, "ruling")
            if ruling not in ("in_order", "out_of_order"):
                raise RuleViolation("Choose whether the amendment is in order or out of order.")
            await committee.rule_amendment(db_session, motion, amendment, in_order=ruling == "in_order",
                                           reason=text_of(form, "reason"), by=by)
        return await self._act(request, db_session, conference_id, act, "ruled")

    @post("/composites")
    async def composite(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                        ) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            ids = [int(v) for v in form.getall("motion_ids", []) if isinstance(v, str) and v.isdigit()
                   and len(v) < 12]
            await committee.composite(db_session, conference_id, motion_ids=ids, title=text_of(form, "title"),
                                      text=str(form.get("text", "")), by=by)
        return await self._act(request, db_session, conference_id, act, "composited")

    @post("/sections")
    async def add_section(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                          ) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            await agenda.add_section(db_session, conference_id, title=text_of(form, "title"), by=by)
        return await self._act(request, db_session, conference_id, act, "agenda-changed")

    @post("/items")
    async def add_item(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                       ) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            section_id, minutes = number_or_none(form, "section_id"), number_or_none(form, "minutes")
            if section_id is None:
                raise RuleViolation("Choose the section the item belongs to.")
            if minutes is None:
                raise RuleViolation("Give the time for the item as a whole number of minutes, such as 30.")
            await agenda.add_item(db_session, conference_id, section_id=section_id, title=text_of(form, "title"),
                                  minutes=minutes, by=by)
        return await self._act(request, db_session, conference_id, act, "agenda-changed")

    @post("/items/{item_id:int}/move")
    async def move_item(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                        item_id: int) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            direction = text_of(form, "direction")
            if direction not in ("up", "down"):
                raise RuleViolation("Move the item up or down.")
            await agenda.move_item(db_session, conference_id, item_id, up=direction == "up", by=by)
        return await self._act(request, db_session, conference_id, act, "agenda-changed")

    @post("/publish")
    async def publish(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                      ) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            await agenda.publish(db_session, conference_id, stage=text_of(form, "stage"), by=by)
        return await self._act(request, db_session, conference_id, act, "published")

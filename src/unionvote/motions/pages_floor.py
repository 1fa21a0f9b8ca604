"""The chair's floor console: the current item, its speakers, motions and amendments, and the vote now."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.errors import RuleViolation
from unionvote.motions import floor, speakers
from unionvote.motions.access import chair
from unionvote.motions.agenda import agenda_of
from unionvote.motions.amendments import amendments_of
from unionvote.motions.common import amendment_in, motion_in
from unionvote.motions.live import floor_changed, floor_context, floor_now
from unionvote.motions.pages_common import conference_of, motions_page, number_or_none, text_of
from unionvote.motions.voting_link import votable_items
from unionvote.web import see_other


class FloorPages(Controller):
    path = "/conferences/{conference_id:int}/floor"
    guards = [chair]
    include_in_schema = False

    async def _page(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int,
                    error: str | None = None, status_code: int = 200) -> Template:
        conference = await conference_of(db, conference_id)
        now = await floor_now(db, conference_id)
        sections = await agenda_of(db, conference_id)
        item_motions = []
        for section in sections:
            for view in section.items:
                if now.item is not None and view.item.id == now.item.id:
                    item_motions = [(m, await amendments_of(db, m.id), floor.actions_open(m))  # type: ignore[arg-type]
                                    for m in view.motions]
        return motions_page("motions/floor.html", request, conference, status_code=status_code, error=error,
                            agenda=sections, item_motions=item_motions,
                            votable=await votable_items(db, conference_id), **floor_context(now))

    @get("/")
    async def console(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                      ) -> Template:
        return await self._page(request, db_session, conference_id)

    async def _act(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int, action: Any,
                   done: str = "floor-changed") -> Template | Redirect:
        form = await request.form()
        try:
            await action(form, request.scope["user"].id)
            await floor_changed(request, db, conference_id)
        except RuleViolation as exc:
            await db.rollback()
            return await self._page(request, db, conference_id, str(exc), exc.status_code)
        return see_other(f"/conferences/{conference_id}/floor?done={done}")

    @post("/current-item")
    async def current_item(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                           ) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            item_id = number_or_none(form, "item_id")
            if item_id is None and text_of(form, "item_id") != "none":
                raise RuleViolation("Choose the agenda item conference is on now.")
            await floor.set_current_item(db_session, conference_id, item_id, by=by)
        return await self._act(request, db_session, conference_id, act)

    @post("/motions/{motion_id:int}")
    async def motion_action(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                            motion_id: int) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            motion = await motion_in(db_session, conference_id, motion_id, lock=True)
            await floor.decide_motion(db_session, motion, action=text_of(form, "action"), by=by)
        return await self._act(request, db_session, conference_id, act)

    @post("/amendments/{amendment_id:int}")
    async def amendment_action(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                               amendment_id: int) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            motion, amendment = await amendment_in(db_session, conference_id, amendment_id, lock=True)
            await floor.decide_amendment(db_session, motion, amendment, action=text_of(form, "action"), by=by)
        return await self._act(request, db_session, conference_id, act)

    @post("/deciding")
    async def deciding(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                       ) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            await floor.put_to_vote(db_session, conference_id, motion_id=number_or_none(form, "motion_id"),
                                    amendment_id=number_or_none(form, "amendment_id"), by=by)
        return await self._act(request, db_session, conference_id, act)

    @post("/speakers/next")
    async def call_next(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                        ) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            item_id = number_or_none(form, "item_id")
            if item_id is None:
                raise RuleViolation("Open an agenda item before calling speakers.")
            await speakers.call_next(db_session, conference_id, item_id, by=by)
        return await self._act(request, db_session, conference_id, act, "called")

    @post("/speakers/{request_id:int}/call")
    async def call(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                   request_id: int) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            await speakers.call_speaker(db_session, conference_id, request_id, by=by)
        return await self._act(request, db_session, conference_id, act, "called")

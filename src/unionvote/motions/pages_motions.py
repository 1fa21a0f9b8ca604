"""Motion pages for everyone in the conference: the list, submitting, one motion, amending, editing text."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.errors import RuleViolation
from unionvote.motions import amendments, submission
from unionvote.motions.access import motions_can, participants
from unionvote.motions.common import body_names, motion_in
from unionvote.motions.exports import motions_of
from unionvote.motions.pages_common import conference_of, motions_page, number_or_none, text_of
from unionvote.motions.reading import motion_context, own_body_id
from unionvote.web import see_other

MOTION = "/{motion_id:int}"


class MotionPages(Controller):
    path = "/conferences/{conference_id:int}/motions"
    guards = [participants]
    include_in_schema = False

    @get("/")
    async def list_motions(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                           ) -> Template:
        conference = await conference_of(db_session, conference_id)
        return motions_page("motions/list.html", request, conference,
                            motions=await motions_of(db_session, conference_id),
                            bodies=await body_names(db_session, conference_id))

    async def _new_page(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int,
                        form: dict[str, Any] | None = None, error: str | None = None, status_code: int = 200
                        ) -> Template:
        conference = await conference_of(db, conference_id)
        own = await own_body_id(db, conference_id, request.scope["user"].id)
        return motions_page("motions/new.html", request, conference, status_code=status_code,
                            bodies=await body_names(db, conference_id), form=form or {"body_id": own or ""},
                            error=error)

    @get("/new")
    async def new_motion(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                         ) -> Template:
        return await self._new_page(request, db_session, conference_id)

    @post("/")
    async def submit(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                     ) -> Template | Redirect:
        form = await request.form()
        fields = {name: text_of(form, name) for name in ("body_id", "title", "text", "kind", "emergency_reason")}
        supporters = [int(v) for v in form.getall("supporters", [])
                      if isinstance(v, str) and v.isdigit() and len(v) < 12]
        try:
            body_id = number_or_none(form, "body_id")
            if body_id is None:
                raise RuleViolation("Choose the body the motion comes from.")
            conference = await conference_of(db_session, conference_id)
            motion = await submission.submit_motion(
                db_session, conference_id, body_id=body_id, title=fields["title"],
                text=str(form.get("text", "")), kind=fields["kind"] or "ordinary", by=request.scope["user"].id,
                time_zone=conference.time_zone, emergency_reason=fields["emergency_reason"], supporters=supporters)
        except RuleViolation as exc:
            await db_session.rollback()
            fields["text"] = str(form.get("text", ""))
            return await self._new_page(request, db_session, conference_id, fields, str(exc), exc.status_code)
        return see_other(f"/conferences/{conference_id}/motions/{motion.id}?done=motion-submitted")

    async def _motion_page(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int,
                           motion_id: int, error: str | None = None, status_code: int = 200,
                           form: dict[str, Any] | None = None) -> Template:
        conference = await conference_of(db, conference_id)
        context = await motion_context(db, conference_id, motion_id, request.scope["user"].id)
        return motions_page("motions/motion.html", request, conference, status_code=status_code, error=error,
                            form=form or {}, **context)

    @get(MOTION)
    async def show(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                   motion_id: int) -> Template:
        return await self._motion_page(request, db_session, conference_id, motion_id)

    @post(MOTION + "/amendments")
    async def amend(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                    motion_id: int) -> Template | Redirect:
        form = await request.form()
        fields = {name: text_of(form, name) for name in ("body_id", "kind", "first_line", "last_line")}
        fields["text"] = str(form.get("text", ""))
        try:
            motion = await motion_in(db_session, conference_id, motion_id, lock=True)
            body_id, first = number_or_none(form, "body_id"), number_or_none(form, "first_line")
            if body_id is None:
                raise RuleViolation("Choose the body the amendment comes from.")
            if first is None:
                raise RuleViolation("Give the line number the amendment starts at (0 to insert at the start).")
            conference = await conference_of(db_session, conference_id)
            await amendments.submit_amendment(
                db_session, motion, body_id=body_id, kind=fields["kind"], first_line=first,
                last_line=number_or_none(form, "last_line"), text=fields["text"], by=request.scope["user"].id,
                time_zone=conference.time_zone)
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._motion_page(request, db_session, conference_id, motion_id, str(exc),
                                           exc.status_code, fields)
        return see_other(f"/conferences/{conference_id}/motions/{motion_id}?done=amendment-submitted#amendments")

    @post(MOTION + "/text")
    async def edit_text(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                        motion_id: int) -> Template | Redirect:
        form = await request.form()
        user = request.scope["user"]
        try:
            motion = await motion_in(db_session, conference_id, motion_id, lock=True)
            await submission.edit_text(db_session, motion, text=str(form.get("text", "")), by=user.id,
                                       as_committee=motions_can(user, conference_id)["committee"])
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._motion_page(request, db_session, conference_id, motion_id, str(exc),
                                           exc.status_code, {"new_text": str(form.get("text", ""))})
        return see_other(f"/conferences/{conference_id}/motions/{motion_id}?done=text-changed")

"""The committee gives a motion's title in Welsh and Polish beside the English."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.errors import RuleViolation
from unionvote.motions import languages
from unionvote.motions.access import committee
from unionvote.web import page, see_other


class MotionLanguagePages(Controller):
    path = "/conferences/{conference_id:int}/committee/motions/{motion_id:int}/languages"
    guards = [committee]
    include_in_schema = False

    @post("/")
    async def save(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                   motion_id: int) -> Template | Redirect:
        form = await request.form()
        back = f"/conferences/{conference_id}/motions/{motion_id}"
        try:
            await languages.set_title_translations(db_session, conference_id, motion_id, form)
        except RuleViolation as exc:
            await db_session.rollback()
            return page("errors/error.html", request, status_code=exc.status_code, status=exc.status_code,
                        detail=str(exc), back=back)
        return see_other(back + "#title-languages-heading")

"""Staff set a conference's language and whether it is bilingual, beside its other settings."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences import languages
from unionvote.conferences.access import conference_staff
from unionvote.conferences.pages_common import text_of
from unionvote.errors import RuleViolation
from unionvote.web import page, see_other


class ConferenceLanguagePages(Controller):
    path = "/conferences/{conference_id:int}/settings/languages"
    guards = [conference_staff]
    include_in_schema = False

    @post("/")
    async def save(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                   ) -> Template | Redirect:
        form = await request.form()
        try:
            await languages.set_languages(db_session, conference_id, text_of(form, "language"),
                                          text_of(form, "bilingual_language"))
        except RuleViolation as exc:
            await db_session.rollback()
            return page("errors/error.html", request, status_code=exc.status_code, status=exc.status_code,
                        detail=str(exc), back=f"/conferences/{conference_id}/settings")
        return see_other(f"/conferences/{conference_id}/settings#languages-heading")

"""Staff who run a consultation set its language, whether it is bilingual, and its question in other languages."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import requires_staff
from unionvote.consult import languages, setup
from unionvote.errors import RuleViolation
from unionvote.web import page, see_other


class ConsultationLanguagePages(Controller):
    path = "/consultations/{consultation_id:int}/languages"
    guards = [requires_staff]  # and staff of this consultation: setup.load_to_run
    include_in_schema = False

    @post("/")
    async def save(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                   ) -> Template | Redirect:
        back = f"/consultations/{consultation_id}"
        try:
            consultation = await setup.load_to_run(db_session, consultation_id, request.scope["user"])
            await languages.set_languages(db_session, consultation, await request.form())
        except RuleViolation as exc:
            await db_session.rollback()
            return page("errors/error.html", request, status_code=exc.status_code, status=exc.status_code,
                        detail=str(exc), back=back)
        return see_other(back + "#languages-heading")

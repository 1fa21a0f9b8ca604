"""Delegates' floor pages: the published agenda and what changed, the speakers list, voting now, the motion book."""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences import lookup
from unionvote.csvexport import CSV_MEDIA_TYPE, attachment_headers
from unionvote.errors import RuleViolation
from unionvote.motions import speakers
from unionvote.motions.access import participants
from unionvote.motions.agenda import changes_between, publications
from unionvote.motions.exports import motion_book, motions_csv
from unionvote.motions.live import floor_changed, floor_context, floor_now
from unionvote.motions.pages_common import conference_of, motions_page, text_of
from unionvote.web import see_other


class AgendaPages(Controller):
    path = "/conferences/{conference_id:int}"
    guards = [participants]
    include_in_schema = False

    async def _agenda(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int,
                      error: str | None = None, status_code: int = 200) -> Template:
        conference = await conference_of(db, conference_id)
        published = await publications(db, conference_id)
        latest = published[0] if published else None
        changes = changes_between(published[1] if len(published) > 1 else None, latest) if latest else []
        now = await floor_now(db, conference_id)
        mine = await lookup.delegate_id_for_user(db, conference_id, request.scope["user"].id)
        my_request = next((row for row in now.speakers if row.delegate_id == mine and row.state == "waiting"), None)
        return motions_page("motions/agenda.html", request, conference, status_code=status_code, error=error,
                            latest=latest, latest_lines=json.loads(latest.snapshot) if latest else [],
                            changes=changes if len(published) > 1 else [], published=published,
                            my_request=my_request, **floor_context(now))

    @get("/agenda")
    async def agenda(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                     ) -> Template:
        return await self._agenda(request, db_session, conference_id)

    @post("/agenda/items/{item_id:int}/speakers")
    async def ask_to_speak(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                           item_id: int) -> Template | Redirect:
        form = await request.form()
        try:
            await speakers.ask_to_speak(db_session, conference_id, item_id, user_id=request.scope["user"].id,
                                        stance=text_of(form, "stance"))
            await floor_changed(request, db_session, conference_id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._agenda(request, db_session, conference_id, str(exc), exc.status_code)
        return see_other(f"/conferences/{conference_id}/agenda?done=asked")

    @post("/speakers/{request_id:int}/withdraw")
    async def withdraw(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                       request_id: int) -> Template | Redirect:
        try:
            await speakers.withdraw_request(db_session, conference_id, request_id, user_id=request.scope["user"].id)
            await floor_changed(request, db_session, conference_id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._agenda(request, db_session, conference_id, str(exc), exc.status_code)
        return see_other(f"/conferences/{conference_id}/agenda?done=withdrawn")

    @get("/voting-now")
    async def voting_now(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                         ) -> Template:
        conference = await conference_of(db_session, conference_id)
        return motions_page("motions/voting_now.html", request, conference,
                            **floor_context(await floor_now(db_session, conference_id)))

    @get("/motion-book")
    async def book(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                   ) -> Template:
        conference = await conference_of(db_session, conference_id)
        return motions_page("motions/book.html", request, conference,
                            book=await motion_book(db_session, conference_id))

    @get("/motions-export.csv")
    async def export_csv(self, db_session: AsyncSession, conference_id: int) -> Response[bytes]:
        await conference_of(db_session, conference_id)
        return Response(await motions_csv(db_session, conference_id), media_type=CSV_MEDIA_TYPE,
                        headers=attachment_headers(f"motions-{conference_id}.csv"))

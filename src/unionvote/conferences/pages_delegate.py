"""A delegate's own pages: my conferences, my status, check in and out. Built for a phone first."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import ROLE_LABELS
from unionvote.auth import CurrentUser, requires_login
from unionvote.conferences import attendance, lookup, services
from unionvote.conferences.access import anyone_in_conference
from unionvote.conferences.pages_common import conference_page, load_conference, may_see
from unionvote.conferences.quorum_panel import quorum_changed
from unionvote.conferences.register import Body
from unionvote.db import utcnow
from unionvote.errors import RuleViolation
from unionvote.web import page, see_other


class MyConferencesPages(Controller):
    include_in_schema = False

    @get("/conferences", guards=[requires_login])
    async def my_conferences(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        user: CurrentUser = request.scope["user"]
        visible = await services.conferences_visible_to(db_session, user.is_admin, set(user.roles))
        return page("conferences/list.html", request, conferences=[(c, may_see(user, c.id)) for c in visible],
                    role_labels=ROLE_LABELS)


class MyConferencePages(Controller):
    path = "/conferences/{conference_id:int}/me"
    guards = [anyone_in_conference]
    include_in_schema = False

    async def _me(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int,
                  error: str | None = None, status_code: int = 200) -> Template:
        conference = await load_conference(db, conference_id)
        now = utcnow()
        standing = await lookup.standing_of(db, conference_id, request.scope["user"].id, now)
        delegate = standing.delegate
        body = await db.get(Body, delegate.body_id) if delegate is not None and delegate.body_id else None
        return conference_page("conferences/me.html", request, conference, status_code=status_code,
                               standing=standing, delegate=delegate, body=body, error=error, now=now,
                               role_labels=ROLE_LABELS)

    @get("/")
    async def me(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int) -> Template:
        return await self._me(request, db_session, conference_id)

    @post("/check-in")
    async def check_in(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                       ) -> Template | Redirect:
        return await self._presence(request, db_session, conference_id, check_in=True)

    @post("/check-out")
    async def check_out(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                        ) -> Template | Redirect:
        return await self._presence(request, db_session, conference_id, check_in=False)

    async def _presence(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int, *,
                        check_in: bool) -> Template | Redirect:
        user_id = request.scope["user"].id
        try:
            delegate_id = await attendance.own_delegate_id(db, conference_id, user_id)
            if check_in:
                await attendance.check_in_now(db, conference_id, delegate_id, by=user_id)
                done = "you-checked-in"
            else:
                _, closed = await attendance.check_out_now(db, conference_id, delegate_id, by=user_id)
                done = "you-checked-out" if closed else "you-were-not-checked-in"
        except RuleViolation as exc:
            await db.rollback()
            return await self._me(request, db, conference_id, error=str(exc), status_code=exc.status_code)
        quorum_changed(request, db, conference_id)
        return see_other(f"/conferences/{conference_id}/me?done={done}")

"""Signed links from the union's member portal (ballots.portal): the member's way in, and the secret's setting."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import public, requires_admin
from unionvote.ballots import services
from unionvote.ballots.pages_common import ballot_page, text_of
from unionvote.ballots.pages_vote import VOTED_ALREADY, second_attempt
from unionvote.ballots.portal import member_from_portal, set_portal_secret
from unionvote.errors import RuleViolation
from unionvote.i18n import _
from unionvote.web import see_other


class MemberPortalPages(Controller):
    path = "/ballots/{slug:str}/portal"
    guards = [public]
    include_in_schema = False

    @get("/")
    async def arrive(self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, member: str = "",
                     at: str = "", sig: str = "") -> Template | Redirect:
        ballot = await services.ballot_by_slug(db_session, slug)
        try:
            found, token = await member_from_portal(db_session, ballot, member, at, sig)
        except RuleViolation as exc:
            await db_session.rollback()
            return ballot_page("ballots/link_refused.html", request, status_code=exc.status_code, reason=str(exc))
        if token is None:
            await second_attempt(request, db_session, found, "portal")
            await db_session.commit()  # the portal link is spent even though the answer is a refusal
            return ballot_page("ballots/link_refused.html", request, status_code=409, reason=_(VOTED_ALREADY))
        return see_other(f"/vote/{token}")


class PortalSecretPages(Controller):
    path = "/member-ballots/{ballot_id:int}"
    guards = [requires_admin]
    include_in_schema = False

    @post("/portal-secret")
    async def set_secret(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int
                         ) -> Template:
        form = await request.form()
        try:
            secret = await set_portal_secret(db_session, ballot_id, text_of(form, "secret", 200),
                                             by=request.scope["user"].id)
        except RuleViolation as exc:
            await db_session.rollback()
            ballot = await services.get_ballot(db_session, ballot_id)
            return ballot_page("ballots/portal_secret.html", request, ballot, status_code=exc.status_code,
                               error=str(exc))
        ballot = await services.get_ballot(db_session, ballot_id)
        return ballot_page("ballots/portal_secret.html", request, ballot, secret=secret,
                           public_url=request.app.state.settings.public_url)

"""An organiser's way in: the member ballots they watch, each linked to its turnout dashboard; a rep's chase lists."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import requires_login
from unionvote.ballots.chasing import ballots_repped_by
from unionvote.ballots.organisers import ballots_organised_by
from unionvote.ballots.pages_common import ballot_page


class MemberBallotOrganiserPages(Controller):
    path = "/my-member-ballots"
    guards = [requires_login]
    include_in_schema = False

    @get("/")
    async def watched(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        me = request.scope["user"].id
        return ballot_page("ballots/organising.html", request, ballots=await ballots_organised_by(db_session, me),
                           chasing=await ballots_repped_by(db_session, me))

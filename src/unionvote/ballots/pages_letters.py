"""Printing voting letters for members with neither email nor mobile (administrators, as for credentials)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import requires_admin
from unionvote.ballots import services
from unionvote.ballots.letters import print_letters
from unionvote.ballots.pages_common import ballot_page


class MemberLetterPages(Controller):
    path = "/member-ballots/{ballot_id:int}"
    guards = [requires_admin]
    include_in_schema = False

    @post("/letters")
    async def letters(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int) -> Template:
        base = request.app.state.settings.public_url
        letters = await print_letters(db_session, ballot_id, base, by=request.scope["user"].id)
        ballot = await services.get_ballot(db_session, ballot_id)
        return ballot_page("ballots/letters.html", request, ballot, letters=letters, public_url=base)

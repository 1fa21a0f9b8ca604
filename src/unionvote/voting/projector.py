"""The hall screen: the question being decided now, the turnout, the declared result, in large type.

It follows the conference topic like every other page, so the stage changes by itself when
the chair opens, closes or declares a ballot (voting.live sends `projector-stage`).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences.access import anyone_in_conference
from unionvote.conferences.pages_common import load_conference
from unionvote.voting import services
from unionvote.voting.models import BallotState
from unionvote.voting.views import view_of
from unionvote.web import page

ON_STAGE = (BallotState.OPEN, BallotState.CLOSED, BallotState.DECLARED, BallotState.VOID)


class ProjectorPages(Controller):
    path = "/conferences/{conference_id:int}/projector"
    guards = [anyone_in_conference]
    include_in_schema = False

    @get("/")
    async def projector(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                        ) -> Template:
        conference = await load_conference(db_session, conference_id)
        shown = await services.ballots_of(db_session, conference_id, states=ON_STAGE)
        current = next((b for b in shown if b.state == BallotState.OPEN), shown[0] if shown else None)
        return page("voting/projector.html", request, conference=conference,
                    v=await view_of(db_session, current) if current is not None else None)

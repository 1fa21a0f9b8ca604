"""The hall screen: the question being decided now and its turnout, the declared result, and the speakers list
with its clock, in large type, one screen at a time.

Modes (`?show=`): `question` (the ballot open or waiting to be declared), `result` (the latest declared result),
`speakers` (the item on the floor, who speaks now and next, the time left), or `auto` (the default): a ballot
while one is open or closed, otherwise the speakers list while someone speaks, otherwise the latest result.
Several screens may show different modes. Each follows the conference and floor topics, so it changes by
itself (voting.live sends `projector-stage`, motions.live sends `floor-speakers`).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences.access import anyone_in_conference
from unionvote.conferences.pages_common import load_conference
from unionvote.errors import RuleViolation
from unionvote.motions.live import floor_context, floor_now
from unionvote.voting import services
from unionvote.voting.models import BallotState
from unionvote.voting.views import view_of
from unionvote.web import page

ON_STAGE = (BallotState.OPEN, BallotState.CLOSED, BallotState.DECLARED, BallotState.VOID)
MODES = ("auto", "question", "result", "speakers")


class ProjectorPages(Controller):
    path = "/conferences/{conference_id:int}/projector"
    guards = [anyone_in_conference]
    include_in_schema = False

    @get("/")
    async def projector(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                        show: str = "auto") -> Template:
        if show not in MODES:
            raise RuleViolation(f"Show one of: {', '.join(MODES)} (not {show!r}).")
        conference = await load_conference(db_session, conference_id)
        shown = await services.ballots_of(db_session, conference_id, states=ON_STAGE)
        running = next((b for b in shown if b.state in (BallotState.OPEN, BallotState.CLOSED)), None)
        declared = next((b for b in shown if b.state == BallotState.DECLARED), None)
        floor = await floor_now(db_session, conference_id)
        mode = show
        if show == "auto":  # a ballot; else whoever is speaking; else the latest result; else the list
            speaking = any(row.state == "called" for row in floor.speakers)
            mode = ("question" if running else "speakers" if speaking else "result" if declared
                    else "speakers" if floor.item else "result")
        ballot = running if mode == "question" else declared if mode == "result" else None
        return page("voting/projector.html", request, conference=conference, mode=mode, show=show,
                    v=await view_of(db_session, ballot) if ballot is not None else None,
                    **floor_context(floor))

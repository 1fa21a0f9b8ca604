"""The printable result sheet and the papers as a BLT file."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.elections import services
from unionvote.elections.access import participants
from unionvote.elections.pages_common import conference_of, elections_page
from unionvote.elections.pages_elections import ELECTION
from unionvote.elections.services import ElectionError
from unionvote.elections.sheet import build_sheet
from unionvote.i18n import _


class ElectionResultPages(Controller):
    path = "/conferences/{conference_id:int}/elections"
    guards = [participants]
    include_in_schema = False

    @get(ELECTION + "/result")
    async def result(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                     election_id: int) -> Template:
        conference = await conference_of(db_session, conference_id)
        election = await services.get_election(db_session, conference_id, election_id)
        result = services.result_of(election)
        if result is None:
            raise ElectionError(_("This election has not been declared yet."), 404)
        names = result["names"]
        record = result["record"]
        sheet = None if record.get("uncontested") else build_sheet(record, names)
        elected = [names.get(k, k) for k in record["elected"]]
        return elections_page("elections/result.html", request, conference, election=election, sheet=sheet,
                              elected=elected)

    @get(ELECTION + "/ballots.blt")
    async def blt(self, db_session: AsyncSession, conference_id: int, election_id: int) -> Response[str]:
        text = await services.ballots_as_blt(db_session, conference_id, election_id)
        return Response(text, media_type="text/plain; charset=utf-8", headers={
            "content-disposition": f'attachment; filename="election-{election_id}.blt"'})

"""The returning officer's view: every ballot, its rule, frozen electorate, turnout and result; certification.

Read-only apart from the certificate. The chair and staff read it too. Names beside the
electorate's ids are shown to union staff only; the record itself holds internal ids.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import Role
from unionvote.audit.services import head_of, scope_of
from unionvote.conferences import lookup
from unionvote.conferences.pages_common import conference_page, load_conference
from unionvote.errors import RuleViolation
from unionvote.voting import services
from unionvote.voting.access import certifiers, record_readers
from unionvote.voting.models import Ballot, ElectorateEntry
from unionvote.voting.views import view_of
from unionvote.web import see_other

NAMES_SHOWN_UP_TO = 2000  # a longer electorate is listed by id alone


async def electorate_of(db: AsyncSession, ballot_id: int) -> list[ElectorateEntry]:
    return list((await db.execute(select(ElectorateEntry).where(ElectorateEntry.ballot_id == ballot_id)
                                  .order_by(ElectorateEntry.delegate_id))).scalars())


class RecordPages(Controller):
    path = "/conferences/{conference_id:int}/record"
    guards = [record_readers]
    include_in_schema = False

    @get("/")
    async def ballots(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                      ) -> Template:
        conference = await load_conference(db_session, conference_id)
        views = [await view_of(db_session, b) for b in await services.ballots_of(db_session, conference_id)]
        return conference_page("voting/record_list.html", request, conference, ballots=views)

    async def _record(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int, ballot_id: int,
                      error: str | None = None, status_code: int = 200) -> Template:
        conference = await load_conference(db, conference_id)
        ballot = await services.get_ballot(db, ballot_id, conference_id)
        user = request.scope["user"]
        held = user.roles_in(conference_id)
        entries = await electorate_of(db, ballot_id)
        names: dict[int, str] = {}
        if (user.is_admin or Role.STAFF in held) and len(entries) <= NAMES_SHOWN_UP_TO:
            for entry in entries:
                names[entry.delegate_id] = (await lookup.delegate_in(db, conference_id, entry.delegate_id)).name
        head = await head_of(db, scope_of("ballot", ballot_id))
        return conference_page(
            "voting/record.html", request, conference, status_code=status_code, v=await view_of(db, ballot),
            entries=entries, names=names, head=head, error=error,
            may_certify=user.is_admin or Role.RETURNING_OFFICER in held,
            follows=await db.get(Ballot, ballot.follows_id) if ballot.follows_id else None,
            result_json=json.dumps(json.loads(ballot.result), indent=2, sort_keys=True) if ballot.result else None,
            notice="The result has been certified." if request.query_params.get("done") == "certified" else None)

    @get("/{ballot_id:int}")
    async def record(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                     ballot_id: int) -> Template:
        return await self._record(request, db_session, conference_id, ballot_id)

    @post("/{ballot_id:int}/certify", guards=[certifiers])
    async def certify(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                      ballot_id: int) -> Template | Redirect:
        try:
            await services.certify_result(db_session, ballot_id, by=request.scope["user"].id,
                                          conference_id=conference_id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._record(request, db_session, conference_id, ballot_id, error=str(exc),
                                      status_code=exc.status_code)
        return see_other(f"/conferences/{conference_id}/record/{ballot_id}?done=certified")


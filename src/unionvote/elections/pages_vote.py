"""The ranked ballot form: a rank to choose beside each candidate, checked on the server, a receipt after."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.elections import services
from unionvote.elections.access import participants
from unionvote.elections.models import NominationState
from unionvote.elections.pages_common import conference_of, elections_page
from unionvote.elections.pages_elections import ELECTION
from unionvote.elections.ranked_ballot import cast_ranking, my_place
from unionvote.elections.ranking import ranking_from_form
from unionvote.errors import RuleViolation
from unionvote.voting.receipts import format_tracker, new_token


class ElectionVotePages(Controller):
    path = "/conferences/{conference_id:int}/elections"
    guards = [participants]
    include_in_schema = False

    async def _page(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int, election_id: int,
                    *, error: str | None = None, status_code: int = 200, ranks: dict[str, str] | None = None,
                    tracker: str | None = None) -> Template:
        conference = await conference_of(db, conference_id)
        election = await services.get_election(db, conference_id, election_id)
        candidates = [n for n in await services.nominations_of(db, election.id) if n.state == NominationState.VALID]
        in_electorate, voted = await my_place(db, election, request.scope["user"].id)
        return elections_page("elections/vote.html", request, conference, status_code=status_code,
                              election=election, candidates=candidates, in_electorate=in_electorate, voted=voted,
                              ranks=ranks or {}, error=error, tracker=tracker, token=new_token())

    @get(ELECTION + "/vote")
    async def ballot_form(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                          election_id: int) -> Template:
        return await self._page(request, db_session, conference_id, election_id)

    @post(ELECTION + "/vote")
    async def cast(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                   election_id: int) -> Template:
        form = await request.form()
        ranks = {name[len("rank-"):]: value for name, value in form.items()
                 if name.startswith("rank-") and isinstance(value, str)}
        try:
            election = await services.get_election(db_session, conference_id, election_id)
            candidates = [n for n in await services.nominations_of(db_session, election.id)  # type: ignore[arg-type]
                          if n.state == NominationState.VALID]
            ranking = ranking_from_form(ranks, {str(n.id): n.candidate_name for n in candidates})
            token = form.get("token")
            receipt = await cast_ranking(db_session, conference_id, election_id, user_id=request.scope["user"].id,
                                         ranking=ranking, token=token if isinstance(token, str) else "")
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._page(request, db_session, conference_id, election_id, error=str(exc),
                                    status_code=exc.status_code, ranks=ranks)
        return await self._page(request, db_session, conference_id, election_id,
                                tracker=format_tracker(receipt.tracker))

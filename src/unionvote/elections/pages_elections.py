"""Election pages for everyone in the conference: the list, one election with its nominations, nominating."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences.pages_common import text_of, whole_number
from unionvote.elections import nominations, services
from unionvote.elections.access import is_officer, participants
from unionvote.elections.pages_common import conference_of, election_context, elections_page
from unionvote.elections.pages_setup import ElectionSetup
from unionvote.errors import RuleViolation
from unionvote.web import see_other

ELECTION = "/{election_id:int}"
NOMINATION = ELECTION + "/nominations/{nomination_id:int}"


async def election_page(request: Request[Any, Any, Any], db: AsyncSession, conference_id: int, election_id: int,
                        error: str | None = None, status_code: int = 200, form: dict[str, Any] | None = None
                        ) -> Template:
    conference = await conference_of(db, conference_id)
    context = await election_context(db, conference_id, election_id, request.scope["user"].id)
    return elections_page("elections/election.html", request, conference, status_code=status_code, error=error,
                          form=form or {}, **context)


def back_to(conference_id: int, election_id: int, done: str) -> Redirect:
    return see_other(f"/conferences/{conference_id}/elections/{election_id}?done={done}")


class ElectionPages(ElectionSetup, Controller):
    path = "/conferences/{conference_id:int}/elections"
    guards = [participants]
    include_in_schema = False

    @get("/")
    async def list_elections(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                             ) -> Template:
        conference = await conference_of(db_session, conference_id)
        return elections_page("elections/list.html", request, conference,
                              elections=await services.elections_of(db_session, conference_id))

    @get(ELECTION)
    async def one(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                  election_id: int) -> Template:
        return await election_page(request, db_session, conference_id, election_id)

    @post(ELECTION + "/nominations")
    async def nominate(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                       election_id: int) -> Template | Redirect:
        form = await request.form()
        fields = {"candidate_name": text_of(form, "candidate_name"), "body_id": text_of(form, "body_id"),
                  "statement": str(form.get("statement", ""))}
        user = request.scope["user"]
        try:
            await nominations.nominate(
                db_session, conference_id, election_id, candidate_name=fields["candidate_name"],
                statement=fields["statement"], body_id=whole_number(fields["body_id"]), by=user.id,
                on_behalf=form.get("on_behalf") == "on" and is_officer(user, conference_id))
        except RuleViolation as exc:
            await db_session.rollback()
            return await election_page(request, db_session, conference_id, election_id, str(exc), exc.status_code,
                                       fields)
        return back_to(conference_id, election_id, "nominated")

    @post(NOMINATION + "/support")
    async def support(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                      election_id: int, nomination_id: int) -> Template | Redirect:
        try:
            await nominations.support(db_session, conference_id, election_id, nomination_id,
                                      by=request.scope["user"].id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await election_page(request, db_session, conference_id, election_id, str(exc), exc.status_code)
        return back_to(conference_id, election_id, "supported")

    @post(NOMINATION + "/withdraw")
    async def withdraw(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                       election_id: int, nomination_id: int) -> Template | Redirect:
        user = request.scope["user"]
        try:
            await nominations.withdraw(db_session, conference_id, election_id, nomination_id, by=user.id,
                                       as_committee=is_officer(user, conference_id))
        except RuleViolation as exc:
            await db_session.rollback()
            return await election_page(request, db_session, conference_id, election_id, str(exc), exc.status_code)
        return back_to(conference_id, election_id, "withdrawn")

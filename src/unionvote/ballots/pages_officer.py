"""The returning officer's pages for member ballots: every ballot, one ballot's complaints, attempts to vote
again, objection period and certificate, and its electorate (names while they are held, ids after erasure).

Read-only apart from decisions on complaints, ending the objection period and the certificate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import requires_returning_officer
from unionvote.ballots import complaints, services
from unionvote.ballots.models import Member, MemberBallotCertificate
from unionvote.ballots.pages_common import ballot_page, carry_out, text_of
from unionvote.i18n import N_, _

ELECTORATE_PAGE = 500
STEPS = {"end-objections": (complaints.end_objections, "ended"),
         "certify": (complaints.certify_member_result, "certified")}
DONE = {"decided": N_("The decision is recorded and the complainant can read it with their reference."),
        "ended": N_("The objection period has ended. The result can be declared."),
        "certified": N_("The result has been certified.")}


class MemberBallotOfficerPages(Controller):
    path = "/member-ballots"
    guards = [requires_returning_officer]
    include_in_schema = False

    @get("/officer")
    async def ballots(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        return ballot_page("ballots/officer_list.html", request, ballots=await services.all_ballots(db_session))

    async def _page(self, request: Request[Any, Any, Any], db: AsyncSession, ballot_id: int,
                    error: str | None = None, status_code: int = 200) -> Template:
        ballot = await services.get_ballot(db, ballot_id)
        attempts = await complaints.second_attempts(db, ballot_id)
        names = dict((await db.execute(select(Member.id, Member.name).where(
            Member.id.in_({a.member_id for a in attempts})))).all()) if attempts else {}  # type: ignore[union-attr]
        done = request.query_params.get("done") or ""
        return ballot_page(
            "ballots/officer.html", request, ballot, status_code=status_code, error=error,
            notice=_(DONE[done]) if done in DONE else None, complaints=await complaints.complaints_of(db, ballot_id),
            attempts=attempts, names=names, objections_open=complaints.objections_open(ballot),
            objections_end=complaints.objections_end(ballot),
            certificate=await db.get(MemberBallotCertificate, ballot_id))

    @get("/{ballot_id:int}/officer")
    async def ballot(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int) -> Template:
        return await self._page(request, db_session, ballot_id)

    async def _act(self, request: Request[Any, Any, Any], db: AsyncSession, ballot_id: int,
                   action: Callable[[], Awaitable[Any]], done: str) -> Template | Redirect:
        return await carry_out(db, action, f"/member-ballots/{ballot_id}/officer?done={done}", lambda exc: self._page(
            request, db, ballot_id, error=str(exc), status_code=exc.status_code))

    @post("/{ballot_id:int}/officer/complaints/{complaint_id:int}")
    async def decide(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int,
                     complaint_id: int) -> Template | Redirect:
        form = await request.form()
        return await self._act(request, db_session, ballot_id, lambda: complaints.decide_complaint(
            db_session, ballot_id, complaint_id, text_of(form, "decision", 12), text_of(form, "response", 4000),
            by=request.scope["user"].id), "decided")

    @post("/{ballot_id:int}/officer/{step:str}")
    async def step(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int, step: str
                   ) -> Template | Redirect:
        """One of the officer's steps on the whole ballot: end the objection period early, or certify."""
        if step not in STEPS:
            raise services.MemberBallotError("No such step for a returning officer.", 404)
        service, done = STEPS[step]
        return await self._act(request, db_session, ballot_id, lambda: service(
            db_session, ballot_id, by=request.scope["user"].id), done)

    @get("/{ballot_id:int}/electorate")
    async def electorate(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int,
                         page: int = 1) -> Template:
        """Everyone on the register, in id order: names and bodies while held, ids always."""
        ballot = await services.get_ballot(db_session, ballot_id)
        total = (await db_session.execute(select(func.count()).select_from(Member).where(
            Member.ballot_id == ballot_id))).scalar_one()
        pages = max(1, -(-total // ELECTORATE_PAGE))
        page = min(max(1, page), pages)
        rows = (await db_session.execute(select(Member).where(Member.ballot_id == ballot_id).order_by(Member.id)
                                         .offset((page - 1) * ELECTORATE_PAGE).limit(ELECTORATE_PAGE))).scalars()
        return ballot_page("ballots/electorate.html", request, ballot, members=list(rows), total=total, page=page,
                           pages=pages)

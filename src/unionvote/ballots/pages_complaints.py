"""A voter's complaint about a member ballot: a plain form (no account, no JavaScript), a reference to come
back with, and the returning officer's decision when there is one."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import public
from unionvote.ballots import complaints, services
from unionvote.ballots.pages_common import ballot_page, text_of
from unionvote.ballots.pages_vote import _limiter
from unionvote.errors import RuleViolation
from unionvote.i18n import _

COMPLAINTS_PER_ADDRESS_PER_MINUTE = 5  # a workplace on one address, not a flood


class MemberComplaintPages(Controller):
    path = "/ballots/{slug:str}/complaints"
    guards = [public]
    include_in_schema = False

    async def _form(self, request: Request[Any, Any, Any], db: AsyncSession, slug: str, status_code: int = 200,
                    error: str | None = None, form: dict[str, str] | None = None) -> Template:
        ballot = await services.ballot_by_slug(db, slug)
        return ballot_page("ballots/complaint.html", request, ballot, status_code=status_code, error=error,
                           form=form or {}, taken=complaints.objections_open(ballot),
                           ends=complaints.objections_end(ballot))

    @get("/")
    async def form(self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str,
                   tracker: str = "") -> Template:
        return await self._form(request, db_session, slug, form={"tracker": tracker[:40]})

    @post("/")
    async def lodge(self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str) -> Template:
        ballot = await services.ballot_by_slug(db_session, slug)
        form = await request.form()
        fields = {name: text_of(form, name, size) for name, size in
                  (("text", 4000), ("tracker", 40), ("membership_number", 40))}
        limiter = _limiter(request, "member_complaint_limiter", COMPLAINTS_PER_ADDRESS_PER_MINUTE)
        client = request.client.host if request.client else "unknown"
        if not await limiter.hit(f"mbcomplaint:{client}"):
            return await self._form(request, db_session, slug, 429, _(
                "Too many complaints from here just now. Wait %(seconds)s seconds and send it again.") % {
                "seconds": limiter.retry_after()}, fields)
        try:
            complaint = await complaints.lodge_complaint(db_session, ballot.id, fields["text"],  # type: ignore[arg-type]
                                                         tracker=fields["tracker"],
                                                         membership_number=fields["membership_number"])
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._form(request, db_session, slug, exc.status_code, str(exc), fields)
        return ballot_page("ballots/complaint_lodged.html", request, ballot, status_code=201, complaint=complaint)

    @get("/{reference:str}")
    async def decision(self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str,
                       reference: str) -> Template:
        ballot = await services.ballot_by_slug(db_session, slug)
        complaint = await complaints.complaint_by_reference(db_session, ballot, reference)
        if complaint is None:
            raise services.MemberBallotError(_("There is no complaint with that reference about this ballot."), 404)
        return ballot_page("ballots/complaint_lodged.html", request, ballot, complaint=complaint)

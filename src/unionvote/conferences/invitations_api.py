"""The invitations and voting-codes API: the same actions as the staff pages, for integrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import Role
from unionvote.auth import requires_conference_role
from unionvote.conferences.credential_exports import codes_csv, deliver, emails_for, invitations_csv
from unionvote.conferences.enrolment_status import enrolment_overview
from unionvote.conferences.invitations import enrolment_link, issue_invitation, issue_invitations
from unionvote.conferences.invitations_pages import NO_SMTP, csv_download
from unionvote.conferences.pages_common import load_conference
from unionvote.conferences.voting_codes import issue_code, issue_codes, shown
from unionvote.config import Settings
from unionvote.csvexport import CSV_MEDIA_TYPE
from unionvote.db import utcnow
from unionvote.errors import RuleViolation


class Selection(msgspec.Struct, forbid_unknown_fields=True):
    """Which delegates: the ids given, or (null) everyone who still needs it."""

    delegate_ids: list[int] | None = None


class EnrolmentOut(msgspec.Struct):
    delegate_id: int
    membership_number: str
    name: str
    role: str
    link_state: str  # enrolled, invited, expired or not_invited
    link_expires_at: datetime | None
    link_emailed_at: datetime | None
    link_email_error: str | None
    voting_code_issued_at: datetime | None
    voting_code_locked_until: datetime | None


class InvitationOut(msgspec.Struct):
    delegate_id: int
    link: str
    expires_at: datetime


class VotingCodeOut(msgspec.Struct):
    delegate_id: int
    membership_number: str
    code: str


class Skipped(msgspec.Struct):
    delegate_id: int
    reason: str


class EmailingOut(msgspec.Struct):
    queued: int
    already_enrolled: int
    skipped: list[Skipped]


class InvitationsApi(Controller):
    path = "/api/v1/conferences/{conference_id:int}"
    guards = [requires_conference_role(Role.STAFF)]
    tags = ["invitations and voting codes"]

    @get("/enrolment", summary="Each delegate's enrolment: account, newest link, voting code")
    async def enrolment(self, db_session: AsyncSession, conference_id: int, q: str = "", page: int = 1,
                        per_page: int = 50) -> list[EnrolmentOut]:
        await load_conference(db_session, conference_id)
        found, now = await enrolment_overview(db_session, conference_id, text=q, page=page, per_page=per_page), utcnow()
        return [EnrolmentOut(r.id, r.membership_number, r.name, r.role, r.link_state(now), r.link_expires_at,
                             r.link_emailed_at, r.link_email_error, r.code_issued_at, r.code_locked_until)
                for r in found.rows]

    @post("/delegates/{delegate_id:int}/invitation", summary="Issue a delegate's enrolment link (ends the old one)")
    async def invite(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                     delegate_id: int) -> InvitationOut:
        settings: Settings = request.app.state.settings
        issued = await issue_invitation(db_session, conference_id, delegate_id, settings=settings,
                                        by=request.scope["user"].id)
        return InvitationOut(delegate_id, enrolment_link(settings, issued.token), issued.invitation.expires_at)

    @post("/invitations/export", status_code=200, media_type=CSV_MEDIA_TYPE,
          summary="Fresh enrolment links for a mail merge (CSV), for delegates not yet enrolled")
    async def export_links(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                           data: Selection) -> Response[bytes]:
        conference = await load_conference(db_session, conference_id)
        bulk = await issue_invitations(db_session, conference_id, data.delegate_ids,
                                       settings=request.app.state.settings, by=request.scope["user"].id,
                                       purpose="export")
        return csv_download(invitations_csv(request.app.state.settings, bulk), conference, "enrolment-links")

    @post("/invitations/email", status_code=202,
          summary="Email fresh enrolment links to delegates not yet enrolled (when SMTP is set up)")
    async def email_links(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                          data: Selection) -> Response[EmailingOut]:
        settings: Settings = request.app.state.settings
        if not settings.smtp_configured:
            raise RuleViolation(NO_SMTP, 409)
        conference = await load_conference(db_session, conference_id)
        me = request.scope["user"].id
        bulk = await issue_invitations(db_session, conference_id, data.delegate_ids, settings=settings, by=me,
                                       purpose="email")
        body = EmailingOut(len(bulk.issued), bulk.already_enrolled,
                           [Skipped(d.id, reason) for d, reason in bulk.skipped])  # type: ignore[arg-type]
        emails = await emails_for(db_session, settings, conference, bulk)
        return Response(body, status_code=202, background=BackgroundTask(
            deliver, request.app.state.session_factory, settings, conference_id, me, emails))

    @post("/delegates/{delegate_id:int}/voting-code", summary="Issue a delegate's voting code (ends the old one)")
    async def voting_code(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                          delegate_id: int) -> VotingCodeOut:
        delegate, code = await issue_code(db_session, conference_id, delegate_id,
                                          settings=request.app.state.settings, by=request.scope["user"].id)
        return VotingCodeOut(delegate_id, delegate.membership_number, shown(code))

    @post("/voting-codes/export", status_code=200, media_type=CSV_MEDIA_TYPE,
          summary="Voting codes for printing or texting (CSV): the ids given, or everyone without a code")
    async def export_codes(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                           data: Selection) -> Response[bytes]:
        conference = await load_conference(db_session, conference_id)
        issued = await issue_codes(db_session, conference_id, data.delegate_ids,
                                   settings=request.app.state.settings, by=request.scope["user"].id)
        return csv_download(codes_csv(issued), conference, "voting-codes")

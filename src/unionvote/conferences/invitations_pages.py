"""Staff pages for getting delegates in: enrolment links (one, a mail-merge file, or by email) and voting codes.

Links and codes are shown or downloaded once, right after they are made; only hashes are kept.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import Role
from unionvote.auth import requires_conference_role
from unionvote.conferences.credential_exports import codes_csv, deliver, emails_for, invitations_csv
from unionvote.conferences.enrolment_status import LINK_WORDS, enrolment_overview
from unionvote.conferences.invitations import enrolment_link, issue_invitation, issue_invitations
from unionvote.conferences.models import Conference
from unionvote.conferences.pages_common import conference_page, load_conference, whole_number
from unionvote.conferences.voting_codes import issue_code, issue_codes, shown
from unionvote.config import Settings
from unionvote.csvexport import CSV_MEDIA_TYPE, attachment_headers
from unionvote.db import utcnow
from unionvote.errors import RuleViolation
from unionvote.web import see_other

NO_SMTP = ("Sending email is not set up on this server (UNIONVOTE_SMTP_HOST). "
           "Download the links for a mail merge instead.")


async def chosen_delegates(request: Request[Any, Any, Any]) -> list[int] | None:
    """The form's choice: None for everyone, or the ids of the ticked delegates."""
    form = await request.form()
    who = form.get("who", "")
    if who == "everyone":
        return None
    if who != "ticked":
        raise RuleViolation("Choose who this is for: everyone, or only the delegates you ticked.")
    ids = [whole_number(str(raw)) for raw in form.getall("delegate", [])]
    if None in ids:
        raise RuleViolation("The list of ticked delegates was not understood. Reload the page and try again.")
    return ids  # type: ignore[return-value]


def code_login_url(settings: Settings, conference: Conference) -> str:
    return f"{settings.public_url}/conferences/{conference.slug}/code-login"


def csv_download(data: bytes, conference: Conference, what: str) -> Response[bytes]:
    return Response(data, status_code=200, media_type=CSV_MEDIA_TYPE,
                    headers=attachment_headers(f"{conference.slug}-{what}.csv"))


class InvitationPages(Controller):
    path = "/conferences/{conference_id:int}"
    guards = [requires_conference_role(Role.STAFF)]
    include_in_schema = False

    @get("/invitations")
    async def overview(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                       ) -> Template:
        conference = await load_conference(db_session, conference_id)
        text = request.query_params.get("q", "")
        number = whole_number(request.query_params.get("page", "")) or 1
        try:
            found, error = await enrolment_overview(db_session, conference_id, text=text, page=number), None
        except RuleViolation as exc:
            found, error = await enrolment_overview(db_session, conference_id), str(exc)
        settings: Settings = request.app.state.settings
        return conference_page("conferences/invitations.html", request, conference, status_code=400 if error else 200,
                               found=found, q=text, error=error, now=utcnow(), link_words=LINK_WORDS,
                               can_email=settings.smtp_configured, code_login_url=code_login_url(settings, conference))

    @post("/invitations/{delegate_id:int}/issue", status_code=200)
    async def issue_one(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                        delegate_id: int) -> Template:
        settings: Settings = request.app.state.settings
        issued = await issue_invitation(db_session, conference_id, delegate_id, settings=settings,
                                        by=request.scope["user"].id)
        return conference_page("conferences/invitation_issued.html", request,
                               await load_conference(db_session, conference_id), delegate=issued.delegate,
                               link=enrolment_link(settings, issued.token), expires_at=issued.invitation.expires_at)

    @post("/invitations/export", status_code=200)
    async def export_links(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                           ) -> Response[bytes] | Redirect:
        conference = await load_conference(db_session, conference_id)
        bulk = await issue_invitations(db_session, conference_id, await chosen_delegates(request),
                                       settings=request.app.state.settings, by=request.scope["user"].id,
                                       purpose="export")
        if not bulk.issued:
            return see_other(f"/conferences/{conference_id}/invitations?done=no-links-needed")
        return csv_download(invitations_csv(request.app.state.settings, bulk), conference, "enrolment-links")

    @post("/invitations/email")
    async def email_links(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                          ) -> Redirect:
        settings: Settings = request.app.state.settings
        if not settings.smtp_configured:
            raise RuleViolation(NO_SMTP, 409)
        conference = await load_conference(db_session, conference_id)
        me = request.scope["user"].id
        bulk = await issue_invitations(db_session, conference_id, await chosen_delegates(request),
                                       settings=settings, by=me, purpose="email")
        if not bulk.issued:
            return see_other(f"/conferences/{conference_id}/invitations?done=no-links-needed")
        emails = await emails_for(db_session, settings, conference, bulk)
        return Redirect(path=f"/conferences/{conference_id}/invitations?done=links-emailing", status_code=303,
                        background=BackgroundTask(deliver, request.app.state.session_factory, settings,
                                                  conference_id, me, emails))

    @post("/voting-codes/{delegate_id:int}/issue", status_code=200)
    async def code_one(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                       delegate_id: int) -> Template:
        delegate, code = await issue_code(db_session, conference_id, delegate_id,
                                          settings=request.app.state.settings, by=request.scope["user"].id)
        conference = await load_conference(db_session, conference_id)
        return conference_page("conferences/voting_code_issued.html", request, conference, delegate=delegate,
                               code=shown(code), code_login_url=code_login_url(request.app.state.settings, conference))

    @post("/voting-codes/export", status_code=200)
    async def export_codes(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                           ) -> Response[bytes] | Redirect:
        conference = await load_conference(db_session, conference_id)
        issued = await issue_codes(db_session, conference_id, await chosen_delegates(request),
                                   settings=request.app.state.settings, by=request.scope["user"].id)
        if not issued:
            return see_other(f"/conferences/{conference_id}/invitations?done=no-codes-needed")
        return csv_download(codes_csv(issued), conference, "voting-codes")

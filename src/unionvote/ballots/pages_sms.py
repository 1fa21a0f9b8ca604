"""Text reminders: an administrator starts a named run; the SMS provider reports receipts and replies.

The provider's callbacks carry no session or CSRF token: they are checked by the provider's
signature over the URL and fields instead (ballots.sms.signature_ok).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import public, requires_admin
from unionvote.ballots import services
from unionvote.ballots.credentials import _check_issuable
from unionvote.ballots.pages_common import text_of
from unionvote.ballots.sms import gateway_from_environment, note_receipt, note_reply, send_reminders, signature_ok

NO_GATEWAY = ("Texting is not set up on this server: set UNIONVOTE_TWILIO_ACCOUNT_SID, UNIONVOTE_TWILIO_AUTH_TOKEN "
              "and UNIONVOTE_TWILIO_FROM (docs/deployment.md).")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class TextReminderPages(Controller):
    path = "/member-ballots/{ballot_id:int}"
    guards = [requires_admin]
    include_in_schema = False

    @post("/reminders/text")
    async def start(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int) -> Redirect:
        settings = request.app.state.settings
        gateway = gateway_from_environment(settings.public_url)
        if gateway is None:
            raise services.MemberBallotError(NO_GATEWAY, 409)
        _check_issuable(await services.get_ballot(db_session, ballot_id))
        run = text_of(await request.form(), "run", 64) or "reminders"
        return Redirect(path=f"/member-ballots/{ballot_id}?done=texting", status_code=303, background=BackgroundTask(
            send_reminders, request.app.state.session_factory, gateway, ballot_id, run, public_url=settings.public_url,
            by=request.scope["user"].id))


async def _signed_fields(request: Request[Any, Any, Any]) -> dict[str, str]:
    gateway = gateway_from_environment(request.app.state.settings.public_url)
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    url = request.app.state.settings.public_url + request.url.path
    if gateway is None or not signature_ok(gateway.auth_token, url, fields,
                                           request.headers.get("x-twilio-signature", "")):
        raise PermissionDeniedException("This request is not signed by the SMS provider.")
    return fields


class SmsProviderCallbacks(Controller):
    path = "/sms/twilio"
    guards = [public]
    include_in_schema = False
    opt = {"exclude_from_csrf": True}

    @post("/status", status_code=204)
    async def status(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> None:
        await note_receipt(db_session, await _signed_fields(request))

    @post("/inbound")
    async def inbound(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Response[str]:
        await note_reply(db_session, await _signed_fields(request))
        return Response(EMPTY_TWIML, media_type="application/xml")

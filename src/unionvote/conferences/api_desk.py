"""Accreditation desk API for conference staff: accredit, revoke, reinstate, substitute, check in and out.

Each answer is the delegate as they now stand. Revoking ends the delegate's login sessions.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences import accreditation, attendance, lookup
from unionvote.conferences.access import conference_staff
from unionvote.conferences.api_register import delegate_now
from unionvote.conferences.api_setup import CONFERENCE_API
from unionvote.conferences.quorum_panel import quorum_changed
from unionvote.conferences.schemas import Accreditation, DelegateOut, PresenceOut, Reason, SubstitutionIn

DELEGATE = "/delegates/{delegate_id:int}"


class DeskApi(Controller):
    path = CONFERENCE_API
    tags = ["accreditation"]
    guards = [conference_staff]

    @post(DELEGATE + "/accredit", status_code=200, summary="Accredit, with a note of how identity was checked")
    async def accredit(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                       delegate_id: int, data: Accreditation) -> DelegateOut:
        await lookup.ensure_delegate_in(db_session, conference_id, delegate_id)
        await accreditation.accredit(db_session, delegate_id, note=data.note, by=request.scope["user"].id)
        quorum_changed(request, db_session, conference_id)
        return await delegate_now(db_session, conference_id, delegate_id)

    @post(DELEGATE + "/revoke", status_code=200,
          summary="Revoke an accreditation, with the reason: checks them out and ends their logins")
    async def revoke(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                     delegate_id: int, data: Reason) -> DelegateOut:
        await lookup.ensure_delegate_in(db_session, conference_id, delegate_id)
        user_id = await accreditation.revoke(db_session, delegate_id, reason=data.reason, by=request.scope["user"].id)
        quorum_changed(request, db_session, conference_id)
        if user_id is not None:
            await request.app.state.session_store.delete_for_user(user_id, db=db_session)
        return await delegate_now(db_session, conference_id, delegate_id)

    @post(DELEGATE + "/reinstate", status_code=200, summary="Reinstate a revoked accreditation, with the reason")
    async def reinstate(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                        delegate_id: int, data: Reason) -> DelegateOut:
        await lookup.ensure_delegate_in(db_session, conference_id, delegate_id)
        await accreditation.reinstate(db_session, delegate_id, reason=data.reason, by=request.scope["user"].id)
        quorum_changed(request, db_session, conference_id)
        return await delegate_now(db_session, conference_id, delegate_id)

    @post(DELEGATE + "/substitute", status_code=200,
          summary="Pass this delegate's credential to an accredited substitute of the same body")
    async def substitute(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                         delegate_id: int, data: SubstitutionIn) -> DelegateOut:
        await lookup.ensure_delegate_in(db_session, conference_id, delegate_id)
        await lookup.ensure_delegate_in(db_session, conference_id, data.substitute_id)
        await accreditation.substitute(db_session, absent_id=delegate_id, substitute_id=data.substitute_id,
                                       reason=data.reason, by=request.scope["user"].id)
        quorum_changed(request, db_session, conference_id)
        return await delegate_now(db_session, conference_id, delegate_id)

    @post(DELEGATE + "/check-in", status_code=200, summary="Check a delegate in to the session open now")
    async def check_in(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                       delegate_id: int) -> PresenceOut:
        await lookup.ensure_delegate_in(db_session, conference_id, delegate_id)
        session = await attendance.check_in_now(db_session, conference_id, delegate_id, by=request.scope["user"].id)
        quorum_changed(request, db_session, conference_id)
        return PresenceOut(delegate_id=delegate_id, business_session_id=session.id,  # type: ignore[arg-type]
                           business_session=session.name, checked_in=True)

    @post(DELEGATE + "/check-out", status_code=200, summary="Check a delegate out of the session open now")
    async def check_out(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                        delegate_id: int) -> PresenceOut:
        await lookup.ensure_delegate_in(db_session, conference_id, delegate_id)
        session, _ = await attendance.check_out_now(db_session, conference_id, delegate_id,
                                                    by=request.scope["user"].id)
        quorum_changed(request, db_session, conference_id)
        return PresenceOut(delegate_id=delegate_id, business_session_id=session.id,  # type: ignore[arg-type]
                           business_session=session.name, checked_in=False)

"""Presence API: my own status and check-in, the quorum, and who may vote now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences import attendance, lookup
from unionvote.conferences.access import anyone_in_conference, electorate_readers, quorum_readers
from unionvote.conferences.api_setup import CONFERENCE_API
from unionvote.conferences.eligibility import eligible_voters
from unionvote.conferences.pages_common import load_conference
from unionvote.conferences.quorum import quorum
from unionvote.conferences.quorum_panel import quorum_changed
from unionvote.conferences.schemas import MyStatusOut, PresenceOut, QuorumOut, VoterOut, quorum_out, voter_out
from unionvote.conferences.services import ConferenceError
from unionvote.db import utcnow


class AttendanceApi(Controller):
    path = CONFERENCE_API
    tags = ["presence"]

    @get("/me", guards=[anyone_in_conference], summary="My place in the conference: accreditation and check-in")
    async def me(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int) -> MyStatusOut:
        await load_conference(db_session, conference_id)
        s = await lookup.standing_of(db_session, conference_id, request.scope["user"].id, utcnow())
        if s.delegate is None:
            return MyStatusOut(on_register=False, business_session_id=s.session.id if s.session else None,
                               business_session=s.session.name if s.session else None)
        return MyStatusOut(on_register=True, delegate_id=s.delegate.id, status=s.delegate.status,
                           status_text=lookup.STATUS_WORDS[s.delegate.status],  # type: ignore[index]
                           business_session_id=s.session.id if s.session else None,
                           business_session=s.session.name if s.session else None, checked_in=s.checked_in)

    @post("/me/check-in", guards=[anyone_in_conference], status_code=200,
          summary="Check myself in to the session open now (accredited delegates)")
    async def check_in(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                       ) -> PresenceOut:
        user_id = request.scope["user"].id
        delegate_id = await attendance.own_delegate_id(db_session, conference_id, user_id)
        session = await attendance.check_in_now(db_session, conference_id, delegate_id, by=user_id)
        quorum_changed(request, db_session, conference_id)
        return PresenceOut(delegate_id=delegate_id, business_session_id=session.id,  # type: ignore[arg-type]
                           business_session=session.name, checked_in=True)

    @post("/me/check-out", guards=[anyone_in_conference], status_code=200,
          summary="Check myself out of the session open now")
    async def check_out(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                        ) -> PresenceOut:
        user_id = request.scope["user"].id
        delegate_id = await attendance.own_delegate_id(db_session, conference_id, user_id)
        session, _ = await attendance.check_out_now(db_session, conference_id, delegate_id, by=user_id)
        quorum_changed(request, db_session, conference_id)
        return PresenceOut(delegate_id=delegate_id, business_session_id=session.id,  # type: ignore[arg-type]
                           business_session=session.name, checked_in=False)

    @get("/quorum", guards=[quorum_readers], summary="Is the conference quorate now? The rule, the counts")
    async def quorum(self, db_session: AsyncSession, conference_id: int) -> QuorumOut:
        return quorum_out(await quorum(db_session, conference_id))

    @get("/eligible-voters", guards=[electorate_readers],
         summary="Who may vote at a moment (now by default), with exact weights",
         description="Accredited delegates, and substitutes holding a credential, checked in to the session "
                     "running at `at`. With card_vote=true each weight is the body's membership (block mode: "
                     "all to the lead delegate; split mode: shared equally, as an exact fraction).")
    async def eligible(self, db_session: AsyncSession, conference_id: int, card_vote: bool = False,
                       at: datetime | None = None) -> list[VoterOut]:
        if at is not None and at.tzinfo is None:
            raise ConferenceError("Give 'at' with a time zone, such as 2027-05-14T10:00:00Z.")
        return [voter_out(v) for v in await eligible_voters(db_session, conference_id, at, card_vote=card_vote)]

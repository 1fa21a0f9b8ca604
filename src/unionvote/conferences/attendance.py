"""Checking in and out 'now': the session open for check-in, and a delegate's own register entry.

presence.py holds the rules for one named session; the desk, the delegate's own page
and the API all mean "the session open now", which is decided here.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences import lookup, presence
from unionvote.conferences.models import BusinessSession
from unionvote.conferences.services import ConferenceError
from unionvote.db import utcnow
from unionvote.i18n import _


async def open_session(db: AsyncSession, conference_id: int) -> BusinessSession:
    session = await lookup.session_for_check_in(db, conference_id, utcnow())
    if session is None:
        raise ConferenceError(_("No session is open for check-in now. Check-in opens an hour before a session "
                                "starts."), 409)
    return session


async def own_delegate_id(db: AsyncSession, conference_id: int, user_id: int) -> int:
    delegate_id = await lookup.delegate_id_for_user(db, conference_id, user_id)
    if delegate_id is None:
        raise ConferenceError(_("You are not on the delegate register of this conference. If you should be, "
                                "ask at the accreditation desk."), 409)
    return delegate_id


async def check_in_now(db: AsyncSession, conference_id: int, delegate_id: int, *, by: int | None
                       ) -> BusinessSession:
    session = await open_session(db, conference_id)
    await presence.check_in(db, delegate_id, session.id, by=by)  # type: ignore[arg-type]
    return session


async def check_out_now(db: AsyncSession, conference_id: int, delegate_id: int, *, by: int | None
                        ) -> tuple[BusinessSession, bool]:
    """(the session, whether they had been checked in to it)."""
    session = await open_session(db, conference_id)
    closed = await presence.check_out(db, delegate_id, session.id, by=by)  # type: ignore[arg-type]
    return session, closed is not None

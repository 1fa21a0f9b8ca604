"""Business sessions and presence: delegates check in and out of each session.

Delegates check themselves in, or staff do it for them; both are audited, with a flag
saying which. Checking in twice, or out when already out, changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.services import actor_of, record, scope_of
from unionvote.conferences.models import BusinessSession, Conference
from unionvote.conferences.register import AccreditationStatus, Delegate, Presence
from unionvote.conferences.services import ConferenceError
from unionvote.db import locked, utcnow
from unionvote.i18n import N_, _

NOT_CHECKED_IN = {
    AccreditationStatus.NOT_ACCREDITED: N_("%(name)s is not accredited yet: the accreditation desk checks identity "
                                           "first."),
    AccreditationStatus.REVOKED: N_("%(name)s's accreditation has been revoked, so they cannot check in."),
    AccreditationStatus.SUBSTITUTED: N_("%(name)s's credential has passed to a substitute, so they cannot check in."),
}


async def add_business_session(db: AsyncSession, conference_id: int, *, name: str, starts_at: datetime,
                               ends_at: datetime, by: int | None) -> BusinessSession:
    name = name.strip()
    if not name or len(name) > 200:
        raise ConferenceError(_("Give the session a name of up to 200 characters, such as 'Tuesday morning'."))
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ConferenceError(_("Session times need a time zone."))
    if ends_at <= starts_at:
        raise ConferenceError(_("A session must end after it starts."))
    if (await locked(db, select(Conference.id).where(Conference.id == conference_id))).first() is None:
        raise ConferenceError(_("No such conference."), 404)
    clash = (await db.execute(select(BusinessSession.name).where(
        BusinessSession.conference_id == conference_id, BusinessSession.starts_at < ends_at,
        BusinessSession.ends_at > starts_at).limit(1))).scalar_one_or_none()
    if clash is not None:
        raise ConferenceError(_("That overlaps the session '%(name)s': sessions of a conference cannot overlap.")
                              % {"name": clash}, 409)
    session = BusinessSession(conference_id=conference_id, name=name, starts_at=starts_at, ends_at=ends_at)
    db.add(session)
    await db.flush()
    await record(db, scope=scope_of("conference", conference_id), actor=actor_of(by), action="session.added",
                 payload={"business_session_id": session.id})
    return session


async def business_sessions(db: AsyncSession, conference_id: int) -> list[BusinessSession]:
    return list((await db.execute(select(BusinessSession).where(BusinessSession.conference_id == conference_id)
                                  .order_by(BusinessSession.starts_at))).scalars())


async def _delegate_and_session(db: AsyncSession, delegate_id: int, session_id: int
                                ) -> tuple[Delegate, BusinessSession]:
    delegate = (await locked(db, select(Delegate).where(Delegate.id == delegate_id))).scalar_one_or_none()
    session = await db.get(BusinessSession, session_id)
    if delegate is None:
        raise ConferenceError(_("No such delegate."), 404)
    if session is None or session.conference_id != delegate.conference_id:
        raise ConferenceError(_("No such session in this delegate's conference."), 404)
    return delegate, session


async def _open_presence(db: AsyncSession, delegate_id: int, session_id: int) -> Presence | None:
    return (await db.execute(select(Presence).where(
        Presence.delegate_id == delegate_id, Presence.business_session_id == session_id,
        Presence.checked_out_at.is_(None)))).scalar_one_or_none()


async def check_in(db: AsyncSession, delegate_id: int, business_session_id: int, *, by: int | None) -> Presence:
    delegate, session = await _delegate_and_session(db, delegate_id, business_session_id)
    if delegate.status != AccreditationStatus.ACCREDITED:
        raise ConferenceError(_(NOT_CHECKED_IN[AccreditationStatus(delegate.status)]) % {"name": delegate.name}, 409)
    now = utcnow()
    if session.ends_at <= now:
        raise ConferenceError(_("The session '%(name)s' has ended.") % {"name": session.name}, 409)
    presence = await _open_presence(db, delegate_id, business_session_id)
    if presence is not None:
        return presence
    presence = Presence(delegate_id=delegate_id, business_session_id=business_session_id, checked_in_at=now,
                        checked_in_by=by)
    db.add(presence)
    await db.flush()
    await record(db, scope=scope_of("conference", delegate.conference_id), actor=actor_of(by),
                 action="presence.checked_in",
                 payload={"delegate_id": delegate_id, "business_session_id": business_session_id,
                          "presence_id": presence.id, "self": by is not None and by == delegate.user_id})
    return presence


async def check_out(db: AsyncSession, delegate_id: int, business_session_id: int, *, by: int | None
                    ) -> Presence | None:
    """Returns the stretch of presence just closed, or None if they were not checked in."""
    delegate, _ = await _delegate_and_session(db, delegate_id, business_session_id)
    presence = await _open_presence(db, delegate_id, business_session_id)
    if presence is None:
        return None
    presence.checked_out_at, presence.checked_out_by = utcnow(), by
    await db.flush()
    await record(db, scope=scope_of("conference", delegate.conference_id), actor=actor_of(by),
                 action="presence.checked_out",
                 payload={"delegate_id": delegate_id, "business_session_id": business_session_id,
                          "presence_id": presence.id, "self": by is not None and by == delegate.user_id})
    return presence


async def check_out_everywhere(db: AsyncSession, delegate_id: int, *, by: int | None) -> int:
    """Close every open presence of a delegate who can no longer vote; returns how many."""
    result = await db.execute(update(Presence).where(Presence.delegate_id == delegate_id,
                                                     Presence.checked_out_at.is_(None))
                              .values(checked_out_at=utcnow(), checked_out_by=by))
    return result.rowcount or 0


async def present_in(db: AsyncSession, business_session_id: int) -> list[int]:
    """Ids of the delegates checked in to a session now: one indexed query."""
    return list((await db.execute(select(Presence.delegate_id).where(
        Presence.business_session_id == business_session_id, Presence.checked_out_at.is_(None))
        .order_by(Presence.delegate_id))).scalars())

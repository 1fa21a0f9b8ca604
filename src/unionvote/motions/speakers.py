"""The speakers list of an agenda item: delegates ask to speak for, against or on a point of order;
the chair calls them. Points of order come first; otherwise first asked, first called."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences import lookup
from unionvote.conferences.register import AccreditationStatus, DelegateRole
from unionvote.db import locked, utcnow
from unionvote.i18n import N_, _
from unionvote.motions.agenda import item_in
from unionvote.motions.common import MotionError, audit, body_names
from unionvote.motions.models import SpeakerRequest, SpeakerStance, SpeakerState

STANCE_WORDS = {SpeakerStance.FOR: N_("For"), SpeakerStance.AGAINST: N_("Against"),
                SpeakerStance.POINT_OF_ORDER: N_("Point of order")}


async def ask_to_speak(db: AsyncSession, conference_id: int, item_id: int, *, user_id: int, stance: str
                       ) -> SpeakerRequest:
    if stance not in set(SpeakerStance):
        raise MotionError(_("Choose whether you want to speak for, against, or on a point of order."))
    await item_in(db, conference_id, item_id)
    delegate = await lookup.delegate_for_user(db, conference_id, user_id)
    if delegate is None or delegate.role not in (DelegateRole.DELEGATE, DelegateRole.SUBSTITUTE):
        raise MotionError(_("Only delegates on the register can ask to speak."), 403)
    if delegate.status != AccreditationStatus.ACCREDITED:
        raise MotionError(_("You need to be accredited before you can ask to speak. Go to the accreditation desk."),
                          409)
    waiting = (await locked(db, select(SpeakerRequest).where(
        SpeakerRequest.agenda_item_id == item_id, SpeakerRequest.delegate_id == delegate.id,
        SpeakerRequest.state == SpeakerState.WAITING))).scalar_one_or_none()
    if waiting is not None:
        raise MotionError(_("You are already on the speakers list for this item. Withdraw first to change why."), 409)
    last = (await db.execute(select(func.max(SpeakerRequest.position)).where(
        SpeakerRequest.agenda_item_id == item_id))).scalar_one_or_none() or 0
    request = SpeakerRequest(agenda_item_id=item_id, delegate_id=delegate.id, stance=stance,  # type: ignore[arg-type]
                             position=last + 1)
    db.add(request)
    await db.flush()
    await audit(db, conference_id, user_id, "speaker.requested", request_id=request.id, item_id=item_id,
                delegate_id=delegate.id, stance=stance)
    return request


async def _request_in(db: AsyncSession, conference_id: int, request_id: int) -> SpeakerRequest:
    request = (await locked(db, select(SpeakerRequest).where(SpeakerRequest.id == request_id))).scalar_one_or_none()
    if request is None:
        raise MotionError(_("There is no such request to speak."), 404)
    await item_in(db, conference_id, request.agenda_item_id)
    return request


async def withdraw_request(db: AsyncSession, conference_id: int, request_id: int, *, user_id: int) -> None:
    request = await _request_in(db, conference_id, request_id)
    mine = await lookup.delegate_id_for_user(db, conference_id, user_id)
    if request.delegate_id != mine:
        raise MotionError(_("You can only withdraw your own request to speak."), 403)
    if request.state != SpeakerState.WAITING:
        raise MotionError(_("You have been called already, so there is nothing to withdraw."), 409)
    request.state = SpeakerState.WITHDRAWN
    await audit(db, conference_id, user_id, "speaker.withdrawn", request_id=request_id)


async def call_speaker(db: AsyncSession, conference_id: int, request_id: int, *, by: int) -> None:
    """The chair calls a speaker; whoever was speaking before has finished."""
    request = await _request_in(db, conference_id, request_id)
    if request.state != SpeakerState.WAITING:
        raise MotionError(_("That delegate is not waiting to speak."), 409)
    now = utcnow()
    for speaking in (await db.execute(select(SpeakerRequest).where(
            SpeakerRequest.agenda_item_id == request.agenda_item_id,
            SpeakerRequest.state == SpeakerState.CALLED))).scalars():
        speaking.state, speaking.finished_at = SpeakerState.DONE, now
    request.state, request.called_at = SpeakerState.CALLED, now
    await audit(db, conference_id, by, "speaker.called", request_id=request_id, item_id=request.agenda_item_id)


@dataclass(frozen=True)
class SpeakerRow:
    id: int
    delegate_id: int
    name: str
    body: str
    stance: str
    state: str
    called_at: datetime | None = None


async def speakers_list(db: AsyncSession, conference_id: int, item_id: int) -> list[SpeakerRow]:
    """Who is speaking and who waits, in the order they will be called."""
    points_first = case((SpeakerRequest.stance == SpeakerStance.POINT_OF_ORDER, 0), else_=1)
    rows = list((await db.execute(select(SpeakerRequest).where(
        SpeakerRequest.agenda_item_id == item_id,
        SpeakerRequest.state.in_([SpeakerState.WAITING, SpeakerState.CALLED]))
        .order_by(case((SpeakerRequest.state == SpeakerState.CALLED, 0), else_=1), points_first,
                  SpeakerRequest.position, SpeakerRequest.requested_at, SpeakerRequest.id))).scalars())
    bodies = await body_names(db, conference_id)
    out = []
    for row in rows:
        delegate = await lookup.delegate_in(db, conference_id, row.delegate_id)
        out.append(SpeakerRow(row.id, row.delegate_id, delegate.name, bodies.get(delegate.body_id, "")  # type: ignore[arg-type]
                              if delegate.body_id else "", row.stance, row.state, row.called_at))  # type: ignore[arg-type]
    return out


async def call_next(db: AsyncSession, conference_id: int, item_id: int, *, by: int) -> None:
    waiting = [row for row in await speakers_list(db, conference_id, item_id) if row.state == SpeakerState.WAITING]
    if not waiting:
        raise MotionError(_("Nobody is waiting to speak on this item."), 409)
    await call_speaker(db, conference_id, waiting[0].id, by=by)


async def finish_speech(db: AsyncSession, conference_id: int, item_id: int, *, by: int) -> None:
    """The speaker now has finished (the chair's 'thank you'), without calling anyone else."""
    await item_in(db, conference_id, item_id)
    speaking = (await locked(db, select(SpeakerRequest).where(SpeakerRequest.agenda_item_id == item_id,
                                                              SpeakerRequest.state == SpeakerState.CALLED))
                ).scalars().all()
    if not speaking:
        raise MotionError(_("Nobody is speaking now."), 409)
    for row in speaking:
        row.state, row.finished_at = SpeakerState.DONE, utcnow()
        await audit(db, conference_id, by, "speaker.finished", request_id=row.id, item_id=item_id)


async def remove_request(db: AsyncSession, conference_id: int, request_id: int, *, by: int) -> None:
    """The chair takes a request off the list (a duplicate, a delegate who has left the hall)."""
    request = await _request_in(db, conference_id, request_id)
    if request.state != SpeakerState.WAITING:
        raise MotionError(_("Only a delegate who is waiting can be taken off the list."), 409)
    request.state = SpeakerState.REMOVED
    await audit(db, conference_id, by, "speaker.removed", request_id=request_id, item_id=request.agenda_item_id)


async def move_request(db: AsyncSession, conference_id: int, request_id: int, *, direction: str, by: int) -> None:
    """The chair moves a waiting speaker one place up or down (points of order stay first, among themselves)."""
    if direction not in ("up", "down"):
        raise MotionError(_("Move a speaker up or down."))
    request = await _request_in(db, conference_id, request_id)
    if request.state != SpeakerState.WAITING:
        raise MotionError(_("Only a delegate who is waiting can be moved."), 409)
    rows = [r for r in await speakers_list(db, conference_id, request.agenda_item_id)
            if r.state == SpeakerState.WAITING
            and (r.stance == SpeakerStance.POINT_OF_ORDER) == (request.stance == SpeakerStance.POINT_OF_ORDER)]
    ids = [r.id for r in rows]
    at = ids.index(request_id)
    to = at - 1 if direction == "up" else at + 1
    if not 0 <= to < len(ids):
        raise MotionError(_("That speaker is already first in the list.") if direction == "up"
                          else _("That speaker is already last in the list."), 409)
    ids[at], ids[to] = ids[to], ids[at]
    for position, ident in enumerate(ids, start=1):
        row = await db.get(SpeakerRequest, ident)
        assert row is not None
        row.position = position
    await audit(db, conference_id, by, "speaker.moved", request_id=request_id, item_id=request.agenda_item_id,
                direction=direction)


MAX_LIMIT = 4 * 3600


async def set_time_limits(db: AsyncSession, conference_id: int, item_id: int, *, speech_seconds: int | None,
                          item_seconds: int | None, by: int) -> None:
    """The chair's limits: each speech (for the conference), and all speeches in this item together."""
    from unionvote.motions.common import settings_of

    for value, what in ((speech_seconds, "A speech"), (item_seconds, "The item's speaking time")):
        if value is not None and not 10 <= value <= MAX_LIMIT:
            raise MotionError(f"{what} can be limited to between 10 seconds and 4 hours.")
    item = await item_in(db, conference_id, item_id)
    settings = await settings_of(db, conference_id, lock=True)
    settings.speech_seconds, item.speaking_seconds = speech_seconds, item_seconds
    await audit(db, conference_id, by, "speakers.time_limits", item_id=item_id, speech_seconds=speech_seconds,
                item_seconds=item_seconds)


async def time_spoken(db: AsyncSession, item_id: int, now: datetime) -> int:
    """Seconds spoken in this item so far: every finished speech, and the one going on now."""
    total = 0
    for called, finished in (await db.execute(select(SpeakerRequest.called_at, SpeakerRequest.finished_at).where(
            SpeakerRequest.agenda_item_id == item_id, SpeakerRequest.called_at.is_not(None)))).all():
        total += max(0, int(((finished or now) - called).total_seconds()))
    return total

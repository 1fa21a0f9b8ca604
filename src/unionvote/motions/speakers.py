"""The speakers list of an agenda item: delegates ask to speak for, against or on a point of order;
the chair calls them. Points of order come first; otherwise first asked, first called."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences import lookup
from unionvote.conferences.register import AccreditationStatus, DelegateRole
from unionvote.db import locked, utcnow
from unionvote.motions.agenda import item_in
from unionvote.motions.common import MotionError, audit, body_names
from unionvote.motions.models import SpeakerRequest, SpeakerStance, SpeakerState

STANCE_WORDS = {SpeakerStance.FOR: "For", SpeakerStance.AGAINST: "Against",
                SpeakerStance.POINT_OF_ORDER: "Point of order"}


async def ask_to_speak(db: AsyncSession, conference_id: int, item_id: int, *, user_id: int, stance: str
                       ) -> SpeakerRequest:
    if stance not in set(SpeakerStance):
        raise MotionError("Choose whether you want to speak for, against, or on a point of order.")
    await item_in(db, conference_id, item_id)
    delegate = await lookup.delegate_for_user(db, conference_id, user_id)
    if delegate is None or delegate.role not in (DelegateRole.DELEGATE, DelegateRole.SUBSTITUTE):
        raise MotionError("Only delegates on the register can ask to speak.", 403)
    if delegate.status != AccreditationStatus.ACCREDITED:
        raise MotionError("You need to be accredited before you can ask to speak. Go to the accreditation desk.",
                          409)
    waiting = (await locked(db, select(SpeakerRequest).where(
        SpeakerRequest.agenda_item_id == item_id, SpeakerRequest.delegate_id == delegate.id,
        SpeakerRequest.state == SpeakerState.WAITING))).scalar_one_or_none()
    if waiting is not None:
        raise MotionError("You are already on the speakers list for this item. Withdraw first to change why.", 409)
    request = SpeakerRequest(agenda_item_id=item_id, delegate_id=delegate.id, stance=stance)  # type: ignore[arg-type]
    db.add(request)
    await db.flush()
    await audit(db, conference_id, user_id, "speaker.requested", request_id=request.id, item_id=item_id,
                delegate_id=delegate.id, stance=stance)
    return request


async def _request_in(db: AsyncSession, conference_id: int, request_id: int) -> SpeakerRequest:
    request = (await locked(db, select(SpeakerRequest).where(SpeakerRequest.id == request_id))).scalar_one_or_none()
    if request is None:
        raise MotionError("There is no such request to speak.", 404)
    await item_in(db, conference_id, request.agenda_item_id)
    return request


async def withdraw_request(db: AsyncSession, conference_id: int, request_id: int, *, user_id: int) -> None:
    request = await _request_in(db, conference_id, request_id)
    mine = await lookup.delegate_id_for_user(db, conference_id, user_id)
    if request.delegate_id != mine:
        raise MotionError("You can only withdraw your own request to speak.", 403)
    if request.state != SpeakerState.WAITING:
        raise MotionError("You have been called already, so there is nothing to withdraw.", 409)
    request.state = SpeakerState.WITHDRAWN
    await audit(db, conference_id, user_id, "speaker.withdrawn", request_id=request_id)


async def call_speaker(db: AsyncSession, conference_id: int, request_id: int, *, by: int) -> None:
    """The chair calls a speaker; whoever was speaking before has finished."""
    request = await _request_in(db, conference_id, request_id)
    if request.state != SpeakerState.WAITING:
        raise MotionError("That delegate is not waiting to speak.", 409)
    for speaking in (await db.execute(select(SpeakerRequest).where(
            SpeakerRequest.agenda_item_id == request.agenda_item_id,
            SpeakerRequest.state == SpeakerState.CALLED))).scalars():
        speaking.state = SpeakerState.DONE
    request.state, request.called_at = SpeakerState.CALLED, utcnow()
    await audit(db, conference_id, by, "speaker.called", request_id=request_id, item_id=request.agenda_item_id)


@dataclass(frozen=True)
class SpeakerRow:
    id: int
    delegate_id: int
    name: str
    body: str
    stance: str
    state: str


async def speakers_list(db: AsyncSession, conference_id: int, item_id: int) -> list[SpeakerRow]:
    """Who is speaking and who waits, in the order they will be called."""
    points_first = case((SpeakerRequest.stance == SpeakerStance.POINT_OF_ORDER, 0), else_=1)
    rows = list((await db.execute(select(SpeakerRequest).where(
        SpeakerRequest.agenda_item_id == item_id,
        SpeakerRequest.state.in_([SpeakerState.WAITING, SpeakerState.CALLED]))
        .order_by(case((SpeakerRequest.state == SpeakerState.CALLED, 0), else_=1), points_first,
                  SpeakerRequest.requested_at, SpeakerRequest.id))).scalars())
    bodies = await body_names(db, conference_id)
    out = []
    for row in rows:
        delegate = await lookup.delegate_in(db, conference_id, row.delegate_id)
        out.append(SpeakerRow(row.id, row.delegate_id, delegate.name, bodies.get(delegate.body_id, "")  # type: ignore[arg-type]
                              if delegate.body_id else "", row.stance, row.state))  # type: ignore[arg-type]
    return out


async def call_next(db: AsyncSession, conference_id: int, item_id: int, *, by: int) -> None:
    waiting = [row for row in await speakers_list(db, conference_id, item_id) if row.state == SpeakerState.WAITING]
    if not waiting:
        raise MotionError("Nobody is waiting to speak on this item.", 409)
    await call_speaker(db, conference_id, waiting[0].id, by=by)

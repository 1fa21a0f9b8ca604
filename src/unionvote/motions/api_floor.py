"""JSON API for the committee's and the chair's actions: the same services and guards as their pages.

Committee (conference arrangements committee): rule motions and amendments, recommend, composite, build and
publish the agenda. Chair: the item on the floor, outcomes and their corrections, the speakers list and its
time limits. Putting a question to the vote is in the voting API (it makes a ballot).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.errors import RuleViolation
from unionvote.motions import agenda, committee, floor, speakers
from unionvote.motions.access import chair
from unionvote.motions.access import committee as committee_guard
from unionvote.motions.amendments import amendment_views
from unionvote.motions.api import AmendmentOut, MotionOut, amendment_out, motion_out
from unionvote.motions.common import amendment_in, motion_in
from unionvote.motions.live import floor_changed, floor_now
from unionvote.motions.models import Amendment, Motion
from unionvote.motions.pages_common import conference_of

BASE = "/api/v1/conferences/{conference_id:int}"
Reason = Annotated[str, msgspec.Meta(max_length=2000)]


class RulingIn(msgspec.Struct, forbid_unknown_fields=True):
    in_order: bool
    reason: Reason = ""


class RecommendationIn(msgspec.Struct, forbid_unknown_fields=True):
    recommendation: Annotated[str, msgspec.Meta(description="support, oppose, remit or support_with_qualification")]
    note: Reason = ""


class CompositeIn(msgspec.Struct, forbid_unknown_fields=True):
    motion_ids: Annotated[list[int], msgspec.Meta(max_length=50)]
    title: Annotated[str, msgspec.Meta(max_length=1000)]
    text: Annotated[str, msgspec.Meta(max_length=40_000)]


class SectionIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(max_length=1000)]


class ItemIn(msgspec.Struct, forbid_unknown_fields=True):
    section_id: int
    title: Annotated[str, msgspec.Meta(max_length=1000)]
    minutes: Annotated[int, msgspec.Meta(ge=0, le=24 * 60)]


class ScheduleIn(msgspec.Struct, forbid_unknown_fields=True):
    item_id: Annotated[int | None, msgspec.Meta(description="The agenda item; null takes the motion off the agenda")]


class PublishIn(msgspec.Struct, forbid_unknown_fields=True):
    stage: Annotated[str, msgspec.Meta(description="preliminary or final")]


class CreatedOut(msgspec.Struct):
    id: int


class PublicationOut(msgspec.Struct):
    version: int
    stage: str
    lines: list[str]


class CurrentItemIn(msgspec.Struct, forbid_unknown_fields=True):
    item_id: Annotated[int | None, msgspec.Meta(description="The agenda item conference is on; null for a break")]


class OutcomeIn(msgspec.Struct, forbid_unknown_fields=True):
    action: Annotated[str, msgspec.Meta(description=(
        "Motions: move, carried, lost, remitted, withdrawn, fell, not_reached. Amendments: accepted, carried, "
        "lost, withdrawn, fell. Recorded at once: the API has no confirmation step."))]


class CorrectionIn(msgspec.Struct, forbid_unknown_fields=True):
    state: Annotated[str, msgspec.Meta(description="What the record should say: the state before the mistaken "
                                                   "outcome (undo), or another outcome from there")]
    reason: Annotated[str, msgspec.Meta(max_length=500)]


class SpeakerMoveIn(msgspec.Struct, forbid_unknown_fields=True):
    direction: Annotated[str, msgspec.Meta(description="up or down")]


class TimeLimitsIn(msgspec.Struct, forbid_unknown_fields=True):
    item_id: int
    speech_seconds: Annotated[int, msgspec.Meta(ge=10, le=4 * 3600)] | None = None
    item_seconds: Annotated[int, msgspec.Meta(ge=10, le=4 * 3600)] | None = None


class ItemOnly(msgspec.Struct, forbid_unknown_fields=True):
    item_id: int


class SpeakerOut(msgspec.Struct):
    id: int
    delegate_id: int
    name: str
    body: str
    stance: str
    state: str
    called_at: datetime | None


class QuestionOut(msgspec.Struct):
    motion_id: int | None
    amendment_id: int | None
    title: str
    two_thirds: bool


class FloorOut(msgspec.Struct):
    item_id: int | None
    item_title: str | None
    speakers: list[SpeakerOut]
    deciding: QuestionOut | None
    speech_seconds: int | None
    speech_seconds_left: int | None
    item_seconds: int | None
    item_seconds_left: int | None


async def amendment_json(db: AsyncSession, motion: Motion, amendment: Amendment) -> AmendmentOut:
    return next(amendment_out(v) for v in await amendment_views(db, motion) if v.amendment.id == amendment.id)


async def floor_out(db: AsyncSession, conference_id: int) -> FloorOut:
    now = await floor_now(db, conference_id)
    clock = now.clock
    deciding = now.deciding
    return FloorOut(
        item_id=now.item.id if now.item else None, item_title=now.item.title if now.item else None,
        speakers=[SpeakerOut(s.id, s.delegate_id, s.name, s.body, s.stance, s.state, s.called_at)
                  for s in now.speakers],
        deciding=None if deciding is None else QuestionOut(deciding.motion_id, deciding.amendment_id,
                                                           deciding.title, deciding.two_thirds),
        speech_seconds=clock.speech_seconds if clock else None,
        speech_seconds_left=clock.speech_left if clock else None,
        item_seconds=clock.item_seconds if clock else None, item_seconds_left=clock.item_left if clock else None)


class CommitteeApi(Controller):
    path = BASE
    tags = ["committee"]
    guards = [committee_guard]

    @post("/motions/{motion_id:int}/ruling", status_code=200, summary="Rule a motion in or out of order")
    async def rule_motion(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                          motion_id: int, data: RulingIn) -> MotionOut:
        motion = await motion_in(db_session, conference_id, motion_id, lock=True)
        await committee.rule_motion(db_session, motion, in_order=data.in_order, reason=data.reason,
                                    by=request.scope["user"].id)
        return await motion_out(db_session, motion)

    @post("/amendments/{amendment_id:int}/ruling", status_code=200, summary="Rule an amendment in or out of order")
    async def rule_amendment(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                             amendment_id: int, data: RulingIn) -> AmendmentOut:
        motion, amendment = await amendment_in(db_session, conference_id, amendment_id, lock=True)
        await committee.rule_amendment(db_session, motion, amendment, in_order=data.in_order, reason=data.reason,
                                       by=request.scope["user"].id)
        return await amendment_json(db_session, motion, amendment)

    @post("/motions/{motion_id:int}/recommendation", status_code=200, summary="The committee's recommendation")
    async def recommend(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                        motion_id: int, data: RecommendationIn) -> MotionOut:
        motion = await motion_in(db_session, conference_id, motion_id, lock=True)
        await committee.recommend(db_session, motion, recommendation=data.recommendation, note=data.note,
                                  by=request.scope["user"].id)
        return await motion_out(db_session, motion)

    @post("/composites", summary="Composite several motions into one")
    async def composite(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                        data: CompositeIn) -> MotionOut:
        made = await committee.composite(db_session, conference_id, motion_ids=data.motion_ids, title=data.title,
                                         text=data.text, by=request.scope["user"].id)
        return await motion_out(db_session, made)

    @post("/agenda/sections", summary="Add a section to the agenda")
    async def add_section(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                          data: SectionIn) -> CreatedOut:
        section = await agenda.add_section(db_session, conference_id, title=data.title, by=request.scope["user"].id)
        return CreatedOut(section.id)  # type: ignore[arg-type]

    @post("/agenda/items", summary="Add an item to a section of the agenda")
    async def add_item(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                       data: ItemIn) -> CreatedOut:
        item = await agenda.add_item(db_session, conference_id, section_id=data.section_id, title=data.title,
                                     minutes=data.minutes, by=request.scope["user"].id)
        return CreatedOut(item.id)  # type: ignore[arg-type]

    @post("/motions/{motion_id:int}/schedule", status_code=200, summary="Put a motion in an agenda item's debate")
    async def schedule(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                       motion_id: int, data: ScheduleIn) -> MotionOut:
        await agenda.schedule_motion(db_session, conference_id, motion_id, item_id=data.item_id,
                                     by=request.scope["user"].id)
        return await motion_out(db_session, await motion_in(db_session, conference_id, motion_id))

    @post("/agenda/publications", summary="Publish the agenda (preliminary or final) for delegates")
    async def publish(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                      data: PublishIn) -> PublicationOut:
        made = await agenda.publish(db_session, conference_id, stage=data.stage, by=request.scope["user"].id)
        return PublicationOut(made.version, made.stage, msgspec.json.decode(made.snapshot))


class ChairApi(Controller):
    path = BASE + "/floor"
    tags = ["floor"]
    guards = [chair]

    async def _floor(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int) -> FloorOut:
        await floor_changed(request, db, conference_id)
        return await floor_out(db, conference_id)

    @get("/", summary="The floor now: the item, the speakers list and clock, the question being decided")
    async def floor_state(self, db_session: AsyncSession, conference_id: int) -> FloorOut:
        await conference_of(db_session, conference_id)
        return await floor_out(db_session, conference_id)

    @post("/current-item", status_code=200, summary="Open an agenda item (or none, for a break)")
    async def current_item(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                           data: CurrentItemIn) -> FloorOut:
        await floor.set_current_item(db_session, conference_id, data.item_id, by=request.scope["user"].id)
        return await self._floor(request, db_session, conference_id)

    @post("/motions/{motion_id:int}/outcome", status_code=200, summary="Record what happened to a motion")
    async def motion_outcome(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                             motion_id: int, data: OutcomeIn) -> MotionOut:
        motion = await motion_in(db_session, conference_id, motion_id, lock=True)
        await floor.decide_motion(db_session, motion, action=data.action, by=request.scope["user"].id)
        await floor_changed(request, db_session, conference_id)
        return await motion_out(db_session, motion)

    @post("/amendments/{amendment_id:int}/outcome", status_code=200, summary="Record what happened to an amendment")
    async def amendment_outcome(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                                amendment_id: int, data: OutcomeIn) -> AmendmentOut:
        motion, amendment = await amendment_in(db_session, conference_id, amendment_id, lock=True)
        await floor.decide_amendment(db_session, motion, amendment, action=data.action, by=request.scope["user"].id)
        await floor_changed(request, db_session, conference_id)
        return await amendment_json(db_session, motion, amendment)

    @post("/motions/{motion_id:int}/correction", status_code=200,
          summary="Correct an outcome the chair recorded by mistake, with a reason (both stay on the record)")
    async def correct_motion(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                             motion_id: int, data: CorrectionIn) -> MotionOut:
        motion = await motion_in(db_session, conference_id, motion_id, lock=True)
        await floor.correct_decision(db_session, motion, None, to_state=data.state, reason=data.reason,
                                     by=request.scope["user"].id)
        await floor_changed(request, db_session, conference_id)
        return await motion_out(db_session, motion)

    @post("/amendments/{amendment_id:int}/correction", status_code=200,
          summary="Correct an amendment's outcome recorded by mistake, with a reason")
    async def correct_amendment(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                                conference_id: int, amendment_id: int, data: CorrectionIn) -> AmendmentOut:
        motion, amendment = await amendment_in(db_session, conference_id, amendment_id, lock=True)
        await floor.correct_decision(db_session, motion, amendment, to_state=data.state, reason=data.reason,
                                     by=request.scope["user"].id)
        await floor_changed(request, db_session, conference_id)
        return await amendment_json(db_session, motion, amendment)

    @post("/speakers/next", status_code=200, summary="Call the next speaker (points of order first)")
    async def call_next(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                        data: ItemOnly) -> FloorOut:
        await speakers.call_next(db_session, conference_id, data.item_id, by=request.scope["user"].id)
        return await self._floor(request, db_session, conference_id)

    @post("/speakers/finish", status_code=200, summary="The speech going on now has finished")
    async def finish(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                     data: ItemOnly) -> FloorOut:
        await speakers.finish_speech(db_session, conference_id, data.item_id, by=request.scope["user"].id)
        return await self._floor(request, db_session, conference_id)

    @post("/speakers/{request_id:int}/call", status_code=200, summary="Call this speaker now")
    async def call(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                   request_id: int) -> FloorOut:
        await speakers.call_speaker(db_session, conference_id, request_id, by=request.scope["user"].id)
        return await self._floor(request, db_session, conference_id)

    @post("/speakers/{request_id:int}/move", status_code=200, summary="Move a waiting speaker up or down")
    async def move(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                   request_id: int, data: SpeakerMoveIn) -> FloorOut:
        await speakers.move_request(db_session, conference_id, request_id, direction=data.direction,
                                    by=request.scope["user"].id)
        return await self._floor(request, db_session, conference_id)

    @post("/speakers/{request_id:int}/remove", status_code=200, summary="Take a waiting speaker off the list")
    async def remove(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                     request_id: int) -> FloorOut:
        await speakers.remove_request(db_session, conference_id, request_id, by=request.scope["user"].id)
        return await self._floor(request, db_session, conference_id)

    @post("/speakers/time-limits", status_code=200,
          summary="Limit each speech, and optionally all speeches in an item (null: no limit)")
    async def time_limits(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                          data: TimeLimitsIn) -> FloorOut:
        await speakers.set_time_limits(db_session, conference_id, data.item_id, speech_seconds=data.speech_seconds,
                                       item_seconds=data.item_seconds, by=request.scope["user"].id)
        return await self._floor(request, db_session, conference_id)


__all__ = ["ChairApi", "CommitteeApi", "RuleViolation"]

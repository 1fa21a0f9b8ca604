"""JSON API for motions and amendments: read them, submit them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.motions import amendments, submission
from unionvote.motions.access import participants
from unionvote.motions.amendments import AmendmentView, amendment_views, motion_as_amended
from unionvote.motions.common import motion_in
from unionvote.motions.exports import motions_of
from unionvote.motions.models import Amendment, Motion
from unionvote.motions.pages_common import conference_of

API = "/api/v1/conferences/{conference_id:int}/motions"
Text = Annotated[str, msgspec.Meta(max_length=40_000)]


class MotionIn(msgspec.Struct, forbid_unknown_fields=True):
    body_id: int
    title: Annotated[str, msgspec.Meta(max_length=1000)]
    text: Text
    kind: str = "ordinary"
    emergency_reason: Annotated[str, msgspec.Meta(max_length=4000)] = ""
    supporter_body_ids: list[int] = []


class AmendmentIn(msgspec.Struct, forbid_unknown_fields=True):
    body_id: int
    kind: Annotated[str, msgspec.Meta(description="delete, insert (after first_line; 0: at the start) or replace")]
    first_line: Annotated[int, msgspec.Meta(ge=0, le=100_000)]
    last_line: Annotated[int, msgspec.Meta(ge=0, le=100_000)] | None = None
    text: Text = ""


class MotionOut(msgspec.Struct):
    id: int
    number: int
    kind: str
    title: str
    body_id: int | None
    state: str
    version: int
    text: str
    ruling_reason: str | None
    recommendation: str | None
    agenda_item_id: int | None
    composited_into: int | None
    submitted_at: datetime
    text_as_amended: str


class AmendmentOut(msgspec.Struct):
    id: int
    motion_id: int
    number: int
    label: str
    body_id: int | None
    kind: str
    first_line: int
    last_line: int
    text: str
    motion_version: int
    state: str
    ruling_reason: str | None
    overlaps_with: list[str]


async def motion_out(db: AsyncSession, motion: Motion) -> MotionOut:
    version = await submission.current_version(db, motion)
    amended = await motion_as_amended(db, motion)
    return MotionOut(id=motion.id, number=motion.number, kind=motion.kind, title=motion.title,  # type: ignore[arg-type]
                     body_id=motion.body_id, state=motion.state, version=motion.version, text=version.text,
                     ruling_reason=motion.ruling_reason, recommendation=motion.recommendation,
                     agenda_item_id=motion.agenda_item_id, composited_into=motion.composited_into,
                     submitted_at=motion.submitted_at,
                     text_as_amended="\n".join(line.text or "" for line in amended.lines))


def amendment_out(view: AmendmentView) -> AmendmentOut:
    a: Amendment = view.amendment
    return AmendmentOut(id=a.id, motion_id=a.motion_id, number=a.number, label=view.label, body_id=a.body_id,  # type: ignore[arg-type]
                        kind=a.kind, first_line=a.first_line, last_line=a.last_line, text=a.text,
                        motion_version=a.motion_version, state=a.state, ruling_reason=a.ruling_reason,
                        overlaps_with=view.overlaps_with)


class MotionsApi(Controller):
    path = API
    tags = ["motions"]
    guards = [participants]

    @get("/", summary="Every motion of the conference, in number order")
    async def list_motions(self, db_session: AsyncSession, conference_id: int) -> list[MotionOut]:
        await conference_of(db_session, conference_id)
        return [await motion_out(db_session, m) for m in await motions_of(db_session, conference_id)]

    @get("/{motion_id:int}", summary="One motion: its current text and the text as amended so far")
    async def get_motion(self, db_session: AsyncSession, conference_id: int, motion_id: int) -> MotionOut:
        return await motion_out(db_session, await motion_in(db_session, conference_id, motion_id))

    @get("/{motion_id:int}/amendments", summary="A motion's amendments, in line order, with overlaps")
    async def list_amendments(self, db_session: AsyncSession, conference_id: int, motion_id: int
                              ) -> list[AmendmentOut]:
        motion = await motion_in(db_session, conference_id, motion_id)
        return [amendment_out(v) for v in await amendment_views(db_session, motion)]

    @post("/", summary="Submit a motion for a body you are a delegate of")
    async def submit(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                     data: MotionIn) -> MotionOut:
        conference = await conference_of(db_session, conference_id)
        motion = await submission.submit_motion(
            db_session, conference_id, body_id=data.body_id, title=data.title, text=data.text, kind=data.kind,
            by=request.scope["user"].id, time_zone=conference.time_zone, emergency_reason=data.emergency_reason,
            supporters=data.supporter_body_ids)
        return await motion_out(db_session, motion)

    @post("/{motion_id:int}/amendments", summary="Submit an amendment for a body you are a delegate of")
    async def amend(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                    motion_id: int, data: AmendmentIn) -> AmendmentOut:
        conference = await conference_of(db_session, conference_id)
        motion = await motion_in(db_session, conference_id, motion_id, lock=True)
        made = await amendments.submit_amendment(
            db_session, motion, body_id=data.body_id, kind=data.kind, first_line=data.first_line,
            last_line=data.last_line, text=data.text, by=request.scope["user"].id, time_zone=conference.time_zone)
        return next(amendment_out(v) for v in await amendment_views(db_session, motion) if v.amendment.id == made.id)

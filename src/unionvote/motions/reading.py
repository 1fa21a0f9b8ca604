"""What the motion pages read: one motion with everything a delegate, the committee or the chair needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences import lookup
from unionvote.motions.agenda import items_in_order
from unionvote.motions.amendments import amendment_views, motion_as_amended
from unionvote.motions.committee import composited_from
from unionvote.motions.common import body_names, motion_in
from unionvote.motions.lines import numbered, parse_text
from unionvote.motions.models import Motion
from unionvote.motions.submission import current_version, supporters_of, versions


async def own_body_id(db: AsyncSession, conference_id: int, user_id: int) -> int | None:
    delegate = await lookup.delegate_for_user(db, conference_id, user_id)
    return delegate.body_id if delegate is not None else None


async def motion_context(db: AsyncSession, conference_id: int, motion_id: int, user_id: int) -> dict[str, Any]:
    motion = await motion_in(db, conference_id, motion_id)
    bodies = await body_names(db, conference_id)
    version = await current_version(db, motion)
    views = await amendment_views(db, motion)
    into = await db.get(Motion, motion.composited_into) if motion.composited_into else None
    return {
        "motion": motion, "bodies": bodies, "version": version,
        "lines": numbered(parse_text(version.text)), "versions": await versions(db, motion.id),  # type: ignore[arg-type]
        "amendments": views, "overlapping": [v for v in views if v.overlaps_with],
        "as_amended": await motion_as_amended(db, motion),
        "supporters": [bodies.get(b, "") for b in await supporters_of(db, motion.id)],  # type: ignore[arg-type]
        "sources": await composited_from(db, motion.id),  # type: ignore[arg-type]
        "composited_into": into, "items": await items_in_order(db, conference_id),
        "own_body_id": await own_body_id(db, conference_id, user_id),
    }

"""The conference's motions settings: the deadline for motions and the one for amendments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.motions.common import MotionError, audit, settings_of


async def set_deadlines(db: AsyncSession, conference_id: int, *, motion_deadline: datetime | None,
                        amendment_deadline: datetime | None, by: int) -> None:
    for moment in (motion_deadline, amendment_deadline):
        if moment is not None and moment.tzinfo is None:
            raise MotionError("Give deadlines with a time zone.")
    if motion_deadline and amendment_deadline and amendment_deadline < motion_deadline:
        raise MotionError("The amendment deadline cannot come before the motions deadline: amendments are made "
                          "to motions already in.")
    settings = await settings_of(db, conference_id, lock=True)
    settings.motion_deadline, settings.amendment_deadline = motion_deadline, amendment_deadline
    await audit(db, conference_id, by, "motions.deadlines",
                motion_deadline=motion_deadline.isoformat() if motion_deadline else None,
                amendment_deadline=amendment_deadline.isoformat() if amendment_deadline else None)

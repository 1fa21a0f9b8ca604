"""A motion's title in Welsh and Polish beside the English (unionvote.bilingual): for reading only. The
English title stays the record: ballots, exports and the audit chain keep it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from unionvote import bilingual
from unionvote.i18n import _
from unionvote.motions.common import MotionError, motion_in

TITLE_FIELDS = {"title": 200}


async def set_title_translations(db: AsyncSession, conference_id: int, motion_id: int, form: Any) -> None:
    """The titles typed as `motion_title_<lang>`; an empty box removes that language's title."""
    try:
        found = bilingual.from_form(form, "motion", TITLE_FIELDS, what=_("The motion's title"))
    except bilingual.TranslationProblem as exc:
        raise MotionError(str(exc)) from exc
    motion = await motion_in(db, conference_id, motion_id, lock=True)
    motion.translations = bilingual.dump(found)

"""A motion's title in Welsh and Polish beside the English (unionvote.bilingual): for reading only. The
English title stays the record: ballots, exports and the audit chain keep it; a ballot on the motion (or one
of its amendments) is shown on the live floor in the reader's language from it (`ballot_title_wording`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from unionvote import bilingual
from unionvote.conferences.models import Conference
from unionvote.i18n import SOURCE_LANGUAGE, _, speaking
from unionvote.motions.common import MotionError, amendment_label, motion_in, motion_label
from unionvote.motions.models import Amendment, Motion

TITLE_FIELDS = {"title": 200}


async def set_title_translations(db: AsyncSession, conference_id: int, motion_id: int, form: Any) -> None:
    """The titles typed as `motion_title_<lang>`; an empty box removes that language's title."""
    try:
        found = bilingual.from_form(form, "motion", TITLE_FIELDS, what=_("The motion's title"))
    except bilingual.TranslationProblem as exc:
        raise MotionError(str(exc)) from exc
    motion = await motion_in(db, conference_id, motion_id, lock=True)
    motion.translations = bilingual.dump(found)


def _ballot_title(motion: Motion, amendment: Amendment | None, title: str) -> str:
    """A ballot's title as the floor composes it (motions.voting_link), in the language of the moment."""
    motion_title = f"{motion_label(motion)}: {title}"
    if amendment is None:
        return motion_title
    return _("%(amendment)s to %(motion)s") % {"amendment": amendment_label(motion, amendment), "motion": motion_title}


async def ballot_title_wording(db: AsyncSession, motion_id: int | None, amendment_id: int | None, title: str
                               ) -> tuple[bilingual.Translations, str | None]:
    """The title of a ballot on a motion or amendment in each language the motion's title is given in, and the
    conference's bilingual language; nothing when the ballot is on no motion, or its title was written
    otherwise than the floor composes it (the chair's own words are not ours to translate)."""
    motion = await db.get(Motion, motion_id) if motion_id is not None else None
    given = bilingual.read(motion.translations) if motion is not None else {}
    if motion is None or not given:
        return {}, None
    amendment = await db.get(Amendment, amendment_id) if amendment_id is not None else None
    with speaking(SOURCE_LANGUAGE):
        if _ballot_title(motion, amendment, motion.title) != title:
            return {}, None
    titles: bilingual.Translations = {}
    for language, fields in given.items():
        if isinstance(fields.get("title"), str) and fields["title"].strip():
            with speaking(language):
                titles[language] = {"title": _ballot_title(motion, amendment, fields["title"])}
    conference = await db.get(Conference, motion.conference_id)
    return titles, conference.bilingual_language if conference is not None else None

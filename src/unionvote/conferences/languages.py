"""A conference's language (for delegates who chose none) and whether it is bilingual (docs/translating.md)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.bilingual import TranslationProblem, check_event_languages
from unionvote.conferences.models import Conference
from unionvote.conferences.services import ConferenceError


async def set_languages(db: AsyncSession, conference_id: int, language: str, bilingual_language: str) -> None:
    try:
        chosen, beside = check_event_languages(language, bilingual_language)
    except TranslationProblem as exc:
        raise ConferenceError(str(exc)) from exc
    conference = await db.get(Conference, conference_id)
    if conference is None:
        raise ConferenceError("No such conference.", 404)
    conference.language, conference.bilingual_language = chosen, beside

"""A consultation's language, whether it is bilingual, and its question in Welsh and Polish beside the
English (unionvote.bilingual). The English question stays the record: exports and the audit trail keep it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from unionvote import bilingual
from unionvote.consult.models import Consultation
from unionvote.consult.setup import ConsultError
from unionvote.i18n import _

QUESTION_FIELDS = {"question": 300}


async def set_languages(db: AsyncSession, consultation: Consultation, form: Any) -> None:
    """The languages form: `language`, `bilingual_language`, `consultation_question_<lang>`."""
    try:
        language, beside = bilingual.check_event_languages(bilingual.text_field(form, "language"),
                                                           bilingual.text_field(form, "bilingual_language"))
        found = bilingual.from_form(form, "consultation", QUESTION_FIELDS, what=_("The question"))
    except bilingual.TranslationProblem as exc:
        raise ConsultError(str(exc)) from exc
    consultation.language, consultation.bilingual_language = language, beside
    consultation.translations = bilingual.dump(found)


def question_wording(consultation: Consultation, language: str) -> bilingual.Wording:
    return bilingual.wording(consultation.question, bilingual.read(consultation.translations), "question",
                             language=language, bilingual=consultation.bilingual_language)

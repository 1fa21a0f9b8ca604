"""What the motions pages share: the page helper with this person's motions roles, form readers, notices."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences.pages_common import conference_page, load_conference, text_of, whole_number
from unionvote.i18n import N_, TranslatedWords
from unionvote.motions.access import motions_can
from unionvote.motions.common import KIND_WORDS, RECOMMENDATION_WORDS, STATE_WORDS, amendment_label, motion_label

NOTICES = {
    "motion-submitted": N_("Your motion has been submitted. The committee will rule on it."),
    "amendment-submitted": N_("Your amendment has been submitted. The committee will rule on it."),
    "text-changed": N_("The new version of the text has been saved."),
    "ruled": N_("The ruling has been recorded."),
    "recommended": N_("The recommendation has been recorded."),
    "composited": N_("The composite has been made; the motions it replaces are marked composited."),
    "scheduled": N_("The agenda has been changed."),
    "agenda-changed": N_("The agenda has been changed."),
    "published": N_("The agenda has been published. Delegates can see it and what changed."),
    "deadlines-saved": N_("The deadlines have been saved."),
    "floor-changed": N_("Recorded."),
    "asked": N_("You are on the speakers list."),
    "withdrawn": N_("Your request to speak has been withdrawn."),
    "called": N_("The speaker has been called."),
    "corrected": N_("The correction has been recorded."),
    "limits": N_("The time limits have been set."),
    "voting": N_("The question has been put: voting is open and delegates can see it."),
    "ballot-closed": N_("Voting has closed. Declare the result when ready."),
    "ballot-declared": N_("The result has been declared and recorded against the motion."),
    "ballot-opened": N_("Voting is open."),
}


def motions_page(template: str, request: Request[Any, Any, Any], conference: Any, status_code: int = 200,
                 **context: Any) -> Template:
    done = request.query_params.get("done") or ""
    if done in NOTICES:
        context.setdefault("notice", NOTICES[done])
    return conference_page(template, request, conference, status_code=status_code,
                           mcan=motions_can(request.scope["user"], conference.id),
                           state_words=TranslatedWords(STATE_WORDS), kind_words=TranslatedWords(KIND_WORDS),
                           recommendation_words=TranslatedWords(RECOMMENDATION_WORDS),
                           motion_label=motion_label, amendment_label=amendment_label, **context)


def number_or_none(form: Any, name: str) -> int | None:
    return whole_number(text_of(form, name))


async def conference_of(db: AsyncSession, conference_id: int) -> Any:
    return await load_conference(db, conference_id)


__all__ = ["conference_of", "motions_page", "number_or_none", "text_of"]

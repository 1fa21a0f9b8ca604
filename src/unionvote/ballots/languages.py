"""A member ballot in more than one language: its default language, whether it is bilingual, and the
wording of its title, description, questions and answers in Welsh and Polish beside the English.

The translations are for reading only: the English text, the answers' keys, the results, exports and
the audit chain stay as they were (unionvote.bilingual). They can change only before the ballot opens,
so every member votes on the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from unionvote import bilingual
from unionvote.ballots.models import MemberBallot, MemberBallotState, MemberQuestion
from unionvote.ballots.services import MemberBallotError, labels_of, lock_ballot, questions_of
from unionvote.i18n import SOURCE_LANGUAGE, _

BALLOT_FIELDS = {"title": 200, "description": 5000}
QUESTION_FIELDS = {"text": 2000}


@dataclass(frozen=True)
class BallotLanguages:
    """What the languages page of a member ballot asks for."""

    language: str | None
    bilingual_language: str | None
    ballot: bilingual.Translations
    questions: dict[int, bilingual.Translations]


def from_form(form: Any, questions: list[MemberQuestion]) -> BallotLanguages:
    """The languages page's form, checked (raises bilingual.TranslationProblem with what to correct)."""
    language, beside = bilingual.check_event_languages(bilingual.text_field(form, "language"),
                                                       bilingual.text_field(form, "bilingual_language"))
    ballot = bilingual.from_form(form, "ballot", BALLOT_FIELDS, what=_("The ballot's title or description"))
    wording: dict[int, bilingual.Translations] = {}
    for question in questions:
        what = _("Question %(n)s") % {"n": question.position}
        found = bilingual.from_form(form, f"q{question.id}", QUESTION_FIELDS, what=what)
        keys = [key for key, _label in labels_of(question)]
        for language, labels in bilingual.labels_from_form(form, f"q{question.id}_options", keys, what=what).items():
            found.setdefault(language, {})["options"] = labels
        wording[question.id] = found  # type: ignore[index]
    return BallotLanguages(language, beside, ballot, wording)


async def set_languages(db: AsyncSession, ballot_id: int, chosen: BallotLanguages) -> None:
    ballot = await lock_ballot(db, ballot_id)
    questions = await questions_of(db, ballot_id)
    new_texts = [bilingual.dump(chosen.ballot)] + [bilingual.dump(chosen.questions.get(q.id, {})) for q in questions]  # type: ignore[arg-type]
    old_texts = [ballot.translations] + [q.translations for q in questions]
    if new_texts != old_texts and ballot.state != MemberBallotState.DRAFT:
        raise MemberBallotError(_("The ballot's wording can be translated only before it opens, so that every "
                                  "member votes on the same words. Its language settings can still change."), 409)
    ballot.language, ballot.bilingual_language = chosen.language, chosen.bilingual_language
    ballot.translations = new_texts[0]
    for question, text in zip(questions, new_texts[1:], strict=True):
        question.translations = text


def stored(ballot: MemberBallot, questions: list[MemberQuestion]) -> BallotLanguages:
    """What is saved, in the shape of the form (to fill it in again)."""
    return BallotLanguages(ballot.language, ballot.bilingual_language, bilingual.read(ballot.translations),
                           {q.id: bilingual.read(q.translations) for q in questions})  # type: ignore[misc]


@dataclass(frozen=True)
class QuestionWording:
    question: MemberQuestion
    text: bilingual.Wording
    options: list[tuple[str, bilingual.Wording]]

    def answer(self, label: str) -> bilingual.Wording:
        """The wording of the answer whose English label is `label` (as a receipt names it)."""
        for (_key, source), (_same, shown) in zip(labels_of(self.question), self.options, strict=True):
            if source == label:
                return shown
        return bilingual.Wording(label, SOURCE_LANGUAGE)


def ballot_wording(ballot: MemberBallot, field: str, language: str, beside: bool = True) -> bilingual.Wording:
    """The ballot's title or description as a member reading in `language` sees it (without the other language
    of a bilingual ballot when not `beside`: a message gives each language in full)."""
    return bilingual.wording(getattr(ballot, field), bilingual.read(ballot.translations), field, language=language,
                             bilingual=ballot.bilingual_language if beside else None)


def question_wordings(ballot: MemberBallot, questions: list[MemberQuestion], language: str) -> list[QuestionWording]:
    """Each question and its answers as a member reading in `language` sees them (the keys unchanged)."""
    shown = []
    for question in questions:
        found = bilingual.read(question.translations)

        def say(source: str, field: str, key: str | None = None, found: bilingual.Translations = found
                ) -> bilingual.Wording:
            return bilingual.wording(source, found, field, language=language, bilingual=ballot.bilingual_language,
                                     key=key)

        shown.append(QuestionWording(question, say(question.text, "text"),
                                     [(key, say(label, "options", key)) for key, label in labels_of(question)]))
    return shown

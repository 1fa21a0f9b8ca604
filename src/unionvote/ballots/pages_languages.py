"""Staff page: a member ballot's languages (its default, bilingual or not, and its wording translated)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import requires_admin
from unionvote.ballots import languages, services
from unionvote.ballots.models import MemberQuestion
from unionvote.ballots.pages_common import ballot_page
from unionvote.bilingual import TranslationProblem, translated_languages
from unionvote.errors import RuleViolation
from unionvote.web import see_other


def _values(chosen: languages.BallotLanguages, questions: list[MemberQuestion]) -> dict[str, str]:
    """The form's fields as they are saved, to fill it in."""
    values = {"language": chosen.language or "", "bilingual_language": chosen.bilingual_language or ""}
    for language in translated_languages():
        for field in languages.BALLOT_FIELDS:
            values[f"ballot_{field}_{language}"] = chosen.ballot.get(language, {}).get(field, "")
        for question in questions:
            entry = chosen.questions.get(question.id, {}).get(language, {})  # type: ignore[call-overload]
            values[f"q{question.id}_text_{language}"] = entry.get("text", "")
            labels = entry.get("options", {})
            values[f"q{question.id}_options_{language}"] = "\n".join(
                labels.get(key, "") for key, _label in services.labels_of(question)) if labels else ""
    return values


class MemberBallotLanguagePages(Controller):
    path = "/member-ballots/{ballot_id:int}/languages"
    guards = [requires_admin]
    include_in_schema = False

    async def _page(self, request: Request[Any, Any, Any], db: AsyncSession, ballot_id: int,
                    values: dict[str, str] | None = None, error: str | None = None, status_code: int = 200
                    ) -> Template:
        ballot = await services.get_ballot(db, ballot_id)
        questions = await services.questions_of(db, ballot_id)
        return ballot_page("ballots/languages.html", request, ballot, status_code=status_code, questions=[
            (q, services.labels_of(q)) for q in questions], translated=translated_languages(),
            values=values if values is not None else _values(languages.stored(ballot, questions), questions),
            error=error, saved=request.query_params.get("done") == "saved")

    @get("/")
    async def show(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int) -> Template:
        return await self._page(request, db_session, ballot_id)

    @post("/")
    async def save(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int
                   ) -> Template | Redirect:
        form = await request.form()
        typed = {key: value for key, value in form.items() if isinstance(value, str)}
        try:
            chosen = languages.from_form(form, await services.questions_of(db_session, ballot_id))
            await languages.set_languages(db_session, ballot_id, chosen)
        except (TranslationProblem, RuleViolation) as exc:
            await db_session.rollback()
            status = exc.status_code if isinstance(exc, RuleViolation) else 400
            return await self._page(request, db_session, ballot_id, typed, str(exc), status)
        return see_other(f"/member-ballots/{ballot_id}/languages?done=saved")

"""What every member-ballot page shares: guards, the notices after a redirect, form reading."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

from litestar import Request
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.ballots.languages import ballot_wording, question_wordings
from unionvote.ballots.models import INDICATIVE_NOTICE, SEGMENTS, MemberBallot
from unionvote.errors import RuleViolation
from unionvote.i18n import N_, TranslatedWords, _, follow_event_language
from unionvote.web import page, see_other

NOTICES = {
    "created": N_("The ballot has been set up. Import its members next."),
    "imported": N_("The members have been imported."),
    "added": N_("The member has been added to the ballot."),
    "removed": N_("The member has been removed from the ballot."),
    "opened": N_("The ballot is open. Members can vote with their links and codes."),
    "closed": N_("Voting has closed. Check the count, then declare the result."),
    "declared": N_("The result has been declared."),
    "emailing": N_("Voting links and codes are being emailed. Reload this page to see how far sending has got."),
    "texting": N_("Reminder texts are being sent to members who have not voted. Start the same run again to resume "
                  "it."),
    "organiser-added": N_("The organiser can now see this ballot's turnout, exports and reminder lists."),
    "organiser-removed": N_("The organiser no longer has access to this ballot."),
    "erased": N_("Members' names, emails and mobiles have been erased. Results and the audit trail remain."),
}
SEGMENT_WORDS = {"employer": N_("Employer"), "workplace": N_("Workplace"), "region": N_("Region"),
                 "branch": N_("Branch")}


def ballot_page(template: str, request: Request[Any, Any, Any], ballot: MemberBallot | None = None,
                status_code: int = 200, **context: Any) -> Template:
    done = request.query_params.get("done") or ""
    if done in NOTICES:
        context.setdefault("notice", NOTICES[done])
    if ballot is not None:  # the ballot's own language for a reader who chose none; its wording in theirs
        language = follow_event_language(request, ballot.language)
        context.setdefault("ballot_says", lambda field: ballot_wording(ballot, field, language))
        context.setdefault("question_words", lambda rows: question_wordings(ballot, [row[0] for row in rows], language))
    return page(template, request, status_code=status_code, ballot=ballot, indicative=_(INDICATIVE_NOTICE),
                segments=SEGMENTS, segment_words=TranslatedWords(SEGMENT_WORDS), **context)


async def carry_out(db: AsyncSession, action: Callable[[], Awaitable[Any]], then: str,
                    refused: Callable[[RuleViolation], Awaitable[Template]]) -> Template | Redirect:
    """Make one change from a form and go on to `then`; a change the rules refuse is undone and `refused`
    shows the page again with why."""
    try:
        await action()
    except RuleViolation as exc:
        await db.rollback()
        return await refused(exc)
    return see_other(then)


def text_of(form: Any, name: str, limit: int = 5000) -> str:
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def moment_of(raw: str) -> datetime | None:
    """A date and time typed in a datetime-local field, taken as UTC."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def day_of(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None

"""What the election pages share: the page helper, notices, reading a form's date and time."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences import lookup
from unionvote.conferences.pages_common import conference_page, load_conference
from unionvote.db import utcnow
from unionvote.elections import nominations, services
from unionvote.elections.access import is_officer
from unionvote.elections.count import RULE_NAMES
from unionvote.elections.services import ElectionError
from unionvote.i18n import N_, TranslatedWords
from unionvote.voting.sealed import conference_trustees

NOTICES = {
    "election-created": N_("The election has been set up. Nominations are open until the closing time."),
    "nominated": N_("The nomination has been made. The committee will check it."),
    "supported": N_("Your support has been added."),
    "withdrawn": N_("The nomination has been withdrawn."),
    "decided": N_("The committee's decision has been recorded."),
    "closed": N_("Nominations are closed."),
    "declared": N_("The result has been declared."),
    "voting-open": N_("Voting is open. Delegates checked in now can rank the candidates."),
    "awaiting-trustees": N_("Voting has closed. The papers are sealed under the trustees' keys: they are opened and "
                            "counted once every trustee has sent their decryption (unionvote trustee tally, decrypt "
                            "and submit); then close the ballot again to count."),
}
STATE_WORDS = {"nominations": N_("Nominations"), "contested": N_("Contested: awaiting the count"),
               "declared": N_("Declared"), "submitted": N_("Awaiting the committee"), "valid": N_("Valid"),
               "invalid": N_("Invalid"), "withdrawn": N_("Withdrawn")}


def elections_page(template: str, request: Request[Any, Any, Any], conference: Any, status_code: int = 200,
                   **context: Any) -> Template:
    done = request.query_params.get("done") or ""
    if done in NOTICES:
        context.setdefault("notice", NOTICES[done])
    return conference_page(template, request, conference, status_code=status_code,
                           officer=is_officer(request.scope["user"], conference.id),
                           rule_names=TranslatedWords(RULE_NAMES),
                           state_words=TranslatedWords(STATE_WORDS), **context)


def local_moment(raw: str, time_zone: str, what: str) -> datetime:
    """A datetime-local field ("2027-05-14T17:00"), read in the conference's own time zone."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ElectionError(f"Give the {what} as a date and time, for example 2027-05-14 17:00.") from None
    return moment.replace(tzinfo=ZoneInfo(time_zone)) if moment.tzinfo is None else moment


async def election_context(db: AsyncSession, conference_id: int, election_id: int, user_id: int) -> dict[str, Any]:
    election = await services.get_election(db, conference_id, election_id)
    listed = await services.nominations_of(db, election.id)
    delegate = await lookup.delegate_for_user(db, conference_id, user_id)
    return {
        "election": election,
        "nominations": listed,
        "support": await nominations.supporters(db, [n.id for n in listed]),
        "bodies": {b.id: b.name for b in await lookup.bodies_of(db, conference_id)},
        "own_body": delegate.body_id if delegate else None,
        "is_delegate": delegate is not None,
        "result": services.result_of(election),
        "open": election.state == "nominations" and utcnow() < election.nominations_close_at,
        "trustees": len(await conference_trustees(db, conference_id)),
    }


async def conference_of(db: AsyncSession, conference_id: int) -> Any:
    return await load_conference(db, conference_id)

"""What every conference page shares: the conference, its local time, the notices after a redirect."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import Role
from unionvote.auth import CurrentUser
from unionvote.bilingual import Wording, read, wording
from unionvote.conferences.lookup import STATUS_WORDS
from unionvote.conferences.models import Conference
from unionvote.conferences.services import ConferenceError
from unionvote.i18n import N_, TranslatedWords, follow_event_language
from unionvote.web import page

# Shown after a redirect (?done=key): never text from the request itself.
NOTICES = {
    "settings-saved": N_("The settings have been saved."),
    "session-added": N_("The session has been added."),
    "accredited": N_("Accredited."),
    "revoked": N_("The accreditation has been revoked and their logins ended."),
    "reinstated": N_("The accreditation has been reinstated."),
    "substituted": N_("The substitute now holds the credential."),
    "checked-in": N_("Checked in."),
    "checked-out": N_("Checked out."),
    "not-checked-in": N_("They were not checked in, so nothing changed."),
    "you-checked-in": N_("You are checked in."),
    "you-checked-out": N_("You are checked out."),
    "you-were-not-checked-in": N_("You were not checked in, so nothing changed."),
}
OFFICERS = frozenset({Role.CHAIR, Role.CAC, Role.STAFF, Role.RETURNING_OFFICER})
ROLE_WORDS = {"delegate": N_("Delegate"), "substitute": N_("Substitute"), "observer": N_("Observer"),
              "visitor": N_("Visitor")}
# The register's counts by role, as the overview page heads them.
ROLES_WORDS = {"delegate": N_("Delegates"), "substitute": N_("Substitutes"), "observer": N_("Observers"),
               "visitor": N_("Visitors")}


async def load_conference(db: AsyncSession, conference_id: int) -> Conference:
    conference = await db.get(Conference, conference_id)
    if conference is None:
        raise ConferenceError("There is no such conference.", 404)
    return conference


def local_clock(conference: Conference) -> Any:
    """A function turning a stored UTC moment into the conference's own time zone, for templates."""
    zone = ZoneInfo(conference.time_zone)

    def local(moment: datetime | None) -> datetime | None:
        return moment.astimezone(zone) if moment is not None else None

    return local


def may_see(user: CurrentUser, conference_id: int) -> dict[str, bool]:
    """Which conference pages this person's roles open, for the conference's own navigation."""
    held = user.roles_in(conference_id)
    admin = user.is_admin

    def any_of(*roles: Role) -> bool:
        return admin or bool(held & set(roles))

    return {"admin": admin or Role.STAFF in held, "desk": admin or Role.STAFF in held,
            "quorum": admin or bool(held & OFFICERS), "me": admin or bool(held),
            "agenda": admin or bool(held), "vote": admin or bool(held),
            "committee": any_of(Role.CAC), "floor": any_of(Role.CHAIR),
            "ballots": any_of(Role.CHAIR, Role.STAFF), "record": any_of(Role.RETURNING_OFFICER, Role.CHAIR, Role.STAFF),
            "trustees": any_of(Role.RETURNING_OFFICER)}


def conference_page(template: str, request: Request[Any, Any, Any], conference: Conference,
                    status_code: int = 200, **context: Any) -> Template:
    done = request.query_params.get("done") or ""
    if done in NOTICES:
        context.setdefault("notice", NOTICES[done])
    language = follow_event_language(request, conference.language)  # for a delegate who chose none

    def words_of(row: Any, field: str = "title") -> Wording:
        """A text staff wrote (a motion's title) in the reader's language, the other one beside it if bilingual."""
        return wording(getattr(row, field), read(row.translations), field, language=language,
                       bilingual=conference.bilingual_language)

    context.setdefault("words_of", words_of)
    context.setdefault("translations_of", lambda row: read(row.translations))
    return page(template, request, status_code=status_code, conference=conference, local=local_clock(conference),
                can=may_see(request.scope["user"], conference.id), status_words=TranslatedWords(STATUS_WORDS),
                role_words=TranslatedWords(ROLE_WORDS), roles_words=TranslatedWords(ROLES_WORDS), **context)


def text_of(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def whole_number(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 12 else None

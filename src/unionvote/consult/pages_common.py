"""What consultation pages share: the participant cookie, local times, notices after a redirect."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.bilingual import read
from unionvote.consult.languages import question_wording
from unionvote.consult.models import Consultation, Participant
from unionvote.consult.participation import Joining, participant_for_key
from unionvote.consult.setup import PHASE_WORDS, ConsultError, open_phases
from unionvote.i18n import N_, current_language, follow_event_language
from unionvote.web import page

ZONE = ZoneInfo("Europe/London")  # phase times are entered and shown in UK time
KEY_DAYS = 120

NOTICES = {
    "joined": N_("You have joined. Keep your resume code to carry on from another device."),
    "resumed": N_("Welcome back: you can carry on where you left off."),
    "shared": N_("Thank you: your thought has been shared."),
    "held": N_("Thank you: your thought will appear once staff have checked it."),
    "rated": N_("Saved."),
    "reported": N_("Thank you: staff will review that thought."),
    "created": N_("The consultation has been created."),
    "phases-saved": N_("The phases have been saved."),
    "themes-computed": N_("The themes have been worked out again."),
    "theme-renamed": N_("The theme has been renamed."),
    "thought-moved": N_("The thought has been moved."),
    "moderated": N_("Done, and recorded in the audit trail."),
    "responded": N_("Your response is posted."),
    "analyst-named": N_("They are now an analyst of this consultation, and it is recorded in the audit trail."),
}

# The "about you" questions, as a member reads them (shown with _()).
ATTRIBUTE_WORDS = {"employer": N_("Employer"), "role": N_("Role"), "region": N_("Region"), "shift": N_("Shift")}


def key_cookie_name(consultation_id: int) -> str:
    return f"uv_consult_{consultation_id}"


def key_cookie(request: Request[Any, Any, Any], consultation_id: int, key: str, name: str | None = None) -> Cookie:
    return Cookie(key=name or key_cookie_name(consultation_id), value=key, path=f"/consult/{consultation_id}",
                  httponly=True, samesite="lax", secure=request.app.state.settings.cookie_secure,
                  max_age=KEY_DAYS * 86400)


def joining_cookies(request: Request[Any, Any, Any], consultation_id: int, joining: Joining) -> list[Cookie]:
    """The key, and the signed attributes its participant row will carry once it is written."""
    cookies = [key_cookie(request, consultation_id, joining.key)]
    if joining.about:
        cookies.append(key_cookie(request, consultation_id, joining.about, key_cookie_name(consultation_id) + "_about"))
    return cookies


def server_secret(request: Request[Any, Any, Any]) -> str:
    return request.app.state.settings.secret_key


async def participant_of(request: Request[Any, Any, Any], db: AsyncSession, consultation_id: int,
                         key: str | None = None) -> Participant | None:
    name = key_cookie_name(consultation_id)
    return await participant_for_key(db, consultation_id, key or request.cookies.get(name),
                                     secret=server_secret(request), about=request.cookies.get(name + "_about"))


async def require_participant(request: Request[Any, Any, Any], db: AsyncSession, consultation_id: int
                              ) -> Participant:
    participant = await participant_of(request, db, consultation_id)
    if participant is None:
        raise ConsultError("Join this consultation first, or enter your resume code on its page.", 403)
    return participant


def local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(ZONE) if moment is not None else None


def parse_local(raw: str, what: str) -> datetime | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ConsultError(f"{what}: '{raw[:40]}' is not a date and time such as 2027-03-01T09:00.") from None
    return value.replace(tzinfo=ZONE) if value.tzinfo is None else value


def consult_page(template: str, request: Request[Any, Any, Any], consultation: Consultation | None = None,
                 status_code: int = 200, **context: Any) -> Template:
    done = request.query_params.get("done") or ""
    if done in NOTICES:
        context.setdefault("notice", NOTICES[done])
    if consultation is not None:
        context.setdefault("phases", open_phases(consultation))
        follow_event_language(request, consultation.language)  # for a member who chose none
    context.setdefault("question_of", lambda c: question_wording(c, current_language()))
    context.setdefault("translations_of", lambda c: read(c.translations))
    return page(template, request, status_code=status_code, consultation=consultation, local=local,
                phase_words=PHASE_WORDS, attribute_words=ATTRIBUTE_WORDS, **context)


def form_text(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""

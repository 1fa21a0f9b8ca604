"""Conference admin pages for its staff: overview, settings, business sessions, roles."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import ROLE_LABELS
from unionvote.accounts.services import roles_in_conference
from unionvote.conferences import lookup, presence
from unionvote.conferences.access import conference_staff
from unionvote.conferences.models import CardVoteMode, Conference, QuorumKind
from unionvote.conferences.pages_common import conference_page, load_conference, text_of, whole_number
from unionvote.conferences.quorum import parse_quorum_rule, rule_in_words
from unionvote.conferences.settings import SettingsChange, update_settings
from unionvote.db import utcnow
from unionvote.errors import RuleViolation
from unionvote.web import see_other

SETTINGS_FIELDS = ("name", "starts_on", "ends_on", "time_zone", "quorum_kind", "quorum_value", "card_vote_mode",
                   "retention_days")
# Which field a settings rule's message is about, so the message can stand beside that field.
MESSAGE_FIELDS = (("quorum rule must be", "quorum_kind"), ("quorum", "quorum_value"), ("time zone", "time_zone"),
                  ("end before", "ends_on"), ("card vote", "card_vote_mode"), ("personal data", "retention_days"),
                  ("name", "name"))


def _rule_text(conference: Conference) -> str:
    return rule_in_words(parse_quorum_rule(conference.quorum_kind, conference.quorum_value))


def _settings_form(conference: Conference) -> dict[str, Any]:
    form = {name: getattr(conference, name) for name in SETTINGS_FIELDS}
    form["totp_required_for_delegates"] = conference.totp_required_for_delegates
    return {k: ("" if v is None else v) for k, v in form.items()}


def _read_settings(form: Any) -> tuple[SettingsChange, dict[str, str]]:
    """The form as a settings change, and any field that could not even be read."""
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for name in ("starts_on", "ends_on"):
        raw = text_of(form, name)
        try:
            days[name] = date.fromisoformat(raw) if raw else None
        except ValueError:
            days[name] = None
            errors[name] = f"'{raw}' is not a date: write it as 2027-05-14."
    retention = whole_number(text_of(form, "retention_days"))
    if retention is None:
        errors["retention_days"] = "Write the number of days as a whole number, such as 365."
    change = SettingsChange(
        name=text_of(form, "name"), starts_on=days["starts_on"], ends_on=days["ends_on"],
        time_zone=text_of(form, "time_zone"),
        totp_required_for_delegates=form.get("totp_required_for_delegates") == "on",
        quorum_kind=text_of(form, "quorum_kind"), quorum_value=text_of(form, "quorum_value") or None,
        card_vote_mode=text_of(form, "card_vote_mode"), retention_days=retention or 0)
    return change, errors


def _field_of(message: str) -> str:
    lowered = message.lower()
    return next((field for words, field in MESSAGE_FIELDS if words in lowered), "name")


def _session_moment(day: str, clock: str, zone: zoneinfo.ZoneInfo) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=zone)
    except ValueError:
        return None


class ConferenceAdminPages(Controller):
    path = "/conferences/{conference_id:int}"
    guards = [conference_staff]
    include_in_schema = False

    @get("/")
    async def overview(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                       ) -> Template:
        conference = await load_conference(db_session, conference_id)
        now = utcnow()
        return conference_page("conferences/overview.html", request, conference,
                               counts=await lookup.register_counts(db_session, conference_id),
                               rule_text=_rule_text(conference),
                               running=await lookup.session_for_check_in(db_session, conference_id, now))

    async def _settings_page(self, request: Request[Any, Any, Any], conference: Conference, form: dict[str, Any],
                             errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
        return conference_page("conferences/settings.html", request, conference, status_code=status_code,
                               form=form, errors=errors or {}, quorum_kinds=list(QuorumKind),
                               card_modes=list(CardVoteMode))

    @get("/settings")
    async def settings_form(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                            ) -> Template:
        conference = await load_conference(db_session, conference_id)
        return await self._settings_page(request, conference, _settings_form(conference))

    @post("/settings")
    async def save_settings(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                            ) -> Template | Redirect:
        form = await request.form()
        conference = await load_conference(db_session, conference_id)
        change, errors = _read_settings(form)
        if not errors:
            try:
                await update_settings(db_session, conference_id, change, by=request.scope["user"].id)
            except RuleViolation as exc:
                errors = {_field_of(str(exc)): str(exc)}
        if errors:
            await db_session.rollback()
            submitted = {name: text_of(form, name) for name in SETTINGS_FIELDS}
            submitted["totp_required_for_delegates"] = form.get("totp_required_for_delegates") == "on"
            return await self._settings_page(request, await load_conference(db_session, conference_id), submitted,
                                             errors, status_code=400)
        return see_other(f"/conferences/{conference.id}?done=settings-saved")

    async def _sessions_page(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int,
                             form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                             status_code: int = 200) -> Template:
        conference = await load_conference(db, conference_id)
        return conference_page("conferences/sessions.html", request, conference, status_code=status_code,
                               sessions=await presence.business_sessions(db, conference_id), form=form or {},
                               errors=errors or {})

    @get("/sessions")
    async def sessions(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                       ) -> Template:
        return await self._sessions_page(request, db_session, conference_id)

    @post("/sessions")
    async def add_session(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                          ) -> Template | Redirect:
        form = await request.form()
        submitted = {name: text_of(form, name) for name in ("name", "day", "starts", "ends")}
        conference = await load_conference(db_session, conference_id)
        zone = zoneinfo.ZoneInfo(conference.time_zone)
        starts = _session_moment(submitted["day"], submitted["starts"], zone)
        ends = _session_moment(submitted["day"], submitted["ends"], zone)
        errors: dict[str, str] = {}
        status_code = 400
        if starts is None:
            errors["day" if not submitted["day"] else "starts"] = "Give the day and the start time, such as 09:30."
        if ends is None:
            errors["ends"] = "Give the end time, such as 12:30."
        if not errors:
            try:
                await presence.add_business_session(db_session, conference_id, name=submitted["name"],
                                                    starts_at=starts, ends_at=ends,  # type: ignore[arg-type]
                                                    by=request.scope["user"].id)
            except RuleViolation as exc:
                errors["name" if str(exc).startswith("Give the session a name") else "ends"] = str(exc)
                status_code = exc.status_code
        if errors:
            await db_session.rollback()
            return await self._sessions_page(request, db_session, conference_id, submitted, errors, status_code)
        return see_other(f"/conferences/{conference_id}/sessions?done=session-added")

    @get("/roles")
    async def roles(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                    ) -> Template:
        conference = await load_conference(db_session, conference_id)
        return conference_page("conferences/roles.html", request, conference,
                               grants=await roles_in_conference(db_session, conference_id), role_labels=ROLE_LABELS)

"""Conference set-up API for its staff: settings and business sessions."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, patch, post
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences import presence
from unionvote.conferences.access import anyone_in_conference, conference_staff
from unionvote.conferences.pages_common import load_conference
from unionvote.conferences.quorum import parse_quorum_rule, rule_in_words
from unionvote.conferences.schemas import BusinessSessionOut, NewBusinessSession, SettingsOut, settings_out
from unionvote.conferences.settings import SettingsChange, update_settings

CONFERENCE_API = "/api/v1/conferences/{conference_id:int}"


def _settings(conference: Any) -> SettingsOut:
    return settings_out(conference, rule_in_words(parse_quorum_rule(conference.quorum_kind, conference.quorum_value)))


def session_out(s: Any) -> BusinessSessionOut:
    return BusinessSessionOut(id=s.id, name=s.name, starts_at=s.starts_at, ends_at=s.ends_at)


class ConferenceSetupApi(Controller):
    path = CONFERENCE_API
    tags = ["conferences"]

    @get("/settings", guards=[conference_staff], summary="The conference's settings")
    async def get_settings(self, db_session: AsyncSession, conference_id: int) -> SettingsOut:
        return _settings(await load_conference(db_session, conference_id))

    @patch("/settings", guards=[conference_staff], summary="Change settings: only the fields sent change",
           description="The whole change is checked before anything is saved: dates in order, a time zone name "
                       "such as Europe/London, quorum_kind none | delegates | bodies_share | weight_share with "
                       "quorum_value '150' or '1/2', card_vote_mode block | split, retention_days 1 to 3650.")
    async def update(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                     data: SettingsChange) -> SettingsOut:
        return _settings(await update_settings(db_session, conference_id, data, by=request.scope["user"].id))

    @get("/sessions", guards=[anyone_in_conference], summary="Business sessions, in order")
    async def sessions(self, db_session: AsyncSession, conference_id: int) -> list[BusinessSessionOut]:
        await load_conference(db_session, conference_id)
        return [session_out(s) for s in await presence.business_sessions(db_session, conference_id)]

    @post("/sessions", guards=[conference_staff], summary="Add a business session (times with a time zone)")
    async def add_session(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                          data: NewBusinessSession) -> BusinessSessionOut:
        session = await presence.add_business_session(db_session, conference_id, name=data.name,
                                                      starts_at=data.starts_at, ends_at=data.ends_at,
                                                      by=request.scope["user"].id)
        return session_out(session)

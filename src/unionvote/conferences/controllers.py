"""Conference API. The pages live with the staff home for now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.channels import ChannelsPlugin
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.admin import announce_conference
from unionvote.auth import CurrentUser, requires_admin, requires_staff
from unionvote.conferences import services


class NewConference(msgspec.Struct, forbid_unknown_fields=True):
    slug: str
    name: str


class ConferenceOut(msgspec.Struct):
    id: int
    slug: str
    name: str
    status: str
    created_at: datetime


def conference_out(c: Any) -> ConferenceOut:
    return ConferenceOut(id=c.id, slug=c.slug, name=c.name, status=c.status, created_at=c.created_at)


class ConferencesApi(Controller):
    path = "/api/v1/conferences"
    tags = ["conferences"]

    @get("/", guards=[requires_staff], summary="Conferences you hold a staff role in (all, for admins)")
    async def list_conferences(self, request: Request[Any, Any, Any], db_session: AsyncSession
                               ) -> list[ConferenceOut]:
        user: CurrentUser = request.scope["user"]
        visible = await services.conferences_visible_to(db_session, user.is_admin, set(user.roles))
        return [conference_out(c) for c in visible]

    @post("/", guards=[requires_admin], summary="Create a conference")
    async def create(self, request: Request[Any, Any, Any], db_session: AsyncSession, data: NewConference,
                     channels: ChannelsPlugin) -> ConferenceOut:
        conference = await services.create_conference(db_session, slug=data.slug, name=data.name,
                                                      by=request.scope["user"].id)
        announce_conference(request, db_session, channels, conference)
        return conference_out(conference)

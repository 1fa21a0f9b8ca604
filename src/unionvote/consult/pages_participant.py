"""A participant's pages: join (or resume), Share, Star, report, Discover. Plain forms; phone first.

Every page works without JavaScript. After joining, the participant is recognised by their
key cookie alone, never by their login.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import public
from unionvote.consult import moderation, participation, ranking, setup, share, star
from unionvote.consult.audience import audience_of
from unionvote.consult.live import counts_changed
from unionvote.consult.models import ATTRIBUTES
from unionvote.consult.pages_common import (
    consult_page,
    form_text,
    key_cookie,
    key_cookie_name,
    participant_of,
    require_participant,
)
from unionvote.consult.setup import ConsultError
from unionvote.consult.themes import themes_of
from unionvote.web import see_other


class ParticipantPages(Controller):
    path = "/consult/{consultation_id:int}"
    guards = [public]  # recognised by the participant's key; joining checks the audience itself
    include_in_schema = False

    async def _home(self, request: Request[Any, Any, Any], db: AsyncSession, consultation_id: int,
                    error: str | None = None, status_code: int = 200) -> Template:
        consultation = await setup.load(db, consultation_id)
        participant = await participant_of(request, db, consultation_id)
        user = request.scope.get("user")
        joined = user is not None and await participation.has_joined(db, consultation_id, user.id)
        progress = await star.progress(db, consultation, participant) if participant else None
        mine = await share.own_thoughts(db, participant) if participant else []
        return consult_page("consult/home.html", request, consultation, status_code=status_code,
                            participant=participant, joined=joined, progress=progress, mine=mine, error=error,
                            audience=audience_of(consultation), attributes=ATTRIBUTES,
                            may_run=user is not None and setup.may_run(user, consultation),
                            resume_code=request.cookies.get(key_cookie_name(consultation_id)) if participant else None)

    @get("/")
    async def home(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                   ) -> Template:
        return await self._home(request, db_session, consultation_id)

    @post("/join")
    async def join(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                   ) -> Template | Redirect:
        consultation = await setup.load(db_session, consultation_id)
        user = request.scope.get("user")
        if user is None or user.needs_second_factor:
            return see_other(f"/login?next=/consult/{consultation_id}")
        form = await request.form()
        try:
            joining = await participation.join_as_account(
                db_session, consultation, user.id, {a: form_text(form, a) for a in ATTRIBUTES})
        except ConsultError as exc:
            await db_session.rollback()
            return await self._home(request, db_session, consultation_id, error=str(exc), status_code=exc.status_code)
        counts_changed(request, db_session, consultation_id)
        response = see_other(f"/consult/{consultation_id}?done=joined")
        response.cookies.append(key_cookie(request, consultation_id, joining.key))
        return response

    @post("/resume")
    async def resume(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                     ) -> Template | Redirect:
        await setup.load(db_session, consultation_id)
        key = form_text(await request.form(), "code").strip()
        if await participation.participant_for_key(db_session, consultation_id, key) is None:
            return await self._home(request, db_session, consultation_id, status_code=400,
                                    error="That resume code does not belong to this consultation. "
                                          "Check you copied all of it, starting uvc_.")
        response = see_other(f"/consult/{consultation_id}?done=resumed")
        response.cookies.append(key_cookie(request, consultation_id, key))
        return response

    # ---- Share ----------------------------------------------------------------------------

    async def _share(self, request: Request[Any, Any, Any], db: AsyncSession, consultation_id: int, *,
                     text: str = "", similar: list[Any] | None = None, error: str | None = None,
                     status_code: int = 200) -> Template:
        consultation = await setup.load(db, consultation_id)
        participant = await require_participant(request, db, consultation_id)
        return consult_page("consult/share.html", request, consultation, status_code=status_code,
                            participant=participant, text=text, similar=similar or [], error=error,
                            max_length=share.MAX_LENGTH)

    @get("/share")
    async def share_form(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                         ) -> Template:
        return await self._share(request, db_session, consultation_id)

    @post("/share")
    async def share_thought(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                            ) -> Template | Redirect:
        consultation = await setup.load(db_session, consultation_id)
        participant = await require_participant(request, db_session, consultation_id)
        form = await request.form()
        text = form_text(form, "text")
        try:
            if form_text(form, "confirm") != "yes":
                similar = await share.similar_to(db_session, consultation, text)
                setup.require_phase(consultation, "share")
                if similar:
                    return await self._share(request, db_session, consultation_id, text=text, similar=similar)
            thought = await share.share_thought(db_session, consultation, participant, text)
        except ConsultError as exc:
            await db_session.rollback()
            return await self._share(request, db_session, consultation_id, text=text, error=str(exc),
                                     status_code=exc.status_code)
        counts_changed(request, db_session, consultation_id)
        return see_other(f"/consult/{consultation_id}?done={'held' if thought.status == 'held' else 'shared'}")

    # ---- Star -----------------------------------------------------------------------------

    async def _star(self, request: Request[Any, Any, Any], db: AsyncSession, consultation_id: int,
                    error: str | None = None, status_code: int = 200) -> Template:
        consultation = await setup.load(db, consultation_id)
        participant = await require_participant(request, db, consultation_id)
        thought, progress = await star.next_with_progress(db, consultation, participant)
        return consult_page("consult/star.html", request, consultation, status_code=status_code,
                            participant=participant, thought=thought, progress=progress, error=error,
                            report_reasons=moderation.REPORT_REASONS,
                            go_on=request.query_params.get("more") == "1")

    @get("/star")
    async def star_form(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                        ) -> Template:
        return await self._star(request, db_session, consultation_id)

    @post("/star")
    async def rate(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                   ) -> Template | Redirect:
        consultation = await setup.load(db_session, consultation_id)
        participant = await require_participant(request, db_session, consultation_id)
        form = await request.form()
        try:
            stars = star.parse_stars("skip" if form_text(form, "skip") else form_text(form, "stars") or None)
            await star.rate(db_session, consultation, participant, form_text(form, "thought"), stars)
        except ConsultError as exc:
            await db_session.rollback()
            return await self._star(request, db_session, consultation_id, error=str(exc),
                                    status_code=exc.status_code)
        counts_changed(request, db_session, consultation_id)
        more = "&more=1" if form_text(form, "more") == "1" else ""
        return see_other(f"/consult/{consultation_id}/star?done=rated{more}")

    @post("/report")
    async def report(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                     ) -> Template | Redirect:
        consultation = await setup.load(db_session, consultation_id)
        participant = await require_participant(request, db_session, consultation_id)
        form = await request.form()
        try:
            await moderation.report(db_session, consultation, participant, form_text(form, "thought"),
                                    form_text(form, "reason"))
        except ConsultError as exc:
            await db_session.rollback()
            return await self._star(request, db_session, consultation_id, error=str(exc),
                                    status_code=exc.status_code)
        return see_other(f"/consult/{consultation_id}/star?done=reported")

    # ---- Discover -------------------------------------------------------------------------

    @get("/discover")
    async def discover(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                       ) -> Template:
        consultation = await setup.load(db_session, consultation_id)
        user = request.scope.get("user")
        runs = user is not None and not user.needs_second_factor and setup.may_run(user, consultation)
        if not runs:
            await require_participant(request, db_session, consultation_id)
            setup.require_phase(consultation, "discover")
        return consult_page("consult/discover.html", request, consultation,
                            **await discover_context(db_session, consultation_id,
                                                     correct_bias=request.query_params.get("fair") == "1"))


async def discover_context(db: AsyncSession, consultation_id: int, *, correct_bias: bool) -> dict[str, Any]:
    ranked, thoughts = await ranking.ranking(db, consultation_id, correct_bias=correct_bias)
    views = await ranking.segments(db, consultation_id)
    themes = await themes_of(db, consultation_id)
    return {"ranked": ranked, "thoughts": thoughts, "views": views, "correct_bias": correct_bias,
            "common": {v.attribute: ranking.common_ground(v) for v in views}, "themes": themes,
            "responses": await moderation.responses(db, consultation_id), "min_segment": ranking.MIN_SEGMENT}


class InvitationPages(Controller):
    path = "/invited/{token:str}"
    guards = [public]  # the link itself is the credential
    include_in_schema = False

    async def _page(self, request: Request[Any, Any, Any], db: AsyncSession, token: str) -> Template:
        try:
            invitation = await participation.invitation_for(db, token)
        except ConsultError as exc:
            return consult_page("consult/invited.html", request, None, status_code=exc.status_code, error=str(exc),
                                invitation=None)
        consultation = await setup.load(db, invitation.consultation_id)
        return consult_page("consult/invited.html", request, consultation, invitation=invitation, error=None,
                            attributes=ATTRIBUTES)

    @get("/")
    async def show(self, request: Request[Any, Any, Any], db_session: AsyncSession, token: str) -> Template:
        return await self._page(request, db_session, token)

    @post("/")
    async def accept(self, request: Request[Any, Any, Any], db_session: AsyncSession, token: str
                     ) -> Template | Redirect:
        form = await request.form()
        try:
            joining = await participation.join_with_invitation(db_session, token,
                                                               {a: form_text(form, a) for a in ATTRIBUTES})
        except ConsultError as exc:
            await db_session.rollback()
            return consult_page("consult/invited.html", request, None, status_code=exc.status_code,
                                error=str(exc), invitation=None)
        cid = joining.participant.consultation_id
        counts_changed(request, db_session, cid)
        response = see_other(f"/consult/{cid}?done=joined")
        response.cookies.append(key_cookie(request, cid, joining.key))
        return response

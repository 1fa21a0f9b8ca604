"""A participant's pages: join (or resume), Share, Star, report, Discover. Plain forms; phone first.

Every page works without JavaScript. After joining, the participant is recognised by their
key cookie alone, never by their login.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import SESSION_BOOKKEEPING, public, requires_login
from unionvote.consult import moderation, participation, ranking, setup, share, star
from unionvote.consult.audience import audience_of
from unionvote.consult.live import counts_changed
from unionvote.consult.models import ATTRIBUTES, Consultation
from unionvote.consult.pages_common import (
    consult_page,
    form_text,
    joining_cookies,
    key_cookie,
    key_cookie_name,
    participant_of,
    require_participant,
    server_secret,
)
from unionvote.consult.setup import ConsultError
from unionvote.consult.themes import themes_of
from unionvote.i18n import _
from unionvote.web import see_other

# A signed-in person's "last seen" write, in a transaction of its own just before the handler's, would sit
# beside their first thought or rating in transaction order: these pages leave the session row alone.
NO_SESSION_BOOKKEEPING = {SESSION_BOOKKEEPING: False}


class ParticipantPages(Controller):
    path = "/consult/{consultation_id:int}"
    guards = [public]  # recognised by the participant's key; joining checks the audience itself
    opt = NO_SESSION_BOOKKEEPING
    include_in_schema = False

    async def _home(self, request: Request[Any, Any, Any], db: AsyncSession, consultation_id: int,
                    error: str | None = None, status_code: int = 200) -> Template:
        consultation = await setup.load(db, consultation_id)
        participant = await participant_of(request, db, consultation_id)
        user = request.scope.get("user")
        joined = user is not None and await participation.has_joined(db, consultation_id, user.id,
                                                                      secret=server_secret(request))
        progress = await star.progress(db, consultation, participant) if participant else None
        mine = await share.own_thoughts(db, participant) if participant else []
        return consult_page("consult/home.html", request, consultation, status_code=status_code,
                            participant=participant, joined=joined, progress=progress, mine=mine, error=error,
                            audience=audience_of(consultation), attributes=ATTRIBUTES,
                            may_run=user is not None and setup.may_run(user, consultation),
                            reads_results=participant is not None or await _in_audience(request, db, consultation),
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
                db_session, consultation, user.id, {a: form_text(form, a) for a in ATTRIBUTES},
                secret=server_secret(request))
        except ConsultError as exc:
            await db_session.rollback()
            return await self._home(request, db_session, consultation_id, error=str(exc), status_code=exc.status_code)
        counts_changed(request, db_session, consultation_id)
        response = see_other(f"/consult/{consultation_id}?done=joined")
        response.cookies.extend(joining_cookies(request, consultation_id, joining))
        return response

    @post("/resume")
    async def resume(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                     ) -> Template | Redirect:
        await setup.load(db_session, consultation_id)
        key = form_text(await request.form(), "code").strip()
        if await participant_of(request, db_session, consultation_id, key) is None:
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
                            report_reasons={key: _(words) for key, words in moderation.REPORT_REASONS.items()},
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
            # Once Discover opens, the whole audience reads the results, whether they took part or not.
            if not await _in_audience(request, db_session, consultation) \
                    and await participant_of(request, db_session, consultation_id) is None:
                raise ConsultError("The results are for the people this consultation asked: open the link in "
                                   "your invitation, or log in as a delegate of the conference.", 403)
            setup.require_phase(consultation, "discover")
        return await discover_page(request, db_session, consultation)


async def _in_audience(request: Request[Any, Any, Any], db: AsyncSession, consultation: Consultation) -> bool:
    """Is the logged-in person one the consultation asks (a delegate of its conference)?"""
    user = request.scope.get("user")
    if user is None or user.needs_second_factor or audience_of(consultation).uses_invitations:
        return False
    return await audience_of(consultation).admits_account(db, consultation, user.id)


async def discover_page(request: Request[Any, Any, Any], db: AsyncSession, consultation: Consultation,
                        base: str | None = None) -> Template:
    context = await discover_context(db, consultation.id, correct_bias=request.query_params.get("fair") == "1")  # type: ignore[arg-type]
    return consult_page("consult/discover.html", request, consultation, results_base=base, **context)


async def discover_context(db: AsyncSession, consultation_id: int, *, correct_bias: bool) -> dict[str, Any]:
    ranked, thoughts = await ranking.ranking(db, consultation_id, correct_bias=correct_bias)
    views = await ranking.segments(db, consultation_id)
    themes = await themes_of(db, consultation_id)
    return {"ranked": ranked, "thoughts": thoughts, "views": views, "correct_bias": correct_bias,
            "common": {v.attribute: ranking.common_ground(v) for v in views}, "themes": themes,
            "responses": await moderation.responses(db, consultation_id), "min_segment": ranking.MIN_SEGMENT}


class ConsultationsForMe(Controller):
    """The consultations of the conferences a signed-in person belongs to, for their navigation."""

    path = "/my-consultations"
    guards = [requires_login]
    include_in_schema = False

    @get("/")
    async def index(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        mine = await setup.asking(db_session, request.scope["user"])
        return consult_page("consult/mine.html", request, None, consultations=mine,
                            phases_of={c.id: setup.open_phases(c) for c in mine})


class InvitationPages(Controller):
    path = "/invited/{token:str}"
    guards = [public]  # the link itself is the credential
    opt = NO_SESSION_BOOKKEEPING
    include_in_schema = False

    async def _page(self, request: Request[Any, Any, Any], db: AsyncSession, token: str) -> Template:
        try:
            invitation = await participation.reader_invitation(db, token)
            consultation = await setup.load(db, invitation.consultation_id)
            results = "discover" in setup.open_phases(consultation)
            used = await participation.invitation_used(db, invitation, secret=server_secret(request))
            if not results:
                await participation.invitation_for(db, token, secret=server_secret(request))  # or it says why not
        except ConsultError as exc:
            return consult_page("consult/invited.html", request, None, status_code=exc.status_code, error=str(exc),
                                invitation=None)
        return consult_page("consult/invited.html", request, consultation, invitation=invitation, error=None,
                            attributes=ATTRIBUTES, results=results, invitation_token=token, used=used)

    @get("/results")
    async def results(self, request: Request[Any, Any, Any], db_session: AsyncSession, token: str) -> Template:
        """Discover for everyone the link was sent to, whether they joined or not."""
        invitation = await participation.reader_invitation(db_session, token)
        consultation = await setup.load(db_session, invitation.consultation_id)
        setup.require_phase(consultation, "discover")
        return await discover_page(request, db_session, consultation, base=f"/invited/{token}/results")

    @get("/")
    async def show(self, request: Request[Any, Any, Any], db_session: AsyncSession, token: str) -> Template:
        return await self._page(request, db_session, token)

    @post("/")
    async def accept(self, request: Request[Any, Any, Any], db_session: AsyncSession, token: str
                     ) -> Template | Redirect:
        form = await request.form()
        try:
            joining = await participation.join_with_invitation(db_session, token,
                                                               {a: form_text(form, a) for a in ATTRIBUTES},
                                                               secret=server_secret(request))
        except ConsultError as exc:
            await db_session.rollback()
            return consult_page("consult/invited.html", request, None, status_code=exc.status_code,
                                error=str(exc), invitation=None)
        cid = joining.participant.consultation_id
        counts_changed(request, db_session, cid)
        response = see_other(f"/consult/{cid}?done=joined")
        response.cookies.extend(joining_cookies(request, cid, joining))
        return response

"""Chasing non-voters: organisers give reps their workplace or branch; reps text, call and record outcomes.

Everything here works as plain forms and links; htmx only refreshes a rep's list while it is open.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import requires_login, requires_member_ballot_watcher
from unionvote.ballots import chasing, services
from unionvote.ballots.live_chase import chase_topic
from unionvote.ballots.outreach_models import OUTCOMES, REP_SEGMENTS
from unionvote.ballots.pages_common import ballot_page, carry_out, text_of
from unionvote.errors import RuleViolation
from unionvote.i18n import N_, TranslatedWords, _
from unionvote.web import see_other

DONE = {"rep-added": N_("The rep can now open the chase list of their workplace or branch."),
        "rep-removed": N_("The rep no longer has a chase list for this ballot."),
        "message-set": N_("Reps' texts now use the new message."),
        "recorded": N_("Outcome recorded.")}


class ChasingOrganiserPages(Controller):
    path = "/member-ballots/{ballot_id:int}"
    guards = [requires_member_ballot_watcher]
    include_in_schema = False

    async def _page(self, request: Request[Any, Any, Any], db: AsyncSession, ballot_id: int, status_code: int = 200,
                    **context: Any) -> Template:
        ballot = await services.get_ballot(db, ballot_id)
        context.setdefault("notice", DONE.get(request.query_params.get("done") or ""))
        return ballot_page("ballots/chasing.html", request, ballot, status_code=status_code,
                           reps=await chasing.rep_figures(db, ballot),
                           places=await chasing.workplace_figures(db, ballot),
                           message=await chasing.chase_message(db, ballot_id), placeholders=chasing.PLACEHOLDERS,
                           rep_segments=REP_SEGMENTS, **context)

    async def _act(self, request: Request[Any, Any, Any], db: AsyncSession, ballot_id: int,
                   action: Callable[[], Awaitable[Any]], done: str) -> Template | Redirect:
        return await carry_out(db, action, f"/member-ballots/{ballot_id}/chasing?done={done}", lambda exc: self._page(
            request, db, ballot_id, status_code=exc.status_code, error=str(exc)))

    @get("/chasing")
    async def chasing_page(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int
                           ) -> Template:
        return await self._page(request, db_session, ballot_id)

    @post("/reps")
    async def grant_rep(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int
                        ) -> Template | Redirect:
        form = await request.form()
        return await self._act(request, db_session, ballot_id, lambda: chasing.grant_rep(
            db_session, ballot_id, text_of(form, "email", 320), text_of(form, "kind", 16), text_of(form, "value", 200),
            by=request.scope["user"].id), "rep-added")

    @post("/reps/remove")
    async def remove_rep(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int
                         ) -> Template | Redirect:
        form = await request.form()
        user_id = text_of(form, "user_id", 12)
        if not user_id.isdigit():
            return await self._page(request, db_session, ballot_id, status_code=400, error="Choose the rep to remove.")
        return await self._act(request, db_session, ballot_id, lambda: chasing.remove_rep(
            db_session, ballot_id, int(user_id), by=request.scope["user"].id), "rep-removed")

    @post("/chase-message")
    async def set_message(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int
                          ) -> Template | Redirect:
        form = await request.form()
        return await self._act(request, db_session, ballot_id, lambda: chasing.set_chase_message(
            db_session, ballot_id, text_of(form, "message", 2000), by=request.scope["user"].id), "message-set")


class RepChasePages(Controller):
    """A rep's own list. Anyone signed in reaches the handler; only a rep of the ballot gets a list (else 403)."""

    path = "/chase/{ballot_id:int}"
    guards = [requires_login]
    include_in_schema = False

    async def _list(self, request: Request[Any, Any, Any], db: AsyncSession, ballot_id: int, template: str,
                    status_code: int = 200, **context: Any) -> Template:
        user = request.scope["user"]
        scope = await chasing.scope_of_rep(db, ballot_id, user.id)
        ballot = await services.get_ballot(db, ballot_id)
        context.setdefault("notice", DONE.get(request.query_params.get("done") or ""))
        return ballot_page(template, request, ballot, status_code=status_code, scope=scope,
                           topic=chase_topic(scope),
                           outcomes=TranslatedWords(OUTCOMES),
                           people=await chasing.chase_list(db, ballot, scope, user.display_name), **context)

    @get("/")
    async def chase_list(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int) -> Template:
        return await self._list(request, db_session, ballot_id, "ballots/chase.html")

    @get("/list")
    async def chase_list_fragment(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int
                                  ) -> Template:
        return await self._list(request, db_session, ballot_id, "ballots/_chase_list.html")

    @post("/outcome")
    async def record_outcome(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int
                             ) -> Template | Redirect:
        user = request.scope["user"]
        scope = await chasing.scope_of_rep(db_session, ballot_id, user.id)
        form = await request.form()
        member = text_of(form, "member_id", 12)
        try:
            if not member.isdigit():
                raise services.MemberBallotError(_("Choose the member whose outcome you are recording."))
            ballot = await services.get_ballot(db_session, ballot_id)
            await chasing.record_outcome(db_session, ballot, scope, int(member), text_of(form, "outcome", 16),
                                         rep_id=user.id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._list(request, db_session, ballot_id, "ballots/chase.html",
                                    status_code=exc.status_code, error=str(exc))
        return see_other(f"/chase/{ballot_id}?done=recorded#member-{member}")

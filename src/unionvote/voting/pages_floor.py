"""The voting side of the chair's floor page: put the next question to the vote in one step, and the ballots
running now (turnout, close, declare) beside the debate."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences.quorum import quorum
from unionvote.errors import RuleViolation
from unionvote.motions.access import chair
from unionvote.motions.floor_panels import floor_panel
from unionvote.motions.live import floor_changed
from unionvote.motions.pages_common import text_of
from unionvote.motions.pages_floor import floor_page
from unionvote.voting import services
from unionvote.voting.live import ballot_changed
from unionvote.voting.models import BallotState
from unionvote.voting.questions import put_question
from unionvote.voting.schemas import draft_from_form
from unionvote.voting.views import view_of
from unionvote.web import see_other


@floor_panel
async def ballots_on_the_floor(db: AsyncSession, conference_id: int) -> dict[str, Any]:
    """Ballots open or waiting to be declared, and the quorum the next opening will be checked against."""
    running = await services.ballots_of(db, conference_id, states=[BallotState.OPEN, BallotState.CLOSED])
    return {"floor_ballots": [await view_of(db, b) for b in running], "floor_quorum": await quorum(db, conference_id)}


def override_reason(form: Any) -> str | None:
    """The reason to open without a quorum, only when the chair ticked the override."""
    if text_of(form, "override_quorum") != "yes":
        return None
    reason = text_of(form, "override_reason").strip()
    if not reason:
        raise RuleViolation("Say why standing orders allow this vote without a quorum; it is recorded.")
    return reason


class FloorVotePages(Controller):
    path = "/conferences/{conference_id:int}/floor"
    guards = [chair]
    include_in_schema = False

    @post("/put-to-vote")
    async def put_to_vote(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                          ) -> Template | Redirect:
        form = await request.form()
        try:
            draft = draft_from_form(form)
            ballot = await put_question(db_session, conference_id, draft, by=request.scope["user"].id,
                                        override_reason=override_reason(form))
            await ballot_changed(request.app, db_session, ballot)
            await floor_changed(request, db_session, conference_id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await floor_page(request, db_session, conference_id, str(exc), exc.status_code,
                                    form={name: text_of(form, name) for name in form})
        return see_other(f"/conferences/{conference_id}/floor?done=voting")

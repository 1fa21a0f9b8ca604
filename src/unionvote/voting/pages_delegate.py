"""The delegate's Vote page: what is being decided now, the ballot form, the receipt, the published trackers.

Everything works as plain forms and redirects; with JavaScript the panels arrive and change
by themselves (voting.live). The tracker is kept in a cookie on the voter's own device and
nowhere on the server, which must not be able to link a voter to a vote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences.access import anyone_in_conference
from unionvote.conferences.pages_common import conference_page, load_conference
from unionvote.errors import RuleViolation
from unionvote.voting import casting, services
from unionvote.voting.audit_challenge import prepared_from_form
from unionvote.voting.live import turnout_changed
from unionvote.voting.models import Ballot, BallotState
from unionvote.voting.receipts import format_tracker, new_token
from unionvote.voting.views import BallotView, view_of
from unionvote.web import see_other

SHOWN_STATES = (BallotState.OPEN, BallotState.CLOSED, BallotState.DECLARED, BallotState.VOID)
RECENT_RESULTS = 3  # closed, declared or void ballots kept on the Vote page under the open ones
TRACKER = re.compile(r"[A-Z2-7]{12}")
RECEIPT_DAYS = 7  # a conference lasts days; one cookie per ballot, so they must not pile up


def tracker_cookie(ballot_id: int) -> str:
    return f"uv_tracker_{ballot_id}"


def vote_path(conference_id: int) -> str:
    return f"/conferences/{conference_id}/vote"


@dataclass(frozen=True)
class MyPlace:
    """Where this person stands in one ballot: may they vote, have they, and their tracker if this device has it."""

    in_electorate: bool
    voted: bool
    tracker: str | None
    token: str  # a fresh ballot token for the form (the no-JavaScript path)


async def my_place(request: Request[Any, Any, Any], db: AsyncSession, ballot: Ballot) -> MyPlace:
    entry = await casting.voter_entry(db, ballot.id, request.scope["user"].id)  # type: ignore[arg-type]
    voted = entry is not None and await casting.has_voted(db, ballot.id, entry.delegate_id)  # type: ignore[arg-type]
    kept = request.cookies.get(tracker_cookie(ballot.id))  # type: ignore[arg-type]
    tracker = format_tracker(kept) if voted and kept and TRACKER.fullmatch(kept) else None
    return MyPlace(entry is not None, voted, tracker, new_token())


async def _panel(request: Request[Any, Any, Any], db: AsyncSession, ballot: Ballot) -> tuple[BallotView, MyPlace]:
    return await view_of(db, ballot), await my_place(request, db, ballot)


class VotePages(Controller):
    path = "/conferences/{conference_id:int}/vote"
    guards = [anyone_in_conference]
    include_in_schema = False

    @get("/")
    async def vote(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int) -> Template:
        conference = await load_conference(db_session, conference_id)
        shown = await services.ballots_of(db_session, conference_id, states=SHOWN_STATES)
        current = [b for b in shown if b.state == BallotState.OPEN]
        current += [b for b in shown if b.state != BallotState.OPEN][:RECENT_RESULTS]
        panels = [await _panel(request, db_session, b) for b in current]
        return conference_page("voting/vote.html", request, conference, panels=panels)

    async def _ballot_page(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int,
                           ballot_id: int, *, template: str = "voting/ballot.html", error: str | None = None,
                           status_code: int = 200) -> Template:
        conference = await load_conference(db, conference_id)
        ballot = await services.get_ballot(db, ballot_id, conference_id)
        if ballot.state == BallotState.DRAFT:
            raise RuleViolation("This ballot has not opened yet.", 404)
        v, me = await _panel(request, db, ballot)
        return conference_page(template, request, conference, status_code=status_code, v=v, me=me, error=error)

    @get("/{ballot_id:int}")
    async def ballot(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                     ballot_id: int) -> Template:
        return await self._ballot_page(request, db_session, conference_id, ballot_id)

    @get("/{ballot_id:int}/panel")
    async def panel(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                    ballot_id: int) -> Template:
        """The ballot's panel alone, for the live page to fetch when a ballot opens (htmx)."""
        ballot = await services.get_ballot(db_session, ballot_id, conference_id)
        if ballot.state == BallotState.DRAFT:
            raise RuleViolation("This ballot has not opened yet.", 404)
        v, me = await _panel(request, db_session, ballot)
        return Template(template_name="voting/_my_ballot.html", context={"v": v, "me": me,
                                                                           "conference_id": conference_id})

    @post("/{ballot_id:int}")
    async def cast(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                   ballot_id: int) -> Template | Response[Any]:
        form = await request.form()
        choice = [value for value in form.getall("choice") if isinstance(value, str)] if "choice" in form else []
        token = form.get("token")
        try:  # a sealed vote the voter checked first comes with its handle (voting.audit_challenge)
            prepared = prepared_from_form(form.get("sealed"), form.get("handle"), user_id=request.scope["user"].id,
                                          secret_key=request.app.state.settings.secret_key)
            receipt = await casting.cast_vote(db_session, ballot_id, user_id=request.scope["user"].id,
                                              choice=choice, token=token if isinstance(token, str) else "",
                                              conference_id=conference_id, prepared=prepared)
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._ballot_page(request, db_session, conference_id, ballot_id, error=str(exc),
                                           status_code=exc.status_code)
        turnout_changed(request.app, db_session, ballot_id, conference_id)
        response = see_other(f"{vote_path(conference_id)}/{ballot_id}/receipt")
        response.set_cookie(tracker_cookie(ballot_id), receipt.tracker, path=vote_path(conference_id),
                            max_age=RECEIPT_DAYS * 86400, httponly=True, samesite="lax",
                            secure=request.app.state.settings.cookie_secure)
        return response

    @get("/{ballot_id:int}/receipt")
    async def receipt(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                      ballot_id: int) -> Template:
        return await self._ballot_page(request, db_session, conference_id, ballot_id, template="voting/receipt.html")

    @get("/{ballot_id:int}/trackers")
    async def trackers(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                       ballot_id: int) -> Template:
        conference = await load_conference(db_session, conference_id)
        ballot = await services.get_ballot(db_session, ballot_id, conference_id)
        if ballot.state == BallotState.DRAFT:
            raise RuleViolation("This ballot has not opened yet.", 404)
        published = None
        if ballot.state != BallotState.OPEN:
            published = [format_tracker(t) for t in await casting.trackers(db_session, ballot)]
        v, me = await _panel(request, db_session, ballot)
        return conference_page("voting/trackers.html", request, conference, v=v, me=me, trackers=published)

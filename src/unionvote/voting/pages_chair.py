"""The chair's console: prepare a ballot (free-standing or on a motion), open, close, declare, void, take it again;
and the tellers' page for the hall's counts.

Every action is a plain form and a redirect; the turnout counter and the quorum panel on the
console update by themselves over the conference topic.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences.pages_common import conference_page, load_conference, text_of
from unionvote.conferences.quorum_panel import panel_context
from unionvote.errors import RuleViolation
from unionvote.i18n import N_, TranslatedWords, _
from unionvote.motions.voting_link import in_voting_order, votable_items
from unionvote.voting import services
from unionvote.voting.access import ballot_runners, hall_counters
from unionvote.voting.counting import hall_counts
from unionvote.voting.live import ballot_changed
from unionvote.voting.models import Ballot, BallotState, Relation
from unionvote.voting.questions import spec_from_draft, subject_in
from unionvote.voting.rules import Majority, Method
from unionvote.voting.schemas import (
    BASE_WORDS,
    MAJORITY_WORDS,
    METHOD_WORDS,
    QUORUM_WORDS,
    TIE_WORDS,
    BallotDraft,
    draft_from_form,
)
from unionvote.voting.sealed import conference_trustees
from unionvote.voting.trustee_keys import trustee_progress
from unionvote.voting.views import view_of
from unionvote.web import see_other

NOTICES = {
    "created": N_("The ballot has been prepared. Open it when the conference is ready to vote."),
    "opened": N_("Voting is open."),
    "closed": N_("Voting has closed."),
    "declared": N_("The result has been declared."),
    "voided": N_("The ballot is void."),
    "follow-up": N_("A new ballot has been prepared from the last one. Open it when ready."),
    "hall-count": N_("The hall count has been recorded."),
}
WORDS = {"methods": METHOD_WORDS, "majorities": MAJORITY_WORDS, "bases": BASE_WORDS, "quorums": QUORUM_WORDS,
         "ties": TIE_WORDS}


def words_in_language() -> dict[str, TranslatedWords]:
    """The rule's choices as the console's form shows them, in the reader's language."""
    return {name: TranslatedWords(words) for name, words in WORDS.items()}


def console_path(conference_id: int, ballot_id: int | None = None) -> str:
    return f"/conferences/{conference_id}/ballots" + (f"/{ballot_id}" if ballot_id is not None else "")


def _notice(request: Request[Any, Any, Any]) -> str | None:
    return NOTICES.get(request.query_params.get("done") or "")


class BallotConsolePages(Controller):
    path = "/conferences/{conference_id:int}/ballots"
    guards = [ballot_runners]
    include_in_schema = False

    async def _list(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int,
                    error: str | None = None, status_code: int = 200) -> Template:
        conference = await load_conference(db, conference_id)
        ballots = [await view_of(db, b) for b in await services.ballots_of(db, conference_id)]
        return conference_page("voting/console_list.html", request, conference, ballots=ballots,
                               items=in_voting_order(await votable_items(db, conference_id)), notice=_notice(request),
                               error=error, status_code=status_code)

    @get("/")
    async def ballots(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                      ) -> Template:
        return await self._list(request, db_session, conference_id)

    async def _new(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int,
                   draft: BallotDraft, error: str | None = None, status_code: int = 200) -> Template:
        conference = await load_conference(db, conference_id)
        subject = None
        if draft.motion_id is not None or draft.amendment_id is not None:
            try:
                subject = await subject_in(db, conference_id, motion_id=draft.motion_id,
                                           amendment_id=draft.amendment_id)
            except RuleViolation as exc:
                return await self._list(request, db, conference_id, str(exc), exc.status_code)
        return conference_page("voting/console_new.html", request, conference, status_code=status_code,
                               draft=draft, subject=subject, error=error, words=words_in_language(),
                               trustees=len(await conference_trustees(db, conference_id)))

    @get("/new")
    async def new(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                  motion_id: int | None = None, amendment_id: int | None = None) -> Template:
        draft = BallotDraft(motion_id=motion_id, amendment_id=amendment_id)
        if motion_id is not None or amendment_id is not None:
            try:
                subject = await subject_in(db_session, conference_id, motion_id=motion_id, amendment_id=amendment_id)
            except RuleViolation as exc:  # not votable now: say why beside what is, never a dead end
                return await self._list(request, db_session, conference_id, str(exc), exc.status_code)
            if subject.two_thirds:  # rule changes need two thirds
                draft = msgspec.structs.replace(draft, majority=Majority.TWO_THIRDS.value)
        return await self._new(request, db_session, conference_id, draft)

    @post("/")
    async def create(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                     ) -> Template | Redirect:
        form = await request.form()
        draft = BallotDraft()
        try:
            draft = draft_from_form(form)
            spec = await spec_from_draft(db_session, conference_id, draft)
            ballot = await services.create_ballot(db_session, conference_id, spec, by=request.scope["user"].id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._new(request, db_session, conference_id, draft, error=str(exc),
                                   status_code=exc.status_code)
        return see_other(console_path(conference_id, ballot.id) + "?done=created")

    async def _console(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int,
                       ballot_id: int, error: str | None = None, status_code: int = 200,
                       form: dict[str, str] | None = None) -> Template:
        conference = await load_conference(db, conference_id)
        ballot = await services.get_ballot(db, ballot_id, conference_id)
        follows = await db.get(Ballot, ballot.follows_id) if ballot.follows_id else None
        return conference_page(
            "voting/console.html", request, conference, status_code=status_code, v=await view_of(db, ballot),
            follows=follows, hall=await hall_counts(db, ballot_id), error=error, form=form or {},
            notice=_notice(request), tie_by_casting_vote='"casting_vote"' in ballot.rule,
            trustees_turn=await trustee_progress(db, ballot),
            **await panel_context(db, conference_id))

    @get("/{ballot_id:int}")
    async def console(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                      ballot_id: int) -> Template:
        return await self._console(request, db_session, conference_id, ballot_id)

    async def _act(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int, ballot_id: int,
                   action: str) -> Template | Redirect:
        form = await request.form()
        submitted = {name: text_of(form, name) for name in ("casting_vote", "reason", "override_reason", "back")}
        by = request.scope["user"].id
        try:
            ballot, done = await self._do(db, conference_id, ballot_id, action, submitted, by)
        except RuleViolation as exc:
            await db.rollback()
            return await self._console(request, db, conference_id, ballot_id, error=str(exc),
                                       status_code=exc.status_code, form=submitted)
        await ballot_changed(request.app, db, ballot)
        if submitted["back"] == "floor":  # the chair acted from the floor page: stay there
            return see_other(f"/conferences/{conference_id}/floor?done=ballot-{done}")
        return see_other(console_path(conference_id, ballot.id) + f"?done={done}")

    async def _do(self, db: AsyncSession, conference_id: int, ballot_id: int, action: str, form: dict[str, str],
                  by: int) -> tuple[Ballot, str]:
        if action == "open":
            return await services.open_ballot(db, ballot_id, by=by, conference_id=conference_id,
                                              override_reason=form["override_reason"] or None), "opened"
        if action == "close":
            return await services.close_ballot(db, ballot_id, by=by, conference_id=conference_id), "closed"
        if action == "declare":
            return await services.declare_result(db, ballot_id, by=by, casting_vote=form["casting_vote"] or None,
                                                 conference_id=conference_id), "declared"
        if action == "void":
            return await services.void_ballot(db, ballot_id, reason=form["reason"], by=by,
                                              conference_id=conference_id), "voided"
        relation = Relation.CARD_VOTE if action == "card-vote" else Relation.REVOTE
        return await services.create_follow_up(db, ballot_id, relation, by=by,
                                               conference_id=conference_id), "follow-up"

    @post("/{ballot_id:int}/open")
    async def open(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                   ballot_id: int) -> Template | Redirect:
        return await self._act(request, db_session, conference_id, ballot_id, "open")

    @post("/{ballot_id:int}/close")
    async def close(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                    ballot_id: int) -> Template | Redirect:
        return await self._act(request, db_session, conference_id, ballot_id, "close")

    @post("/{ballot_id:int}/declare")
    async def declare(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                      ballot_id: int) -> Template | Redirect:
        return await self._act(request, db_session, conference_id, ballot_id, "declare")

    @post("/{ballot_id:int}/void")
    async def void(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                   ballot_id: int) -> Template | Redirect:
        return await self._act(request, db_session, conference_id, ballot_id, "void")

    @post("/{ballot_id:int}/revote")
    async def revote(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                     ballot_id: int) -> Template | Redirect:
        return await self._act(request, db_session, conference_id, ballot_id, "revote")

    @post("/{ballot_id:int}/card-vote")
    async def card_vote(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                        ballot_id: int) -> Template | Redirect:
        return await self._act(request, db_session, conference_id, ballot_id, "card-vote")


class HallCountPages(Controller):
    """Tellers enter the count for their section of the hall: show of hands, or a paper or card count."""

    path = "/conferences/{conference_id:int}/ballots/{ballot_id:int}/hall"
    guards = [hall_counters]
    include_in_schema = False

    async def _page(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int, ballot_id: int,
                    error: str | None = None, status_code: int = 200, form: dict[str, str] | None = None
                    ) -> Template:
        conference = await load_conference(db, conference_id)
        ballot = await services.get_ballot(db, ballot_id, conference_id)
        return conference_page("voting/hall.html", request, conference, status_code=status_code,
                               v=await view_of(db, ballot), error=error,
                               hall=[(h, json.loads(h.counts)) for h in await hall_counts(db, ballot_id)],
                               form=form or {}, notice=_notice(request),
                               takes_counts=ballot.state in (BallotState.OPEN, BallotState.CLOSED))

    @get("/")
    async def hall(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                   ballot_id: int) -> Template:
        return await self._page(request, db_session, conference_id, ballot_id)

    @post("/")
    async def record(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                     ballot_id: int) -> Template | Redirect:
        form = await request.form()
        submitted = {name: text_of(form, name) for name in form}
        try:
            ballot = await services.get_ballot(db_session, ballot_id, conference_id)
            counts = {key: _count(submitted.get(f"count_{key}", ""), label)
                      for key, label in (await view_of(db_session, ballot)).options}
            papers = submitted.get("papers", "")
            await services.record_hall_count(
                db_session, ballot_id, section=submitted.get("section", ""), counts=counts,
                invalid=_count(submitted.get("invalid", ""), _("Invalid papers")),
                papers=_count(papers, _("Valid papers")) if ballot.method == Method.UP_TO else None,
                by=request.scope["user"].id, conference_id=conference_id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._page(request, db_session, conference_id, ballot_id, error=str(exc),
                                    status_code=exc.status_code, form=submitted)
        return see_other(f"{console_path(conference_id, ballot_id)}/hall?done=hall-count")


def _count(raw: str, what: str) -> int:
    if not raw:
        return 0
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        raise services.BallotError(_("%(what)s: enter a whole number, zero or more (not '%(raw)s').")
                                   % {"what": what, "raw": raw})
    return int(raw)

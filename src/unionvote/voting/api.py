"""Voting API: a conference's ballots; one ballot's summary, its life (open, close, declare, void), votes, trackers.

Casting: POST /api/v1/ballots/{id}/votes {"choice": [...], "token": "..."} answers 201 with the
receipt, or 200 with repeated=true when the same token and choice are sent again (a retry).
Before a ballot closes, nothing here shows more than the turnout count.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import Role
from unionvote.conferences.access import anyone_in_conference
from unionvote.motions.access import chair
from unionvote.motions.live import floor_changed
from unionvote.voting import casting, services
from unionvote.voting.access import (
    RUNNERS,
    anyone_in_ballot,
    ballot_certifier,
    ballot_runner,
    ballot_runners,
    ballot_teller,
    conference_of_ballot,
)
from unionvote.voting.live import ballot_changed, turnout_changed
from unionvote.voting.models import Ballot, BallotState, Relation
from unionvote.voting.questions import put_question, spec_from_draft
from unionvote.voting.receipts import format_tracker
from unionvote.voting.schemas import (
    BallotDraft,
    BallotOut,
    Declaration,
    FollowUpIn,
    HallCountIn,
    OpenIn,
    QuestionIn,
    TrackersOut,
    VoidIn,
    VoteIn,
    VoteOut,
)
from unionvote.voting.views import ballot_out, view_of

BALLOT = "/ballots/{ballot_id:int}"
SEES_DRAFTS = RUNNERS | {Role.RETURNING_OFFICER}


async def _out(db: AsyncSession, ballot: Ballot) -> BallotOut:
    return ballot_out(await view_of(db, ballot))


class BallotsApi(Controller):
    path = "/api/v1"
    tags = ["voting"]

    @get("/conferences/{conference_id:int}/ballots", guards=[anyone_in_conference],
         summary="The conference's ballots, newest first (drafts only for the chair, staff and returning officer)")
    async def list_ballots(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                           ) -> list[BallotOut]:
        user = request.scope["user"]
        drafts = user.is_admin or bool(user.roles_in(conference_id) & SEES_DRAFTS)
        return [await _out(db_session, b) for b in await services.ballots_of(db_session, conference_id)
                if drafts or b.state != BallotState.DRAFT]

    @post("/conferences/{conference_id:int}/ballots", guards=[ballot_runners],
          summary="Prepare a ballot (a draft): free-standing, or on a motion or amendment")
    async def create(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                     data: BallotDraft) -> BallotOut:
        spec = await spec_from_draft(db_session, conference_id, data)
        ballot = await services.create_ballot(db_session, conference_id, spec, by=request.scope["user"].id)
        return await _out(db_session, ballot)

    @post("/conferences/{conference_id:int}/floor/questions", guards=[chair],
          summary="Put a motion or amendment to the vote in one step: its ballot is made, opened and shown",
          description="The ballot takes the motion's or amendment's title, question and rule (two thirds for a "
                      "rule change). 409 while the conference is not quorate unless override_reason is given, "
                      "while amendments wait, or while the same question is already being voted on.")
    async def put_question(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                           data: QuestionIn) -> BallotOut:
        draft = BallotDraft(motion_id=data.motion_id, amendment_id=data.amendment_id, secret=data.secret,
                            card_vote=data.card_vote, countdown_seconds=data.countdown_seconds)
        ballot = await put_question(db_session, conference_id, draft, by=request.scope["user"].id,
                                    override_reason=data.override_reason)
        await floor_changed(request, db_session, conference_id)
        return await self._changed(request, db_session, ballot)

    @get(BALLOT, guards=[anyone_in_ballot],
         summary="One ballot: its state, turnout (counts only), and the result once declared")
    async def ballot(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int) -> BallotOut:
        ballot = await services.get_ballot(db_session, ballot_id)
        user = request.scope["user"]
        if ballot.state == BallotState.DRAFT and not (user.is_admin
                                                      or user.roles_in(ballot.conference_id) & SEES_DRAFTS):
            raise services.BallotError("No such ballot.", 404)
        return await _out(db_session, ballot)

    @post(BALLOT + "/votes", guards=[anyone_in_ballot], summary="Cast my vote (idempotent: resend the same token)",
          description="201 with the receipt; 200 with repeated=true when this token and choice were already "
                      "recorded. A different choice with the same token, a second token, a closed or unknown "
                      "ballot, or a malformed choice are refused with a message and change nothing.")
    async def cast(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int, data: VoteIn
                   ) -> Response[VoteOut]:
        receipt = await casting.cast_vote(db_session, ballot_id, user_id=request.scope["user"].id,
                                          choice=data.choice, token=data.token)
        if not receipt.repeated:
            conference_id = await conference_of_ballot(request, ballot_id)
            turnout_changed(request.app, db_session, ballot_id, conference_id)
        body = VoteOut(ballot=ballot_id, tracker=format_tracker(receipt.tracker), choice=list(receipt.choice),
                       repeated=receipt.repeated)
        return Response(body, status_code=200 if receipt.repeated else 201)

    @get(BALLOT + "/trackers", guards=[anyone_in_ballot], summary="Every tracker, once voting has closed")
    async def trackers(self, db_session: AsyncSession, ballot_id: int) -> TrackersOut:
        ballot = await services.get_ballot(db_session, ballot_id)
        return TrackersOut(ballot=ballot_id,
                           trackers=[format_tracker(t) for t in await casting.trackers(db_session, ballot)])

    async def _changed(self, request: Request[Any, Any, Any], db: AsyncSession, ballot: Ballot) -> BallotOut:
        await ballot_changed(request.app, db, ballot)
        return await _out(db, ballot)

    @post(BALLOT + "/open", guards=[ballot_runner], status_code=200,
          summary="Open voting: freezes the electorate (accredited and checked in now)",
          description="Refused with 409 while the conference is not quorate, unless override_reason says why "
                      "standing orders allow the vote; the quorum figures are recorded in ballot.opened.")
    async def open(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int,
                   data: OpenIn | None = None) -> BallotOut:
        ballot = await services.open_ballot(db_session, ballot_id, by=request.scope["user"].id,
                                            override_reason=data.override_reason if data else None)
        return await self._changed(request, db_session, ballot)

    @post(BALLOT + "/close", guards=[ballot_runner], status_code=200, summary="Close voting")
    async def close(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int) -> BallotOut:
        ballot = await services.close_ballot(db_session, ballot_id, by=request.scope["user"].id)
        return await self._changed(request, db_session, ballot)

    @post(BALLOT + "/declare", guards=[ballot_runner], status_code=200,
          summary="Count and declare the result (409 asks for the chair's casting vote on a tie)")
    async def declare(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int,
                      data: Declaration) -> BallotOut:
        ballot = await services.declare_result(db_session, ballot_id, by=request.scope["user"].id,
                                               casting_vote=data.casting_vote)
        return await self._changed(request, db_session, ballot)

    @post(BALLOT + "/void", guards=[ballot_runner], status_code=200, summary="Declare the ballot void, with a reason")
    async def void(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int, data: VoidIn
                   ) -> BallotOut:
        ballot = await services.void_ballot(db_session, ballot_id, reason=data.reason, by=request.scope["user"].id)
        return await self._changed(request, db_session, ballot)

    @post(BALLOT + "/follow-ups", guards=[ballot_runner],
          summary="A re-vote, or the card vote after a show of hands, as a new draft ballot")
    async def follow_up(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int,
                        data: FollowUpIn) -> BallotOut:
        try:
            relation = Relation(data.relation)
        except ValueError:
            raise services.BallotError("The relation must be revote or card_vote.") from None
        ballot = await services.create_follow_up(db_session, ballot_id, relation, by=request.scope["user"].id)
        return await _out(db_session, ballot)

    @post(BALLOT + "/hall-counts", guards=[ballot_teller], status_code=200,
          summary="A teller's count for one section of the hall (entering a section again replaces it)")
    async def hall_count(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int,
                         data: HallCountIn) -> BallotOut:
        await services.record_hall_count(db_session, ballot_id, section=data.section, counts=data.counts,
                                         invalid=data.invalid, papers=data.papers, by=request.scope["user"].id)
        return await _out(db_session, await services.get_ballot(db_session, ballot_id))

    @post(BALLOT + "/certify", guards=[ballot_certifier], status_code=200,
          summary="The returning officer certifies a declared result")
    async def certify(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int) -> BallotOut:
        ballot = await services.certify_result(db_session, ballot_id, by=request.scope["user"].id)
        return await _out(db_session, ballot)

"""The elections JSON API: every action of the pages, for integrations."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.elections import nominations, services
from unionvote.elections.access import election_officers, is_officer, participants
from unionvote.elections.schemas import Decision, ElectionOut, NewElection, NewNomination, PapersToCount, election_out
from unionvote.elections.services import ElectionError, ElectionSpec

ELECTION = "/{election_id:int}"
NOMINATION = ELECTION + "/nominations/{nomination_id:int}"


async def _full(db: AsyncSession, conference_id: int, election_id: int) -> ElectionOut:
    election = await services.get_election(db, conference_id, election_id)
    listed = await services.nominations_of(db, election.id)
    support = await nominations.supporters(db, [n.id for n in listed])
    return election_out(election, listed, support, services.result_of(election))


class ElectionsApi(Controller):
    path = "/api/v1/conferences/{conference_id:int}/elections"
    tags = ["elections"]
    guards = [participants]

    @get("/", summary="The conference's elections")
    async def list_elections(self, db_session: AsyncSession, conference_id: int) -> list[ElectionOut]:
        return [election_out(e) for e in await services.elections_of(db_session, conference_id)]

    @post("/", guards=[election_officers], summary="Set up an election: seats, rule, who nominates, closing time")
    async def create(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                     data: NewElection) -> ElectionOut:
        election = await services.create_election(db_session, conference_id, ElectionSpec(
            title=data.title, seats=data.seats, rule=data.rule, nominator_kind=data.nominator_kind,
            nominations_close_at=data.nominations_close_at, supporters_needed=data.supporters_needed,
            statement_limit=data.statement_limit), by=request.scope["user"].id)
        return election_out(election)

    @get(ELECTION, summary="One election with its nominations and, once declared, the count's stage record")
    async def one(self, db_session: AsyncSession, conference_id: int, election_id: int) -> ElectionOut:
        return await _full(db_session, conference_id, election_id)

    @post(ELECTION + "/nominations", summary="Nominate a candidate (a body's delegate, or a supporting delegate)")
    async def nominate(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                       election_id: int, data: NewNomination) -> ElectionOut:
        user = request.scope["user"]
        if data.on_behalf:
            if not is_officer(user, conference_id):
                raise ElectionError("Only the committee enters nominations on behalf of others.", 403)
        await nominations.nominate(db_session, conference_id, election_id, candidate_name=data.candidate_name,
                                   statement=data.statement, body_id=data.body_id, by=user.id,
                                   on_behalf=data.on_behalf)
        return await _full(db_session, conference_id, election_id)

    @post(NOMINATION + "/support", summary="Support a nomination (when delegates nominate)")
    async def support(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                      election_id: int, nomination_id: int) -> ElectionOut:
        await nominations.support(db_session, conference_id, election_id, nomination_id, by=request.scope["user"].id)
        return await _full(db_session, conference_id, election_id)

    @post(NOMINATION + "/withdraw", summary="Withdraw a nomination before the close of nominations")
    async def withdraw(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                       election_id: int, nomination_id: int) -> ElectionOut:
        user = request.scope["user"]
        await nominations.withdraw(db_session, conference_id, election_id, nomination_id, by=user.id,
                                   as_committee=is_officer(user, conference_id))
        return await _full(db_session, conference_id, election_id)

    @post(NOMINATION + "/decision", guards=[election_officers], summary="The committee: valid, or invalid and why")
    async def decide(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                     election_id: int, nomination_id: int, data: Decision) -> ElectionOut:
        await nominations.decide(db_session, conference_id, election_id, nomination_id, valid=data.valid,
                                 note=data.note, by=request.scope["user"].id)
        return await _full(db_session, conference_id, election_id)

    @post(ELECTION + "/close", guards=[election_officers],
          summary="Close nominations: declared uncontested if no more valid candidates than seats")
    async def close(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                    election_id: int) -> ElectionOut:
        await services.close_nominations(db_session, conference_id, election_id, by=request.scope["user"].id)
        return await _full(db_session, conference_id, election_id)

    @post(ELECTION + "/count", guards=[election_officers],
          summary="Count papers given as a BLT file and declare the result",
          description="The file's candidate names must be exactly the election's valid candidates. A malformed "
                      "file is refused with every bad line named; nothing changes.")
    async def count(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                    election_id: int, data: PapersToCount) -> ElectionOut:
        await services.import_papers_and_declare(db_session, conference_id, election_id, data.blt,
                                                 by=request.scope["user"].id)
        return await _full(db_session, conference_id, election_id)

    @get(ELECTION + "/ballots.blt", summary="The counted papers as a BLT file", media_type=MediaType.TEXT)
    async def blt(self, db_session: AsyncSession, conference_id: int, election_id: int) -> Response[str]:
        text = await services.ballots_as_blt(db_session, conference_id, election_id)
        return Response(text, media_type="text/plain; charset=utf-8", headers={
            "content-disposition": f'attachment; filename="election-{election_id}.blt"'})

"""The turnout dashboard, its exports and the reminder lists; results after close.

For administrators, the ballot's own organisers (ballots.organisers) and returning officers, not other staff.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.response import Stream, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import requires_member_ballot_reader
from unionvote.ballots import services
from unionvote.ballots.chart import turnout_svg
from unionvote.ballots.live_turnout import ballot_topic
from unionvote.ballots.models import INDICATIVE_NOTICE, MemberBallotCertificate
from unionvote.ballots.pages_common import ballot_page
from unionvote.ballots.reconciliation import EVERYONE, NOT_GIVEN, reconcile, statement_rows
from unionvote.ballots.reconciliation import HEADER as RECONCILIATION_HEADER
from unionvote.ballots.results import report_rows, shown_result
from unionvote.ballots.turnout import NON_VOTER_HEADER, SORTS, check_segment, non_voters, over_time, turnout
from unionvote.csvexport import CSV_MEDIA_TYPE, attachment_headers, csv_bytes
from unionvote.db import session_scope

TURNOUT_HEADER = ("segment", "entitled", "voted", "turnout", "threshold met", "votes still needed", "notice")


async def _certificate_row(db: AsyncSession, ballot_id: int) -> list[object]:
    certificate = await db.get(MemberBallotCertificate, ballot_id)
    return ["Certified by the returning officer",
            f"{certificate.certified_at:%Y-%m-%d %H:%M} UTC" if certificate else "not yet"]


class MemberBallotTurnoutPages(Controller):
    path = "/member-ballots/{ballot_id:int}"
    guards = [requires_member_ballot_reader]
    include_in_schema = False

    @get("/turnout")
    async def dashboard(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int,
                        by: str = "employer", sort: str = "name") -> Template:
        ballot = await services.get_ballot(db_session, ballot_id)
        shown = await turnout(db_session, ballot, check_segment(by), sort if sort in SORTS else "name")
        return ballot_page("ballots/turnout.html", request, ballot, t=shown, sort=sort, sorts=SORTS,
                           topic=ballot_topic(ballot_id),
                           chart=turnout_svg(await over_time(db_session, ballot), shown.overall.entitled,
                                             ballot.turnout_percent))

    @get("/turnout.csv")
    async def turnout_csv(self, db_session: AsyncSession, ballot_id: int, by: str = "employer") -> Response[bytes]:
        ballot = await services.get_ballot(db_session, ballot_id)
        shown = await turnout(db_session, ballot, check_segment(by))
        rows = [(r.name, r.entitled, r.voted, r.percent_text(), "yes" if r.turnout.met else "no", r.turnout.short_by,
                 INDICATIVE_NOTICE) for r in [shown.overall, *shown.rows]]
        return Response(csv_bytes(TURNOUT_HEADER, rows), media_type=CSV_MEDIA_TYPE,
                        headers=attachment_headers(f"{ballot.slug}-turnout-by-{by}.csv"))

    @get("/non-voters.csv")
    async def non_voters_csv(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int,
                             by: str | None = None, value: str | None = None) -> Stream:
        ballot = await services.get_ballot(db_session, ballot_id)
        if by:
            check_segment(by)
        factory = request.app.state.session_factory

        async def rows() -> AsyncIterator[bytes]:
            yield csv_bytes(NON_VOTER_HEADER + ("notice",), [])
            async with session_scope(factory) as db:
                batch: list[list[str]] = []
                async for row in non_voters(db, ballot, by, value):
                    batch.append([*row, INDICATIVE_NOTICE])
                    if len(batch) == 2000:
                        yield csv_bytes([], batch).removeprefix("\ufeff\r\n".encode())
                        batch = []
                if batch:
                    yield csv_bytes([], batch).removeprefix("\ufeff\r\n".encode())

        name = f"{ballot.slug}-not-voted{'-' + by if by else ''}.csv"
        return Stream(rows(), media_type=CSV_MEDIA_TYPE, headers=attachment_headers(name))

    @get("/results")
    async def results(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int,
                      by: str = "employer") -> Template:
        ballot = await services.get_ballot(db_session, ballot_id)
        document = await shown_result(db_session, ballot)
        return ballot_page("ballots/results.html", request, ballot, r=document, by=check_segment(by))

    @get("/report")
    async def report(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int) -> Template:
        ballot = await services.get_ballot(db_session, ballot_id)
        document = await shown_result(db_session, ballot)
        return ballot_page("ballots/report.html", request, ballot, r=document,
                           rows=[*report_rows(document), await _certificate_row(db_session, ballot_id)])

    @get("/report.csv")
    async def report_csv(self, db_session: AsyncSession, ballot_id: int) -> Response[bytes]:
        ballot = await services.get_ballot(db_session, ballot_id)
        document = await shown_result(db_session, ballot)
        rows = [*report_rows(document), await _certificate_row(db_session, ballot_id),
                ["Result SHA-256", ballot.result_hash or "not declared yet"]]
        return Response(csv_bytes(("item", "value"), rows), media_type=CSV_MEDIA_TYPE,
                        headers=attachment_headers(f"{ballot.slug}-scrutineer-report.csv"))

    @get("/reconciliation")
    async def reconciliation(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                             ballot_id: int) -> Template:
        ballot = await services.get_ballot(db_session, ballot_id)
        everyone, employers = await reconcile(db_session, ballot)
        return ballot_page("ballots/reconciliation.html", request, ballot, everyone=everyone,
                           header=RECONCILIATION_HEADER, rows=statement_rows(everyone, employers),
                           our_names=(EVERYONE, NOT_GIVEN))

    @get("/reconciliation.csv")
    async def reconciliation_csv(self, db_session: AsyncSession, ballot_id: int) -> Response[bytes]:
        ballot = await services.get_ballot(db_session, ballot_id)
        everyone, employers = await reconcile(db_session, ballot)
        return Response(csv_bytes(RECONCILIATION_HEADER, statement_rows(everyone, employers)),
                        media_type=CSV_MEDIA_TYPE, headers=attachment_headers(f"{ballot.slug}-reconciliation.csv"))

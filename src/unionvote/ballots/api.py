"""The member-ballot JSON API: a ballot's summary and its turnout by segment (admins and its organisers)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import requires_member_ballot_watcher
from unionvote.ballots import services
from unionvote.ballots.models import INDICATIVE_NOTICE
from unionvote.ballots.open_ballots import open_member_ballots
from unionvote.ballots.results import shown_result
from unionvote.ballots.turnout import check_segment, turnout


class MemberBallotsApi(Controller):
    path = "/api/v1/member-ballots/{ballot_id:int}"
    guards = [requires_member_ballot_watcher]
    tags = ["member ballots"]

    @get("/", summary="A member ballot: state, turnout counts, and the result once voting has closed")
    async def summary(self, db_session: AsyncSession, ballot_id: int) -> dict[str, Any]:
        ballot = await services.get_ballot(db_session, ballot_id)
        shown = await turnout(db_session, ballot, "employer")
        body: dict[str, Any] = {
            "id": ballot.id, "slug": ballot.slug, "title": ballot.title, "state": ballot.state,
            "notice": INDICATIVE_NOTICE, "opens_at": ballot.opens_at.isoformat(),
            "closes_at": ballot.closes_at.isoformat(), "entitled": shown.overall.entitled,
            "voted": shown.overall.voted, "turnout_met": shown.overall.turnout.met,
            "turnout_short_by": shown.overall.turnout.short_by, "result": None, "result_sha256": ballot.result_hash,
        }
        if ballot.state in ("closed", "declared"):
            body["result"] = await shown_result(db_session, ballot)
        return body

    @get("/turnout", summary="Turnout by employer, workplace, region or branch, with the threshold per segment")
    async def turnout(self, db_session: AsyncSession, ballot_id: int, by: str = "employer") -> dict[str, Any]:
        # While votes arrive: the open ballot as this worker remembers it and one read of the counts, with no
        # transaction begun (BEGIN, the ballot and COMMIT were three more waits on a worker busy with votes).
        found = await open_member_ballots(db_session).get(db_session, ballot_id)
        if found is None:
            raise services.MemberBallotError("No such member ballot.", 404)
        ballot = found.ballot
        shown = await turnout(db_session, ballot, check_segment(by))
        return {"by": by, "notice": INDICATIVE_NOTICE, "threshold_percent": ballot.turnout_percent,
                "segments": [{"name": r.name, "entitled": r.entitled, "voted": r.voted, "met": r.turnout.met,
                              "short_by": r.turnout.short_by} for r in [shown.overall, *shown.rows]]}

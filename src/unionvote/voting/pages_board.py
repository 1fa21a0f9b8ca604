"""A ballot's public board, as a page with a search box (a plain GET form) and as JSON.

Every delegate of the conference and the record's readers may see it: it lists trackers, which
name sealed votes, not choices, in tracker order, so it shows no more than the turnout does.
A sealed ballot's board is live while voting runs; other ballots publish their trackers at close.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.models import AuditEntry
from unionvote.audit.services import scope_of
from unionvote.conferences.access import anyone_in_conference
from unionvote.conferences.pages_common import conference_page, load_conference
from unionvote.errors import RuleViolation
from unionvote.i18n import _
from unionvote.voting import casting, services
from unionvote.voting.board import board_document, board_hash, board_page, board_trackers, read_tracker
from unionvote.voting.models import Ballot, BallotSealing, BallotState
from unionvote.voting.pages_delegate import my_place
from unionvote.voting.receipts import format_tracker
from unionvote.voting.views import view_of


async def recorded_board_hash(db: AsyncSession, ballot_id: int, kind: str = "ballot") -> str | None:
    """The board hash the ballot.closed entry of the ballot's chain recorded, if any (kind "member_ballot":
    the member_ballot.closed entry of a member ballot's chain)."""
    payload = (await db.execute(select(AuditEntry.payload).where(
        AuditEntry.scope == scope_of(kind, ballot_id), AuditEntry.action == f"{kind}.closed"))).scalar()
    return None if payload is None else json.loads(payload).get("board_hash")


async def _board_ballot(db: AsyncSession, conference_id: int, ballot_id: int) -> tuple[Ballot, bool]:
    ballot = await services.get_ballot(db, ballot_id, conference_id)
    if ballot.state == BallotState.DRAFT:
        raise RuleViolation(_("This ballot has not opened yet."), 404)
    return ballot, await db.get(BallotSealing, ballot_id) is not None


async def listed_trackers(db: AsyncSession, ballot: Ballot, sealed: bool) -> list[str] | None:
    """The board's trackers; None while an unsealed ballot is open (its trackers are published at close)."""
    assert ballot.id is not None
    if sealed:
        return await board_trackers(db, ballot.id)
    if ballot.state == BallotState.OPEN:
        return None
    return await casting.trackers(db, ballot)


class BoardPages(Controller):
    path = "/conferences/{conference_id:int}/vote/{ballot_id:int}"
    guards = [anyone_in_conference]
    include_in_schema = False

    @get("/board")
    async def board(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                    ballot_id: int, tracker: str | None = None, page: int = 1) -> Template:
        conference = await load_conference(db_session, conference_id)
        ballot, sealed = await _board_ballot(db_session, conference_id, ballot_id)
        listed = await listed_trackers(db_session, ballot, sealed)
        me = await my_place(request, db_session, ballot)
        asked = tracker.strip() if tracker else (me.tracker or "")
        wanted = read_tracker(asked) if asked else None
        found = None if listed is None or wanted is None else wanted in set(listed)
        on_page, page, pages, first = board_page(listed or [], page)
        shown = [format_tracker(t) for t in on_page]
        frozen = ballot.state != BallotState.OPEN
        return conference_page(
            "voting/board.html", request, conference, v=await view_of(db_session, ballot), me=me, sealed=sealed,
            listed=listed is not None, count=len(listed or []), trackers=shown, page=page, pages=pages,
            first=first, asked=asked, wanted=format_tracker(wanted) if wanted else None,
            found=found, frozen=frozen,
            recorded_hash=await recorded_board_hash(db_session, ballot_id) if frozen and sealed else None)

    @get("/board.json")
    async def board_json(self, db_session: AsyncSession, conference_id: int, ballot_id: int) -> dict[str, Any]:
        """The board as JSON: the document whose hash is recorded at close, with where voting stands."""
        ballot, sealed = await _board_ballot(db_session, conference_id, ballot_id)
        listed = await listed_trackers(db_session, ballot, sealed)
        if listed is None:
            raise RuleViolation("This ballot's votes are not sealed: its trackers are published when voting "
                                "closes.", 409)
        document = board_document(ballot_id, listed)
        frozen = sealed and ballot.state != BallotState.OPEN
        return {**document, "state": ballot.state, "sealed": sealed, "frozen": frozen,
                "board_hash": board_hash(document) if frozen else None,
                "recorded_hash": await recorded_board_hash(db_session, ballot_id) if frozen else None}

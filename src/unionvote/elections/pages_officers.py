"""Election pages for the officers: setting up, the committee's decisions, closing nominations, the count."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences.pages_common import text_of
from unionvote.elections import nominations, ranked_ballot, services
from unionvote.elections.access import election_officers
from unionvote.elections.blt import MAX_BLT_BYTES
from unionvote.elections.models import ElectionState
from unionvote.elections.pages_elections import ELECTION, NOMINATION, back_to, election_page
from unionvote.elections.services import ElectionError
from unionvote.errors import RuleViolation
from unionvote.i18n import _
from unionvote.web import see_other


class ElectionOfficerPages(Controller):
    path = "/conferences/{conference_id:int}/elections"
    guards = [election_officers]
    include_in_schema = False

    @post(NOMINATION + "/decision")
    async def decide(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                     election_id: int, nomination_id: int) -> Template | Redirect:
        form = await request.form()
        try:
            verdict = text_of(form, "verdict")
            if verdict not in ("valid", "invalid"):
                raise ElectionError(_("Choose valid or invalid."))
            await nominations.decide(db_session, conference_id, election_id, nomination_id,
                                     valid=verdict == "valid", note=text_of(form, "note"),
                                     by=request.scope["user"].id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await election_page(request, db_session, conference_id, election_id, str(exc), exc.status_code)
        return back_to(conference_id, election_id, "decided")

    @post(ELECTION + "/close")
    async def close(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                    election_id: int) -> Template | Redirect:
        try:
            election = await services.close_nominations(db_session, conference_id, election_id,
                                                        by=request.scope["user"].id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await election_page(request, db_session, conference_id, election_id, str(exc), exc.status_code)
        return back_to(conference_id, election_id, "declared" if election.state == "declared" else "closed")

    @post(ELECTION + "/count")
    async def count(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                    election_id: int) -> Template | Redirect:
        form = await request.form()
        upload = form.get("blt")
        try:
            if not isinstance(upload, UploadFile):
                raise ElectionError(_("Choose the BLT file holding the papers."))
            raw = await upload.read()
            if len(raw) > MAX_BLT_BYTES:
                raise ElectionError(_("The file is too large for a conference election."))
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ElectionError(_("The file is not UTF-8 text: save it as UTF-8 and try again.")) from None
            await services.import_papers_and_declare(db_session, conference_id, election_id, text,
                                                     by=request.scope["user"].id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await election_page(request, db_session, conference_id, election_id, str(exc), exc.status_code)
        return see_other(f"/conferences/{conference_id}/elections/{election_id}/result?done=declared")


class ElectionBallotPages(Controller):
    """Opening the ranked ballot, and closing it to count."""

    path = "/conferences/{conference_id:int}/elections"
    guards = [election_officers]
    include_in_schema = False

    @post(ELECTION + "/ballot")
    async def open_ballot(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                          election_id: int) -> Template | Redirect:
        form = await request.form()
        try:
            trustees = await ranked_ballot.trustees_for(db_session, conference_id, form.get("sealing"))
            await ranked_ballot.open_ranked_ballot(db_session, conference_id, election_id,
                                                   card_vote=form.get("card_vote") == "on",
                                                   by=request.scope["user"].id, trustees=trustees)
        except RuleViolation as exc:
            await db_session.rollback()
            return await election_page(request, db_session, conference_id, election_id, str(exc), exc.status_code)
        return back_to(conference_id, election_id, "voting-open")

    @post(ELECTION + "/ballot/close")
    async def close_ballot(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                           election_id: int) -> Template | Redirect:
        try:
            election = await ranked_ballot.close_and_count(db_session, conference_id, election_id,
                                                           by=request.scope["user"].id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await election_page(request, db_session, conference_id, election_id, str(exc), exc.status_code)
        if election.state != ElectionState.DECLARED:  # sealed under trustees' keys: their shares come first
            return back_to(conference_id, election_id, "awaiting-trustees")
        return see_other(f"/conferences/{conference_id}/elections/{election_id}/result?done=declared")

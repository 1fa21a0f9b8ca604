"""The register pages for conference staff: bodies and delegates, listed, searched, and uploaded as CSV.

An upload with any bad row imports nothing and the page lists every bad row with its
line number and reason, so the whole file can be fixed in one go.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences import lookup
from unionvote.conferences.access import conference_staff
from unionvote.conferences.csvfiles import BODY_COLUMNS, DELEGATE_COLUMNS
from unionvote.conferences.csvtable import RegisterFileRejected, RowProblem
from unionvote.conferences.imports import import_bodies, import_delegates
from unionvote.conferences.pages_common import conference_page, load_conference, whole_number
from unionvote.conferences.services import ConferenceError
from unionvote.db import utcnow
from unionvote.errors import RuleViolation
from unionvote.web import see_other

MAX_PAGE = 100_000


async def uploaded_file(request: Request[Any, Any, Any]) -> bytes:
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise ConferenceError("Choose a CSV file to upload.")
    data = await upload.read()
    if not data:
        raise ConferenceError(f"The file '{upload.filename}' is empty.")
    return data


def imported_notice(request: Request[Any, Any, Any], what: str) -> str | None:
    """'Delegates imported: 3 added, ...' from the numbers a successful upload redirects with."""
    counts = [whole_number(request.query_params.get(key, "")) for key in ("added", "updated", "unchanged")]
    if request.query_params.get("done") != "imported" or None in counts:
        return None
    added, updated, unchanged = counts
    return f"{what} imported: {added} added, {updated} updated, {unchanged} unchanged."


def search_params(request: Request[Any, Any, Any]) -> tuple[str, int | None, int]:
    """The search box, the body filter and the page number, read leniently: nonsense means 'not given'."""
    text = request.query_params.get("q", "")
    body_id = whole_number(request.query_params.get("body", ""))
    number = whole_number(request.query_params.get("page", "")) or 1
    return text, body_id, min(number, MAX_PAGE)


class RegisterPages(Controller):
    path = "/conferences/{conference_id:int}"
    guards = [conference_staff]
    include_in_schema = False

    async def _bodies_page(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int,
                           problems: list[RowProblem] | None = None, error: str | None = None,
                           status_code: int = 200) -> Template:
        conference = await load_conference(db, conference_id)
        bodies = await lookup.bodies_of(db, conference_id)
        return conference_page("conferences/bodies.html", request, conference, status_code=status_code,
                               bodies=bodies, members=sum(b.membership for b in bodies), columns=BODY_COLUMNS,
                               problems=problems or [], error=error, notice=imported_notice(request, "Bodies"))

    @get("/bodies")
    async def bodies(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                     ) -> Template:
        return await self._bodies_page(request, db_session, conference_id)

    @post("/bodies")
    async def upload_bodies(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                            ) -> Template | Redirect:
        try:
            summary = await import_bodies(db_session, conference_id, await uploaded_file(request),
                                          by=request.scope["user"].id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._bodies_page(request, db_session, conference_id, **_failure(exc))
        return see_other(f"/conferences/{conference_id}/bodies?done=imported&added={summary.added}"
                         f"&updated={summary.updated}&unchanged={summary.unchanged}")

    async def _register_page(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int,
                             problems: list[RowProblem] | None = None, error: str | None = None,
                             status_code: int = 200) -> Template:
        conference = await load_conference(db, conference_id)
        text, body_id, number = search_params(request)
        running = await lookup.session_for_check_in(db, conference_id, utcnow())
        session_id, search_error = (running.id if running else None), None
        try:
            found = await lookup.search_register(db, conference_id, text=text, body_id=body_id, page=number,
                                                 session_id=session_id)
        except RuleViolation as exc:
            search_error, status_code = str(exc), 400
            found = await lookup.search_register(db, conference_id, session_id=session_id)
        return conference_page("conferences/register.html", request, conference, status_code=status_code,
                               found=found, q=text, body_id=body_id, search_error=search_error,
                               bodies=await lookup.bodies_of(db, conference_id), columns=DELEGATE_COLUMNS,
                               problems=problems or [], error=error, notice=imported_notice(request, "Delegates"),
                               counts=await lookup.register_counts(db, conference_id), running=running)

    @get("/register")
    async def register(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                       ) -> Template:
        return await self._register_page(request, db_session, conference_id)

    @post("/register")
    async def upload_register(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                              ) -> Template | Redirect:
        try:
            summary = await import_delegates(db_session, conference_id, await uploaded_file(request),
                                             by=request.scope["user"].id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._register_page(request, db_session, conference_id, **_failure(exc))
        return see_other(f"/conferences/{conference_id}/register?done=imported&added={summary.added}"
                         f"&updated={summary.updated}&unchanged={summary.unchanged}")


def _failure(exc: RuleViolation) -> dict[str, Any]:
    if isinstance(exc, RegisterFileRejected):
        heading = str(exc).split("\n", 1)[0]
        return {"problems": exc.problems, "error": heading, "status_code": 400}
    return {"error": str(exc), "status_code": exc.status_code}

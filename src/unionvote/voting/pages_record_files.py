"""The returning officer's record, whole: download the conference export as a zip, and verify an export on the page.

The same checks as `unionvote audit verify DIR` (with noted heads and signers' keys when given), for an
officer who does not use the command line. Verifying reads only the uploaded files, never the database, so
an export kept elsewhere since certification is checked against what it says, not against this server.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.anchors import HeadsUnreadable, NotedHeads, heads_from_listing
from unionvote.audit.signing import KeyUnusable, checked_public_key
from unionvote.conferences.pages_common import conference_page, load_conference
from unionvote.csvexport import attachment_headers
from unionvote.db import is_postgres, session_scope
from unionvote.errors import RuleViolation
from unionvote.i18n import _
from unionvote.voting.access import record_readers
from unionvote.voting.export import collect_export, write_export
from unionvote.voting.export_zip import MAX_UPLOAD, unzip_export, zip_directory
from unionvote.voting.verify import Report, verify_export


class RecordFilesPages(Controller):
    path = "/conferences/{conference_id:int}/record"
    guards = [record_readers]
    include_in_schema = False

    @get("/export.zip")
    async def export_zip(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                         conference_id: int) -> Response[bytes]:
        await load_conference(db_session, conference_id)
        if is_postgres(db_session):  # a session of its own, so the export is one REPEATABLE READ snapshot
            async with session_scope(request.app.state.session_factory) as db:
                files, ballots = await collect_export(db, conference_id)
        else:  # SQLite: one writer at a time, and this request's transaction already reads one snapshot
            files, ballots = await collect_export(db_session, conference_id)
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder) / f"conference-{conference_id}-record"
            write_export(root, conference_id, files, ballots)
            data = zip_directory(root)
        return Response(data, media_type="application/zip",
                        headers=attachment_headers(f"conference-{conference_id}-record.zip"))

    async def _page(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int,
                    report: Report | None = None, error: str | None = None, status_code: int = 200) -> Template:
        conference = await load_conference(db, conference_id)
        return conference_page("voting/record_verify.html", request, conference, report=report, error=error,
                               status_code=status_code)

    @get("/verify")
    async def verify_form(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                          conference_id: int) -> Template:
        return await self._page(request, db_session, conference_id)

    @post("/verify", request_max_body_size=MAX_UPLOAD)
    async def verify(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int) -> Template:
        form = await request.form()
        upload = form.get("export")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise RuleViolation(_("Choose the export's zip file to verify."))
            heads = heads_from_listing(str(form.get("heads") or ""), _("the noted heads"), NotedHeads())
            keys = tuple(checked_public_key(k) for k in str(form.get("keys") or "").split())
            data = await upload.read()
            with tempfile.TemporaryDirectory() as folder:
                root = Path(folder)
                unzip_export(data, root)
                report = verify_export(root, heads, keys)
        except (RuleViolation, HeadsUnreadable, KeyUnusable) as exc:
            return await self._page(request, db_session, conference_id, error=str(exc), status_code=400)
        return await self._page(request, db_session, conference_id, report=report,
                                status_code=200 if report.ok else 422)

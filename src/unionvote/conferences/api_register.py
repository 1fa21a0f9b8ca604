"""Register API for conference staff: bodies and delegates, listed, searched and imported from CSV.

Imports take the file as the request body (Content-Type: text/csv) or as the `file` part
of a multipart form. A file with bad rows imports nothing; the 400 answer lists them all:
{"detail": "Nothing was imported: ...", "extra": {"rows": [{"line": 14, "reason": "..."}]}}.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import ValidationException
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences import lookup
from unionvote.conferences.access import conference_staff
from unionvote.conferences.api_setup import CONFERENCE_API
from unionvote.conferences.csvtable import RegisterFileRejected
from unionvote.conferences.imports import ImportSummary, import_bodies, import_delegates
from unionvote.conferences.pages_common import load_conference
from unionvote.conferences.schemas import BodyOut, DelegateOut, DelegatePageOut, ImportOut, delegate_page_out
from unionvote.conferences.services import ConferenceError
from unionvote.db import utcnow

CSV_TYPES = ("text/csv", "text/plain", "application/csv")


@dataclass
class CsvUpload(Operation):
    """OpenAPI for the import routes: a CSV file as the body, or as a multipart form's `file`."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(required=True, description="A CSV file saved as UTF-8.", content={
            "text/csv": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)),
            "multipart/form-data": OpenAPIMediaType(schema=Schema(
                type=OpenAPIType.OBJECT, required=["file"],
                properties={"file": Schema(type=OpenAPIType.STRING, format="binary")})),  # type: ignore[arg-type]
        })


async def csv_body(request: Request[Any, Any, Any]) -> bytes:
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == "multipart/form-data":
        upload = (await request.form()).get("file")
        if not isinstance(upload, UploadFile):
            raise ConferenceError("Send the CSV file as the form's 'file' field.")
        return await upload.read()
    if content_type not in CSV_TYPES:
        raise ConferenceError("Send the CSV file as the body with Content-Type: text/csv, or as the 'file' field "
                              "of a multipart/form-data form.", 415)
    return await request.body()


async def run_import(importer: Any, request: Request[Any, Any, Any], db: AsyncSession,
                     conference_id: int) -> ImportOut:
    data = await csv_body(request)
    try:
        summary: ImportSummary = await importer(db, conference_id, data, by=request.scope["user"].id)
    except RegisterFileRejected as exc:
        rows = [{"line": p.line, "reason": "; ".join(p.reasons), "reasons": list(p.reasons)} for p in exc.problems]
        raise ValidationException(detail=str(exc).split("\n", 1)[0], extra={"rows": rows}) from exc
    return ImportOut(added=summary.added, updated=summary.updated, unchanged=summary.unchanged)


class RegisterApi(Controller):
    path = CONFERENCE_API
    tags = ["register"]
    guards = [conference_staff]

    @get("/bodies", summary="Represented bodies and their membership (card-vote weight)")
    async def bodies(self, db_session: AsyncSession, conference_id: int) -> list[BodyOut]:
        await load_conference(db_session, conference_id)
        return [BodyOut(id=b.id, code=b.code, name=b.name, kind=b.kind, membership=b.membership,  # type: ignore[arg-type]
                        counted_on=b.counted_on) for b in await lookup.bodies_of(db_session, conference_id)]

    @post("/bodies/import", status_code=200, operation_class=CsvUpload,
          summary="Import bodies from CSV (code, name, kind, membership, cut-off date): all or nothing")
    async def import_bodies(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                            conference_id: int) -> ImportOut:
        return await run_import(import_bodies, request, db_session, conference_id)

    @post("/delegates/import", status_code=200, operation_class=CsvUpload,
          summary="Import the delegate register from CSV: all or nothing",
          description="Columns: membership number, name, email, mobile (optional), body code, role "
                      "(delegate | substitute | observer | visitor), lead (optional yes/no).")
    async def import_delegates(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                               conference_id: int) -> ImportOut:
        return await run_import(import_delegates, request, db_session, conference_id)

    @get("/delegates", summary="Search the register by name, membership number or body; one page at a time")
    async def delegates(self, db_session: AsyncSession, conference_id: int, q: str = "",
                        body_id: int | None = None,
                        page: int = 1, per_page: int = lookup.PER_PAGE) -> DelegatePageOut:
        await load_conference(db_session, conference_id)
        running = await lookup.session_for_check_in(db_session, conference_id, utcnow())
        return delegate_page_out(await lookup.search_register(
            db_session, conference_id, text=q, body_id=body_id, page=page, per_page=per_page,
            session_id=running.id if running else None))

    @get("/delegates/{delegate_id:int}", summary="One delegate")
    async def delegate(self, db_session: AsyncSession, conference_id: int, delegate_id: int) -> DelegateOut:
        return await delegate_now(db_session, conference_id, delegate_id)


async def delegate_now(db: AsyncSession, conference_id: int, delegate_id: int) -> DelegateOut:
    """A delegate as the register stands in this transaction, with their presence in the open session."""
    running = await lookup.session_for_check_in(db, conference_id, utcnow())
    found = await lookup.search_register(db, conference_id, delegate_id=delegate_id,
                                         session_id=running.id if running else None)
    if not found.rows:
        raise ConferenceError("There is no such delegate in this conference.", 404)
    return delegate_page_out(found).items[0]

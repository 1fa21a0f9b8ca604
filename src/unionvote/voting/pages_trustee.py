"""The trustees' page: register trustees' public keys, and decrypt each closed ballot's tally from the page.

With JavaScript a trustee makes or loads their key in the page (static/js/trustee-page.js): the key
file is read on their computer and kept in the page's memory, never sent; "Decrypt the result" fetches
the sealed tally, decrypts it with its proof in the browser and posts the partial decryption. Without
JavaScript the page offers the tally file for `unionvote trustee decrypt` and an upload of its output.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import Role
from unionvote.auth import requires_conference_role
from unionvote.conferences.pages_common import conference_page, load_conference, text_of
from unionvote.csvexport import attachment_headers
from unionvote.errors import RuleViolation
from unionvote.i18n import N_
from unionvote.voting import services
from unionvote.voting.sealed import receive_decryption, tally_file
from unionvote.voting.trustee_keys import (
    PARTIAL_BYTES,
    PUBLIC_KEY_BYTES,
    awaiting_ballot,
    awaiting_decryption,
    parse_json,
    register_trustee,
    registered_trustees,
    remove_trustee,
)
from unionvote.web import see_other

# The returning officer is the trustee who uses this page (administrators aside); scrutineers' keys are
# registered here by the returning officer, and their decryptions come back through it or the command line.
trustees_only = requires_conference_role(Role.RETURNING_OFFICER)
NOTICES = {
    "registered": "The trustee's public key has been registered. Ballots set to be sealed by the trustees "
                  "will be sealed to it when they open.",
    "removed": "The key has been removed. Ballots already sealed to it still need it to be decrypted.",
    "decrypted": "The partial decryption has been checked and accepted.",
}


async def _text_or_file(form: Any, text_name: str, file_name: str, limit: int) -> str:
    upload = form.get(file_name)
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise RuleViolation(f"That file is too large (at most {limit:,} bytes).", 413)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise RuleViolation("That file is not text (UTF-8 JSON).") from None
    return text_of(form, text_name)


class TrusteePages(Controller):
    path = "/conferences/{conference_id:int}/trustees"
    guards = [trustees_only]
    include_in_schema = False

    async def _page(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int,
                    error: str | None = None, status_code: int = 200, form: dict[str, str] | None = None
                    ) -> Template:
        conference = await load_conference(db, conference_id)
        return conference_page(
            "voting/trustees.html", request, conference, status_code=status_code, error=error, form=form or {},
            trustees=await registered_trustees(db, conference_id),
            awaiting=await awaiting_decryption(db, conference_id),
            notice=NOTICES.get(request.query_params.get("done") or ""))

    @get("/")
    async def trustees(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                       ) -> Template:
        return await self._page(request, db_session, conference_id)

    @get("/ballots")
    async def ballots(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                      ) -> Template:
        """The ballots awaiting decryption alone: the page refreshes this part while a key is loaded."""
        conference = await load_conference(db_session, conference_id)
        return conference_page("voting/_trustee_ballots.html", request, conference,
                               awaiting=await awaiting_decryption(db_session, conference_id))

    @post("/keys", request_max_body_size=PUBLIC_KEY_BYTES + 8000)
    async def register(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                       ) -> Template | Redirect:
        form = await request.form()
        submitted = {"holder": text_of(form, "holder"), "public_key": text_of(form, "public_key")}
        try:
            text = await _text_or_file(form, "public_key", "public_key_file", PUBLIC_KEY_BYTES)
            published = parse_json(text, N_("a trustee's public key"), PUBLIC_KEY_BYTES)
            await load_conference(db_session, conference_id)
            await register_trustee(db_session, conference_id, published, submitted["holder"],
                                   by=request.scope["user"].id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._page(request, db_session, conference_id, error=str(exc),
                                    status_code=exc.status_code, form=submitted)
        return see_other(f"/conferences/{conference_id}/trustees?done=registered")

    @post("/keys/{trustee_id:int}/remove")
    async def remove(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                     trustee_id: int) -> Template | Redirect:
        try:
            await remove_trustee(db_session, conference_id, trustee_id, by=request.scope["user"].id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._page(request, db_session, conference_id, error=str(exc), status_code=exc.status_code)
        return see_other(f"/conferences/{conference_id}/trustees?done=removed")

    @get("/ballots/{ballot_id:int}/tally.json")
    async def tally(self, db_session: AsyncSession, conference_id: int, ballot_id: int) -> Response[Any]:
        """The sealed tally file of a closed ballot, for the page or `unionvote trustee decrypt`."""
        ballot = await services.get_ballot(db_session, ballot_id, conference_id)
        try:
            document = await tally_file(db_session, ballot)
        except RuleViolation as exc:
            return Response({"error": str(exc)}, status_code=exc.status_code)
        return Response(json.dumps(document, sort_keys=True), media_type="application/json",
                        headers=attachment_headers(f"ballot-{ballot_id}-tally.json"))

    @post("/ballots/{ballot_id:int}/decryption", request_max_body_size=PARTIAL_BYTES + 8000)
    async def decryption(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                         ballot_id: int) -> Response[Any] | Template | Redirect:
        """A trustee's partial decryption: JSON from the page's script, or the file `trustee decrypt` wrote."""
        as_json = request.headers.get("content-type", "").startswith("application/json")
        try:
            if as_json:
                text = (await request.body()).decode("utf-8", errors="replace")
            else:
                text = await _text_or_file(await request.form(), "partial_text", "partial", PARTIAL_BYTES)
            document = parse_json(text, N_("a partial decryption"), PARTIAL_BYTES)
            if isinstance(document, dict) and "secret_key" in document:
                raise RuleViolation("That is a private key file: never give it to the server. Send the partial "
                                    "decryption `unionvote trustee decrypt` wrote.")
            await awaiting_ballot(db_session, conference_id, ballot_id)
            ballot = await services.get_ballot(db_session, ballot_id, conference_id)
            await receive_decryption(db_session, ballot, document, by=request.scope["user"].id)
            await db_session.flush()
            after = await awaiting_ballot(db_session, conference_id, ballot_id)
        except RuleViolation as exc:
            await db_session.rollback()
            if as_json:
                return Response({"error": str(exc)}, status_code=exc.status_code)
            return await self._page(request, db_session, conference_id, error=str(exc), status_code=exc.status_code)
        if as_json:
            message = ("Every trustee has decrypted: the chair can declare the result." if after.complete else
                       f"Accepted. {after.given} of {len(after.trustees)} trustees have decrypted.")
            return Response({"given": after.given, "needed": len(after.trustees), "message": message}, status_code=200)
        return see_other(f"/conferences/{conference_id}/trustees?done=decrypted")

"""The accreditation desk: find a delegate, check who they are, accredit, revoke, reinstate, substitute,
check them in or out of the session open now.

Every action names a delegate of the conference in the address; a delegate of another
conference is 'not found', so staff of one conference cannot reach another's register.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences import accreditation, attendance, lookup
from unionvote.conferences.access import conference_staff
from unionvote.conferences.pages_common import conference_page, load_conference, text_of, whole_number
from unionvote.conferences.pages_register import search_params
from unionvote.conferences.quorum_panel import quorum_changed
from unionvote.conferences.register import Body
from unionvote.conferences.services import ConferenceError
from unionvote.db import utcnow
from unionvote.errors import RuleViolation
from unionvote.i18n import _
from unionvote.web import see_other

DESK_PER_PAGE = 25
# Where a desk form may send the browser back to: a desk address of this site, nothing else.
RETURN_TO = re.compile(r"/conferences/[0-9]+/desk[A-Za-z0-9/?&=%+._-]*")


class DeskPages(Controller):
    path = "/conferences/{conference_id:int}/desk"
    guards = [conference_staff]
    include_in_schema = False

    @get("/")
    async def search(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                     ) -> Template:
        conference = await load_conference(db_session, conference_id)
        text, _body_id, number = search_params(request)
        running = await lookup.session_for_check_in(db_session, conference_id, utcnow())
        session_id = running.id if running else None
        try:
            found = await lookup.search_register(db_session, conference_id, text=text, page=number,
                                                 per_page=DESK_PER_PAGE, session_id=session_id)
            error, status_code = None, 200
        except RuleViolation as exc:
            found = await lookup.search_register(db_session, conference_id, per_page=DESK_PER_PAGE,
                                                 session_id=session_id)
            error, status_code = str(exc), exc.status_code
        return conference_page("conferences/desk.html", request, conference, status_code=status_code, found=found,
                               q=text, running=running, error=error)

    async def _card(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int, delegate_id: int,
                    errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
                    status_code: int = 200) -> Template:
        conference = await load_conference(db, conference_id)
        delegate = await lookup.delegate_in(db, conference_id, delegate_id)
        running = await lookup.session_for_check_in(db, conference_id, utcnow())
        return conference_page(
            "conferences/desk_delegate.html", request, conference, status_code=status_code, delegate=delegate,
            body=await db.get(Body, delegate.body_id) if delegate.body_id is not None else None,
            substitution=await lookup.substitution_of(db, delegate.id),  # type: ignore[arg-type]
            substitutes=await lookup.substitute_choices(db, delegate), running=running,
            checked_in=running is not None and await lookup.is_checked_in(db, delegate.id, running.id),  # type: ignore[arg-type]
            errors=errors or {}, form=form or {})

    @get("/{delegate_id:int}")
    async def card(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                   delegate_id: int) -> Template:
        return await self._card(request, db_session, conference_id, delegate_id)

    async def _act(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int, delegate_id: int,
                   action: str) -> Template | Redirect:
        form = await request.form()
        submitted = {name: text_of(form, name) for name in ("note", "reason", "substitute_id", "return_to")}
        by = request.scope["user"].id
        try:
            await lookup.ensure_delegate_in(db, conference_id, delegate_id)
            done, ended_user = await self._do(db, conference_id, delegate_id, action, submitted, by)
        except RuleViolation as exc:
            await db.rollback()
            return await self._card(request, db, conference_id, delegate_id, errors={action: str(exc)},
                                    form=submitted, status_code=exc.status_code)
        quorum_changed(request, db, conference_id)
        if ended_user is not None:
            await request.app.state.session_store.delete_for_user(ended_user, db=db)
        back = submitted["return_to"]
        if RETURN_TO.fullmatch(back) and ".." not in back and back.startswith(f"/conferences/{conference_id}/desk"):
            return see_other(back + ("&" if "?" in back else "?") + f"done={done}")
        return see_other(f"/conferences/{conference_id}/desk/{delegate_id}?done={done}")

    async def _do(self, db: AsyncSession, conference_id: int, delegate_id: int, action: str,
                  form: dict[str, str], by: int) -> tuple[str, int | None]:
        """Run one desk action: (the notice to show, the account whose logins must end)."""
        if action == "accredit":
            await accreditation.accredit(db, delegate_id, note=form["note"], by=by)
            return "accredited", None
        if action == "revoke":
            return "revoked", await accreditation.revoke(db, delegate_id, reason=form["reason"], by=by)
        if action == "reinstate":
            await accreditation.reinstate(db, delegate_id, reason=form["reason"], by=by)
            return "reinstated", None
        if action == "substitute":
            substitute_id = whole_number(form["substitute_id"])
            if substitute_id is None:
                raise ConferenceError(_("Choose the substitute who takes over the credential."))
            await lookup.ensure_delegate_in(db, conference_id, substitute_id)
            await accreditation.substitute(db, absent_id=delegate_id, substitute_id=substitute_id,
                                           reason=form["reason"], by=by)
            return "substituted", None
        if action == "check-in":
            await attendance.check_in_now(db, conference_id, delegate_id, by=by)
            return "checked-in", None
        _session, closed = await attendance.check_out_now(db, conference_id, delegate_id, by=by)
        return ("checked-out" if closed else "not-checked-in"), None

    @post("/{delegate_id:int}/accredit")
    async def accredit(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                       delegate_id: int) -> Template | Redirect:
        return await self._act(request, db_session, conference_id, delegate_id, "accredit")

    @post("/{delegate_id:int}/revoke")
    async def revoke(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                     delegate_id: int) -> Template | Redirect:
        return await self._act(request, db_session, conference_id, delegate_id, "revoke")

    @post("/{delegate_id:int}/reinstate")
    async def reinstate(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                        delegate_id: int) -> Template | Redirect:
        return await self._act(request, db_session, conference_id, delegate_id, "reinstate")

    @post("/{delegate_id:int}/substitute")
    async def substitute(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                         delegate_id: int) -> Template | Redirect:
        return await self._act(request, db_session, conference_id, delegate_id, "substitute")

    @post("/{delegate_id:int}/check-in")
    async def check_in(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                       delegate_id: int) -> Template | Redirect:
        return await self._act(request, db_session, conference_id, delegate_id, "check-in")

    @post("/{delegate_id:int}/check-out")
    async def check_out(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                        delegate_id: int) -> Template | Redirect:
        return await self._act(request, db_session, conference_id, delegate_id, "check-out")

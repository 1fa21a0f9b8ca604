"""The public ways in for delegates: accepting an enrolment link, and logging in with a voting code."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.flows import TOO_MANY_MESSAGE, client_ip, device_cookie, known_device_of, session_cookie
from unionvote.accounts.sessions import COOKIE_NAME
from unionvote.auth import public
from unionvote.conferences.enrolment import LinkRefused, accept_invitation, view_invitation
from unionvote.conferences.voting_codes import (
    BAD_CODE_MESSAGE,
    LOCKED_CODE_MESSAGE,
    REVOKED_CODE_MESSAGE,
    CodeLogin,
    check_code,
    conference_by_slug,
)
from unionvote.csrf import csrf_cookie
from unionvote.errors import RuleViolation
from unionvote.i18n import _
from unionvote.web import page


def _form_text(form: Any, name: str, limit: int = 1024) -> str:
    value = form.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


async def _new_session(request: Request[Any, Any, Any], db: AsyncSession, user_id: int, *, mfa_verified: bool,
                       conference_id: int | None = None) -> list[Cookie]:
    """Replace whatever session this browser had with a fresh one, in the request's unit of work (with the
    session's own CSRF token once the login is complete)."""
    store = request.app.state.session_store
    if old := request.cookies.get(COOKIE_NAME):
        await store.delete(old)
    token = await store.create(user_id, mfa_verified=mfa_verified, conference_id=conference_id, db=db)
    return [session_cookie(request, token)] + ([csrf_cookie(request.app.state.settings, token)] if mfa_verified else [])


class EnrolmentPages(Controller):
    path = "/enrol"
    include_in_schema = False

    @get("/{token:str}", guards=[public])
    async def enrol_form(self, request: Request[Any, Any, Any], db_session: AsyncSession, token: str) -> Template:
        try:
            view = await view_invitation(db_session, token)
        except LinkRefused as exc:
            return page("enrolment/link_refused.html", request, status_code=exc.status_code, detail=str(exc))
        return page("enrolment/accept.html", request, view=view, token=token)

    @post("/{token:str}", guards=[public])
    async def enrol(self, request: Request[Any, Any, Any], db_session: AsyncSession, token: str
                    ) -> Template | Redirect:
        form = await request.form()
        try:
            user, conference = await accept_invitation(db_session, token, _form_text(form, "password"),
                                                       _form_text(form, "password_again"))
        except LinkRefused as exc:
            return page("enrolment/link_refused.html", request, status_code=exc.status_code, detail=str(exc))
        except RuleViolation as exc:
            await db_session.rollback()
            return page("enrolment/accept.html", request, status_code=exc.status_code, error=str(exc),
                        view=await view_invitation(db_session, token), token=token)
        # A new password ends every other login of the account, as a password change does.
        await request.app.state.session_store.delete_for_user(user.id, db=db_session)
        cookies = await _new_session(request, db_session, user.id, mfa_verified=not user.totp_enabled)  # type: ignore[arg-type]
        home = f"/conferences/{conference.id}/me"
        if user.totp_enabled:
            target = f"/login/totp?next={home}"
        elif conference.totp_required_for_delegates:
            target = "/account/totp"
        else:
            target = f"{home}?done=enrolled"
        return Redirect(path=target, status_code=303, cookies=cookies)


class CodeLoginPages(Controller):
    path = "/conferences/{slug:str}/code-login"
    include_in_schema = False

    async def _conference(self, db: AsyncSession, slug: str) -> Any:
        conference = await conference_by_slug(db, slug)
        if conference is None:
            raise RuleViolation(_("There is no such conference. Check the address on your letter."), 404)
        return conference

    @get("/", guards=[public])
    async def code_form(self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str) -> Template:
        return page("enrolment/code_login.html", request, conference=await self._conference(db_session, slug),
                    membership_number="")

    @post("/", guards=[public])
    async def code_login(self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str
                         ) -> Template | Redirect:
        conference = await self._conference(db_session, slug)
        form = await request.form()
        number, code = _form_text(form, "membership_number", 64), _form_text(form, "code", 64)
        limiter, address = request.app.state.login_limiter, f"ip:{client_ip(request)}"
        key = f"code:{conference.id}:{number.strip().upper()}"
        # Every try counts against the code; only wrong ones against the address (a whole hall on one wifi).
        if await limiter.spent(address) or not await limiter.hit(key):
            error, status = TOO_MANY_MESSAGE, 429
        else:
            outcome = await check_code(db_session, request.app.state.settings, conference.id, number, code,
                                       known_device_of=known_device_of(request))
            await db_session.commit()  # failures count even though we refuse
            if outcome.result is CodeLogin.OK and outcome.user_id is not None:
                cookies = await _new_session(request, db_session, outcome.user_id, mfa_verified=True,
                                            conference_id=conference.id)
                return Redirect(path=f"/conferences/{conference.id}/me", status_code=303,
                                cookies=[*cookies, device_cookie(request, outcome.user_id)])
            await limiter.hit(address)
            error, status = {CodeLogin.LOCKED: (LOCKED_CODE_MESSAGE, 403),
                             CodeLogin.REVOKED: (REVOKED_CODE_MESSAGE, 403)}.get(outcome.result,
                                                                                (BAD_CODE_MESSAGE, 400))
        return page("enrolment/code_login.html", request, status_code=status, error=error, conference=conference,
                    membership_number=number)
